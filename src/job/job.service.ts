import type { EntityManager } from 'typeorm';
import { Account } from '../account/account.entity';
import { recordAudit } from '../audit/audit.service';
import { conflict, notFound } from '../errors';
import { mapUniqueViolation } from '../project/db-errors';
import { lockProject } from '../project/project.service';
import { Job } from './job.entity';

const nameTaken = () => conflict('A job with this name already exists in the project.', 'NAME_TAKEN');

/** Runs a job change, turning a duplicate name into CONFLICT NAME_TAKEN. */
export const withUniqueName = <T>(work: () => Promise<T>) => mapUniqueViolation(work, 'job_project_name_key', nameTaken);

/** Creates a job of a live project. */
export async function createJob(
  db: EntityManager,
  actor: Account,
  input: { projectId: string; name: string; description?: string | null; command: string },
): Promise<Job> {
  const project = await lockProject(db, input.projectId, 'pessimistic_read');
  const repo = db.getRepository(Job);
  const job = await repo.save(repo.create({ projectId: project.id, name: input.name.trim(), description: input.description ?? '', command: input.command }));
  await recordAudit(db, {
    workspaceId: project.workspaceId,
    actorId: actor.id,
    action: 'job.created',
    details: { projectId: project.id, jobId: job.id, name: job.name },
  });
  return job;
}

/** Loads a job under a row lock, with its live project locked for share. */
async function lockJob(db: EntityManager, id: string) {
  const job = await db.getRepository(Job).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
  if (!job) throw notFound('The job');
  const project = await lockProject(db, job.projectId, 'pessimistic_read');
  return { job, project };
}

/** Changes a job's name, description or command. */
export async function updateJob(
  db: EntityManager,
  actor: Account,
  input: { id: string; name?: string | null; description?: string | null; command?: string | null },
): Promise<Job> {
  const { job, project } = await lockJob(db, input.id);
  const changed: string[] = [];
  if (input.name != null && input.name.trim() !== job.name) {
    changed.push('name');
    job.name = input.name.trim();
  }
  if (input.description != null && input.description !== job.description) {
    changed.push('description');
    job.description = input.description;
  }
  if (input.command != null && input.command !== job.command) {
    changed.push('command');
    job.command = input.command;
  }
  if (!changed.length) return job;
  const saved = await db.getRepository(Job).save(job);
  await recordAudit(db, {
    workspaceId: project.workspaceId,
    actorId: actor.id,
    action: 'job.updated',
    details: { projectId: project.id, jobId: job.id, name: job.name, changed },
  });
  return saved;
}

/** Deletes a job and its runs for good. */
export async function removeJob(db: EntityManager, actor: Account, id: string): Promise<void> {
  const { job, project } = await lockJob(db, id);
  await db.getRepository(Job).delete({ id });
  await recordAudit(db, {
    workspaceId: project.workspaceId,
    actorId: actor.id,
    action: 'job.removed',
    details: { projectId: project.id, jobId: job.id, name: job.name },
  });
}
