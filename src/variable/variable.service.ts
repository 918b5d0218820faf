import type { EntityManager } from 'typeorm';
import { Account } from '../account/account.entity';
import { recordAudit } from '../audit/audit.service';
import { conflict, invalid, notFound } from '../errors';
import { mapUniqueViolation } from '../project/db-errors';
import { lockProject } from '../project/project.service';
import { Variable } from './variable.entity';

export const MASK = '****';

const nameTaken = () => conflict('A variable with this name already exists in the project.', 'NAME_TAKEN');

/**
 * Runs a variable change, turning a duplicate name into CONFLICT NAME_TAKEN. Any other database
 * error loses its query parameters and row details before it travels on to error logging: they
 * would hold the value, which may be masked.
 */
export async function withUniqueName<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await mapUniqueViolation(work, 'variable_project_name_key', nameTaken);
  } catch (error) {
    throw redactValues(error);
  }
}

/** Strips what a driver error may carry of a statement's values (TypeORM `parameters`, pg `detail`). */
export function redactValues(error: unknown): unknown {
  if (error && typeof error === 'object') {
    const e = error as { parameters?: unknown; detail?: unknown; driverError?: { detail?: unknown; parameters?: unknown } };
    if ('parameters' in e) e.parameters = ['[redacted]'];
    if ('detail' in e) e.detail = '[redacted]';
    if (e.driverError && typeof e.driverError === 'object') {
      if ('detail' in e.driverError) e.driverError.detail = '[redacted]';
      if ('parameters' in e.driverError) e.driverError.parameters = ['[redacted]'];
    }
  }
  return error;
}

/**
 * Creates a variable. Audit events record names only, never values, masked or not: the audit
 * log is readable by admins, and masked values never leave the server.
 */
export async function createVariable(
  db: EntityManager,
  actor: Account,
  input: { projectId: string; name: string; value: string; isMasked?: boolean | null },
): Promise<Variable> {
  const project = await lockProject(db, input.projectId, 'pessimistic_read');
  const repo = db.getRepository(Variable);
  const variable = await repo.save(repo.create({ projectId: project.id, name: input.name, value: input.value, isMasked: input.isMasked ?? false }));
  await recordAudit(db, {
    workspaceId: project.workspaceId,
    actorId: actor.id,
    action: 'variable.created',
    details: { projectId: project.id, variableId: variable.id, name: variable.name, isMasked: variable.isMasked },
  });
  return variable;
}

/**
 * Changes a variable. Unmasking a masked variable needs a new value in the same change, so a
 * masked value can never be revealed by switching the mask off.
 */
export async function updateVariable(
  db: EntityManager,
  actor: Account,
  input: { id: string; name?: string | null; value?: string | null; isMasked?: boolean | null },
): Promise<Variable> {
  const repo = db.getRepository(Variable);
  const variable = await repo.findOne({ where: { id: input.id }, lock: { mode: 'pessimistic_write' } });
  if (!variable) throw notFound('The variable');
  const project = await lockProject(db, variable.projectId, 'pessimistic_read');
  if (variable.isMasked && input.isMasked === false && input.value == null) {
    throw invalid('isMasked', 'To unmask a masked variable, give it a new value in the same change.');
  }
  const changed: string[] = [];
  if (input.name != null && input.name !== variable.name) {
    changed.push('name');
    variable.name = input.name;
  }
  if (input.value != null && input.value !== variable.value) {
    changed.push('value');
    variable.value = input.value;
  }
  if (input.isMasked != null && input.isMasked !== variable.isMasked) {
    changed.push('isMasked');
    variable.isMasked = input.isMasked;
  }
  if (!changed.length) return variable;
  const saved = await repo.save(variable);
  await recordAudit(db, {
    workspaceId: project.workspaceId,
    actorId: actor.id,
    action: 'variable.updated',
    details: { projectId: project.id, variableId: variable.id, name: variable.name, isMasked: variable.isMasked, changed },
  });
  return saved;
}

/** Deletes a variable for good. */
export async function removeVariable(db: EntityManager, actor: Account, id: string): Promise<void> {
  const repo = db.getRepository(Variable);
  const variable = await repo.findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
  if (!variable) throw notFound('The variable');
  const project = await lockProject(db, variable.projectId, 'pessimistic_read');
  await repo.delete({ id });
  await recordAudit(db, {
    workspaceId: project.workspaceId,
    actorId: actor.id,
    action: 'variable.removed',
    details: { projectId: project.id, variableId: variable.id, name: variable.name },
  });
}
