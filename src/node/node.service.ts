import type { GraphQLError } from 'graphql';
import { Account } from '../account/account.entity';
import { canSeeEmail } from '../account/account.resolver';
import { AuditEvent } from '../audit/audit-event.entity';
import { authorize, canInProject, primeParent, projectAccess } from '../auth/access';
import { OPERATIONS, type Operation, type ProjectAction } from '../auth/permissions';
import { Token, TokenKind } from '../auth/token.entity';
import { CodeVersion } from '../code/code-version.entity';
import { codeVersionById } from '../code/code.loaders';
import { InvitationState } from '../common/enums';
import { isUuid } from '../common/ids';
import type { Context } from '../context';
import { jsonColumns, hydrate, PUBLIC_ACCOUNT_COLUMNS } from '../db/rows';
import { queryRows } from '../db/query';
import { invalid, notFound } from '../errors';
import { Invitation } from '../invitation/invitation.entity';
import { Job } from '../job/job.entity';
import { jobById } from '../job/job.loaders';
import { Membership } from '../membership/membership.entity';
import { accountById, usePreloadedMemberships, viewerMembership } from '../membership/membership.loaders';
import { Project } from '../project/project.entity';
import { anyProjectById, projectById } from '../project/project.loaders';
import { Run } from '../run/run.entity';
import { Variable } from '../variable/variable.entity';
import { Workspace } from '../workspace/workspace.entity';
import { anyWorkspaceById, workspaceById } from '../workspace/workspace.loaders';

/** At most this many ids per `nodes` call (docs/RULES.md §8). */
export const MAX_NODE_IDS = 100;

type Entity = Workspace | Project | Membership | Invitation | AuditEvent | Variable | Job | Run | CodeVersion | Account | Token;

/**
 * Every table behind a Node type: where its rows are, which of them are Nodes (access tokens, not
 * sessions) and which columns the look-up reads (never a secret: no password or token hash).
 */
const KINDS = [
  { kind: 'workspace', entity: Workspace, table: 'workspace' },
  { kind: 'project', entity: Project, table: 'project' },
  { kind: 'member', entity: Membership, table: 'membership' },
  { kind: 'invitation', entity: Invitation, table: 'invitation', secret: ['token_hash'] },
  { kind: 'auditEvent', entity: AuditEvent, table: 'audit_event' },
  { kind: 'variable', entity: Variable, table: 'variable' },
  { kind: 'job', entity: Job, table: 'job' },
  { kind: 'run', entity: Run, table: 'run' },
  { kind: 'codeVersion', entity: CodeVersion, table: 'code_version' },
  { kind: 'user', entity: Account, table: 'account', only: PUBLIC_ACCOUNT_COLUMNS },
  { kind: 'accessToken', entity: Token, table: 'token', where: `t.kind = '${TokenKind.ACCESS}'`, secret: ['token_hash'] },
] as const satisfies readonly { kind: string; entity: new () => Entity; table: string; where?: string; only?: readonly string[]; secret?: readonly string[] }[];

type Kind = (typeof KINDS)[number]['kind'];
interface Found {
  kind: Kind;
  entity: Entity;
}

/** The statement that finds which table each id is in, and its row, written once per process. */
let lookupSql: string | undefined;
function lookupStatement(ctx: Context): string {
  return (lookupSql ??= KINDS.map((k) => {
    const all = ctx.db.getMetadata(k.entity).columns.map((c) => c.databaseName);
    const only = 'only' in k ? k.only : 'secret' in k ? all.filter((c) => !(k.secret as readonly string[]).includes(c)) : undefined;
    const where = 'where' in k ? ` AND ${k.where}` : '';
    return `SELECT '${k.kind}' AS kind, ${jsonColumns(ctx.db, k.entity, 't', only)} AS row FROM "${k.table}" t WHERE t.id = ANY($1::uuid[])${where}`;
  }).join('\nUNION ALL '));
}

/**
 * One statement for any mix of ids: a UNION ALL over the Node tables, each branch an index look-up
 * by primary key, that answers each row whole (as JSON, hydrated into the entity TypeORM would
 * build). The per-type loaders are primed with what it read, so the access checks that follow
 * (authorize, the same the typed queries run) read nothing twice.
 */
async function lookUp(ctx: Context, ids: string[]): Promise<Map<string, Found>> {
  const valid = [...new Set(ids.filter(isUuid))];
  const found = new Map<string, Found>();
  if (!valid.length) return found;
  const rows = await queryRows<{ kind: Kind; row: Record<string, unknown> }>(ctx.db, lookupStatement(ctx), [valid]);
  for (const { kind, row } of rows) {
    const spec = KINDS.find((k) => k.kind === kind)!;
    const entity = hydrate(ctx.db, spec.entity as new () => Entity, row);
    // UUIDs do not repeat across tables in practice; should one ever, the first table listed wins.
    if (!found.has(entity.id)) found.set(entity.id, { kind, entity });
  }
  for (const { kind, entity } of found.values()) prime(ctx, kind, entity);
  return found;
}

function prime(ctx: Context, kind: Kind, entity: Entity): void {
  switch (kind) {
    case 'workspace': {
      const w = entity as Workspace;
      anyWorkspaceById(ctx).prime(w.id, w);
      workspaceById(ctx).prime(w.id, w.removedAt ? null : w);
      return;
    }
    case 'project': {
      const p = entity as Project;
      anyProjectById(ctx).prime(p.id, p);
      projectById(ctx).prime(p.id, p.removedAt ? null : p);
      return;
    }
    case 'member':
      return primeParent(ctx, 'member', entity.id, (entity as Membership).workspaceId);
    case 'invitation':
      return primeParent(ctx, 'invitation', entity.id, (entity as Invitation).workspaceId);
    case 'variable':
      return primeParent(ctx, 'variable', entity.id, (entity as Variable).projectId);
    case 'job':
      jobById(ctx).prime(entity.id, entity as Job);
      return primeParent(ctx, 'job', entity.id, (entity as Job).projectId);
    case 'run':
      return primeParent(ctx, 'run', entity.id, (entity as Run).projectId);
    case 'codeVersion':
      return void codeVersionById(ctx).prime(entity.id, entity as CodeVersion);
    case 'user':
      return void accountById(ctx).prime(entity.id, entity as Account);
    case 'accessToken':
      return primeParent(ctx, 'accessToken', entity.id, (entity as Token).accountId);
  }
}

/**
 * What viewing each kind takes: the check of the operation or list that shows it, run by the same
 * `authorize` the typed queries and mutations go through (the workspace and project ones are
 * Query.workspace's and Query.project's own entries). A project's children are shown by its lists
 * (Project.variables, …), whose field rule is the project's visibility plus the list's action.
 */
const VIEW: Record<Exclude<Kind, 'user' | 'accessToken'>, { op: Operation; id: (e: Entity) => string; list?: ProjectAction }> = {
  workspace: { op: OPERATIONS['Query.workspace'], id: (e) => e.id },
  project: { op: OPERATIONS['Query.project'], id: (e) => e.id },
  // A member is seen where people are listed (Workspace.people), an audit event in the audit log.
  member: { op: { action: 'workspace.member.profile.view', target: { kind: 'member', arg: 'id' } }, id: (e) => e.id },
  invitation: { op: { action: 'workspace.invitation.view', target: { kind: 'invitation', arg: 'id' } }, id: (e) => e.id },
  auditEvent: { op: { action: 'workspace.audit.view', target: { kind: 'workspace', arg: 'id' } }, id: (e) => (e as AuditEvent).workspaceId },
  variable: { op: OPERATIONS['Query.project'], id: (e) => (e as Variable).projectId, list: 'project.variable.view' },
  job: { op: OPERATIONS['Query.project'], id: (e) => (e as Job).projectId, list: 'project.job.view' },
  run: { op: OPERATIONS['Query.project'], id: (e) => (e as Run).projectId, list: 'project.run.view' },
  codeVersion: { op: OPERATIONS['Query.project'], id: (e) => (e as CodeVersion).projectId, list: 'project.code.view' },
};

async function mayView(ctx: Context, { kind, entity }: Found): Promise<boolean> {
  switch (kind) {
    case 'user':
      // Whoever may see the account's address may see the account (User.email's rule): themself,
      // people who share a live workspace with it, platform admins.
      return canSeeEmail(ctx, entity.id);
    case 'accessToken': {
      // Me.accessTokens: one's own tokens that have not been revoked.
      const token = entity as Token;
      return ctx.user?.id === token.accountId && !token.revokedAt;
    }
    case 'invitation':
      if (await isInvitee(ctx, entity as Invitation)) return true;
      break;
  }
  const view = VIEW[kind as keyof typeof VIEW];
  const id = view.id(entity);
  if ((await authorize(ctx, view.op, { id }, 'Query.node')) !== true) return false;
  if (!view.list) return true;
  const access = await projectAccess(ctx, id);
  return access !== null && canInProject(access, view.list);
}

/** Me.pendingInvitations' rule: a pending, unexpired invitation to the caller's verified address in a live workspace. */
async function isInvitee(ctx: Context, invitation: Invitation): Promise<boolean> {
  const me = ctx.user;
  if (!me?.emailVerifiedAt || invitation.emailNormalized !== me.email.trim().toLowerCase()) return false;
  if (invitation.storedState !== InvitationState.PENDING || invitation.expiresAt.getTime() <= Date.now()) return false;
  return (await workspaceById(ctx).load(invitation.workspaceId)) !== null;
}

/**
 * Reads, in two statements whatever the mix, the projects and workspaces the access checks will
 * ask about (children's projects, then every workspace), and the caller's memberships: the checks
 * then answer from the loaders. Without this, checks that reach the workspace loader at different
 * depths (a member directly, a run through its project) would each batch their own statement.
 */
async function warm(ctx: Context, found: Found[]): Promise<void> {
  const projectIds = new Set<string>();
  for (const { kind, entity } of found) {
    if (kind === 'variable' || kind === 'job' || kind === 'run' || kind === 'codeVersion') projectIds.add((entity as Variable).projectId);
  }
  const memberships = ctx.user ? viewerMembership(ctx, '') : undefined;
  const projects = await Promise.all([...projectIds].map((id) => projectById(ctx).load(id)));
  const workspaceIds = new Set<string>();
  for (const { kind, entity } of found) {
    if (kind !== 'project' && kind !== 'workspace' && 'workspaceId' in entity) workspaceIds.add(entity.workspaceId);
    if (kind === 'project') workspaceIds.add((entity as Project).workspaceId);
  }
  for (const project of projects) if (project) workspaceIds.add(project.workspaceId);
  await Promise.all([...[...workspaceIds].map((id) => workspaceById(ctx).load(id)), memberships]);
}

/**
 * The objects of `ids`, in order: each the caller may view, or NOT_FOUND — the same error for an
 * id that exists and one that does not (docs/RULES.md §8). A bounded number of statements for any
 * mix of up to MAX_NODE_IDS ids: the look-up, the projects and workspaces the checks need, and
 * the few per-request reads the checks share (the caller's memberships, User visibility).
 */
export async function nodesByIds(ctx: Context, ids: readonly string[]): Promise<(Entity | GraphQLError)[]> {
  if (ids.length > MAX_NODE_IDS) throw invalid('ids', `ids may list at most ${MAX_NODE_IDS} ids.`);
  usePreloadedMemberships(ctx);
  const found = await lookUp(ctx, [...ids]);
  await warm(ctx, [...found.values()]);
  const visible = new Map<string, boolean>();
  await Promise.all([...found.entries()].map(async ([id, item]) => visible.set(id, await mayView(ctx, item))));
  return ids.map((id) => {
    const item = found.get(id);
    return item && visible.get(id) ? item.entity : notFound('The object');
  });
}
