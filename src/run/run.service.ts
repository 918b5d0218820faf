import type { EntityManager } from 'typeorm';
import { Account } from '../account/account.entity';
import { recordAudit } from '../audit/audit.service';
import { RunStatus } from '../common/enums';
import { invalid, notFound } from '../errors';
import { Job } from '../job/job.entity';
import { lockProject } from '../project/project.service';
import { Run } from './run.entity';
import { RUN_PAYLOAD_MAX } from './run.types';

/** Refuses a payload that is not JSON text (or too large) as BAD_USER_INPUT on `payload`. */
export function checkPayload(payload: string | null | undefined): void {
  if (payload == null) return;
  if (payload.length > RUN_PAYLOAD_MAX) throw invalid('payload', `payload must be at most ${RUN_PAYLOAD_MAX} characters long.`);
  try {
    JSON.parse(payload);
  } catch {
    throw invalid('payload', 'payload must be valid JSON text.');
  }
  if (payload.includes('\u0000')) throw invalid('payload', 'payload must not contain NUL characters.');
}

/** Queues a run of a job with the project's latest code version attached. */
export async function startRun(
  db: EntityManager,
  actor: Account,
  input: { jobId: string; name?: string | null; description?: string | null; payload?: string | null },
): Promise<Run> {
  checkPayload(input.payload);
  const job = await db.getRepository(Job).findOne({ where: { id: input.jobId }, lock: { mode: 'pessimistic_read' } });
  if (!job) throw notFound('The job');
  const project = await lockProject(db, job.projectId, 'pessimistic_read');
  const [latest] = await db.query('SELECT id FROM code_version WHERE project_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1', [project.id]);
  const repo = db.getRepository(Run);
  const run = await repo.save(
    repo.create({
      projectId: project.id,
      jobId: job.id,
      name: input.name?.trim() ?? '',
      description: input.description ?? '',
      status: RunStatus.QUEUED,
      payload: input.payload ?? null,
      createdById: actor.id,
      codeVersionId: latest?.id ?? null,
    }),
  );
  await recordAudit(db, {
    workspaceId: project.workspaceId,
    actorId: actor.id,
    action: 'run.started',
    details: { projectId: project.id, jobId: job.id, runId: run.id },
  });
  return run;
}

async function lockRun(db: EntityManager, id: string) {
  const run = await db.getRepository(Run).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
  if (!run) throw notFound('The run');
  const project = await lockProject(db, run.projectId, 'pessimistic_read');
  return { run, project };
}

/** Changes a run's name or description. */
export async function updateRun(db: EntityManager, actor: Account, input: { id: string; name?: string | null; description?: string | null }): Promise<Run> {
  const { run, project } = await lockRun(db, input.id);
  const changed: string[] = [];
  if (input.name != null && input.name.trim() !== run.name) {
    changed.push('name');
    run.name = input.name.trim();
  }
  if (input.description != null && input.description !== run.description) {
    changed.push('description');
    run.description = input.description;
  }
  if (!changed.length) return run;
  const saved = await db.getRepository(Run).save(run);
  await recordAudit(db, {
    workspaceId: project.workspaceId,
    actorId: actor.id,
    action: 'run.updated',
    details: { projectId: project.id, runId: run.id, changed },
  });
  return saved;
}

/** Deletes a run for good. */
export async function removeRun(db: EntityManager, actor: Account, id: string): Promise<void> {
  const { run, project } = await lockRun(db, id);
  await db.getRepository(Run).delete({ id });
  await recordAudit(db, {
    workspaceId: project.workspaceId,
    actorId: actor.id,
    action: 'run.removed',
    details: { projectId: project.id, jobId: run.jobId, runId: run.id },
  });
}
