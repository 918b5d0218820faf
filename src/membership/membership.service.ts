import { GraphQLError } from 'graphql';
import { In, type EntityManager } from 'typeorm';
import { recordAudit } from '../audit/audit.service';
import { PersonStatus, ROLE_RANK, SortDirection, WorkspaceRole } from '../common/enums';
import { isUuid } from '../common/ids';
import { LazyConnection, LazyEdge, type Connection } from '../common/page';
import { decodeCursor, encodeCursor, pageSize } from '../common/pagination';
import { forbidden, invalid, notFound } from '../errors';
import { WORKSPACE_PERMISSIONS, type WorkspaceAction } from '../auth/permissions';
import { Account } from '../account/account.entity';
import { Invitation } from '../invitation/invitation.entity';
import { revokeInvitationsSentBy } from '../invitation/invitation.service';
import { Project } from '../project/project.entity';
import { Workspace } from '../workspace/workspace.entity';
import { lockLiveWorkspace } from '../workspace/workspace.service';
import { Membership } from './membership.entity';
import { attachAccount } from './membership.loaders';
import type { ColumnPlan } from '../common/selection';
import { columnsLess, hydrate, PUBLIC_ACCOUNT_COLUMNS, selectColumns } from '../db/rows';
import { PeopleOrderField, type PeopleFilter, type PeopleOrder } from './membership.types';
import { queryRows } from '../db/query';

/** Who is making a membership change. */
export interface Actor {
  id: string;
  isSuperuser: boolean;
}

// ------------------------------------------------------------------ locking and re-checks

/** Whether the actor still holds `action` in the workspace, re-read under the lock (the shield decided before it). */
async function stillMay(db: EntityManager, actor: Actor, workspaceId: string, action: WorkspaceAction): Promise<Membership | null> {
  const mine = await db.getRepository(Membership).findOneBy({ workspaceId, accountId: actor.id });
  const allowed = actor.isSuperuser || (mine !== null && (WORKSPACE_PERMISSIONS[action] as readonly string[]).includes(mine.role));
  if (!allowed) throw forbidden();
  return mine;
}

/** The workspace a membership belongs to (a membership never moves), or NOT_FOUND. */
async function workspaceOfMember(db: EntityManager, memberId: string): Promise<string> {
  if (!isUuid(memberId)) throw notFound('The member');
  const rows: { workspace_id: string }[] = await db.query('SELECT workspace_id FROM membership WHERE id = $1', [memberId]);
  if (!rows.length) throw notFound('The member');
  return rows[0].workspace_id;
}

async function ownerOf(db: EntityManager, workspaceId: string): Promise<Membership> {
  return db.getRepository(Membership).findOneByOrFail({ workspaceId, role: WorkspaceRole.OWNER });
}

// ------------------------------------------------------------------ project hand-over

/**
 * Hands every project `fromAccountId` owns in the workspace to the workspace owner (SPEC.md §4),
 * removed ones too so that nothing stays owned by a non-member; returns the live ones.
 */
async function handOverProjects(db: EntityManager, workspaceId: string, fromAccountId: string, toAccountId: string): Promise<Project[]> {
  const moved: { id: string; live: boolean }[] = await db.query(
    `WITH moved AS (
       UPDATE project SET owner_id = $3, modified_at = now()
        WHERE workspace_id = $1 AND owner_id = $2
        RETURNING id, removed_at IS NULL AS live
     ) SELECT id, live FROM moved`,
    [workspaceId, fromAccountId, toAccountId],
  );
  const live = moved.filter((p) => p.live).map((p) => p.id);
  if (!live.length) return [];
  return db.getRepository(Project).find({ where: { id: In(live) }, order: { name: 'ASC', id: 'ASC' } });
}

// ------------------------------------------------------------------ mutations

/**
 * Changes a member's role (SPEC.md §4). Not your own (CANNOT_CHANGE_OWN_ROLE), not the owner's
 * (CANNOT_CHANGE_OWNER_ROLE), never to OWNER (USE_TRANSFER_OWNERSHIP). Admins and the owner may set
 * any role up to ADMIN — including promoting a member to admin or demoting another admin — since
 * admins hold every permission but ownership. A demotion revokes the member's pending invitations
 * above their new invite ceiling, in the same transaction.
 */
export async function changeMemberRole(db: EntityManager, actor: Actor, input: { memberId: string; role: WorkspaceRole }): Promise<Membership> {
  const workspaceId = await workspaceOfMember(db, input.memberId);
  await lockLiveWorkspace(db, workspaceId);
  const repo = db.getRepository(Membership);
  const target = await repo.findOneBy({ id: input.memberId });
  if (!target) throw notFound('The member');
  await stillMay(db, actor, workspaceId, 'workspace.member.role.change');
  if (target.accountId === actor.id) throw forbidden('You cannot change your own role; ask another admin or the owner.', 'CANNOT_CHANGE_OWN_ROLE');
  if (target.role === WorkspaceRole.OWNER) throw forbidden("The owner's role cannot be changed; the owner can transfer ownership.", 'CANNOT_CHANGE_OWNER_ROLE');
  if (input.role === WorkspaceRole.OWNER) throw forbidden('Use transferOwnership to make someone the owner.', 'USE_TRANSFER_OWNERSHIP');
  if (target.role === input.role) return target;
  await repo.update(target.id, { role: input.role });
  // A demotion also lowers what the member's pending invitations may grant.
  const revoked = ROLE_RANK[input.role] < ROLE_RANK[target.role]
    ? await revokeInvitationsSentBy(db, { workspaceId, inviterId: target.accountId, actorId: actor.id, reason: 'inviter_demoted', newRole: input.role })
    : [];
  await recordAudit(db, {
    workspaceId,
    actorId: actor.id,
    action: 'member.role_changed',
    details: { memberId: target.id, accountId: target.accountId, from: target.role, to: input.role, revokedInvitationIds: revoked.map((i) => i.id) },
  });
  return repo.findOneByOrFail({ id: target.id });
}

/**
 * Removes a member (SPEC.md §4): not yourself (CANNOT_REMOVE_SELF, use leaveWorkspace), not the
 * owner (CANNOT_REMOVE_OWNER). Their projects pass to the owner and the pending invitations they
 * sent in this workspace are revoked, in the same transaction.
 */
export async function removeMember(db: EntityManager, actor: Actor, memberId: string): Promise<{ removedMemberId: string; reassignedProjects: Project[] }> {
  const workspaceId = await workspaceOfMember(db, memberId);
  await lockLiveWorkspace(db, workspaceId);
  const repo = db.getRepository(Membership);
  const target = await repo.findOneBy({ id: memberId });
  if (!target) throw notFound('The member');
  await stillMay(db, actor, workspaceId, 'workspace.member.remove');
  if (target.accountId === actor.id) throw forbidden('You cannot remove yourself; leave the workspace instead.', 'CANNOT_REMOVE_SELF');
  if (target.role === WorkspaceRole.OWNER) throw forbidden('The owner cannot be removed.', 'CANNOT_REMOVE_OWNER');
  const owner = await ownerOf(db, workspaceId);
  await repo.delete(target.id);
  const reassignedProjects = await handOverProjects(db, workspaceId, target.accountId, owner.accountId);
  const revoked = await revokeInvitationsSentBy(db, { workspaceId, inviterId: target.accountId, actorId: actor.id, reason: 'inviter_removed' });
  await recordAudit(db, {
    workspaceId,
    actorId: actor.id,
    action: 'member.removed',
    details: {
      memberId: target.id,
      accountId: target.accountId,
      role: target.role,
      reassignedProjectIds: reassignedProjects.map((p) => p.id),
      revokedInvitationIds: revoked.map((i) => i.id),
    },
  });
  return { removedMemberId: target.id, reassignedProjects };
}

/**
 * The caller leaves a workspace (anyone but the owner: OWNER_CANNOT_LEAVE, re-checked under the
 * lock because a concurrent transfer may just have made them owner). Their projects pass to the owner.
 */
export async function leaveWorkspace(db: EntityManager, actor: Actor, workspaceId: string): Promise<{ workspaceId: string; reassignedProjects: Project[] }> {
  await lockLiveWorkspace(db, workspaceId);
  const repo = db.getRepository(Membership);
  const mine = await repo.findOneBy({ workspaceId, accountId: actor.id });
  if (!mine) throw notFound('Your membership of this workspace');
  if (mine.role === WorkspaceRole.OWNER) {
    throw forbidden('The owner cannot leave the workspace; transfer ownership first.', 'OWNER_CANNOT_LEAVE');
  }
  const owner = await ownerOf(db, workspaceId);
  await repo.delete(mine.id);
  const reassignedProjects = await handOverProjects(db, workspaceId, actor.id, owner.accountId);
  await recordAudit(db, {
    workspaceId,
    actorId: actor.id,
    action: 'member.left',
    details: { memberId: mine.id, accountId: actor.id, role: mine.role, reassignedProjectIds: reassignedProjects.map((p) => p.id) },
  });
  return { workspaceId, reassignedProjects };
}

/**
 * Makes another active member the owner; the old owner becomes an admin (SPEC.md §1). The
 * demotion runs before the promotion because the one-owner index is checked per statement.
 */
export async function transferOwnership(db: EntityManager, actor: Actor, input: { workspaceId: string; memberId: string }): Promise<Workspace> {
  await lockLiveWorkspace(db, input.workspaceId);
  await stillMay(db, actor, input.workspaceId, 'workspace.ownership.transfer');
  const repo = db.getRepository(Membership);
  const target = isUuid(input.memberId) ? await repo.findOneBy({ id: input.memberId, workspaceId: input.workspaceId }) : null;
  if (!target) {
    throw new GraphQLError('The member was not found among the active members of this workspace.', {
      extensions: { code: 'NOT_FOUND', reason: 'TARGET_NOT_MEMBER' },
    });
  }
  const owner = await ownerOf(db, input.workspaceId);
  if (target.id === owner.id) throw invalid('memberId', 'This member already owns the workspace.');
  await repo.update(owner.id, { role: WorkspaceRole.ADMIN });
  await repo.update(target.id, { role: WorkspaceRole.OWNER });
  await recordAudit(db, {
    workspaceId: input.workspaceId,
    actorId: actor.id,
    action: 'workspace.ownership_transferred',
    details: {
      fromMemberId: owner.id,
      fromAccountId: owner.accountId,
      toMemberId: target.id,
      toAccountId: target.accountId,
      previousRole: target.role,
    },
  });
  return db.getRepository(Workspace).findOneByOrFail({ id: input.workspaceId });
}

/**
 * Changes the caller's own workspace profile. Giving a profile field without `useAccountProfile`
 * switches the workspace profile on, since that is what the person is asking to see.
 */
export async function updateMyMembership(
  db: EntityManager,
  actor: Actor,
  input: { workspaceId: string; name?: string | null; jobTitle?: string | null; avatarUrl?: string | null; useAccountProfile?: boolean | null },
): Promise<Membership> {
  await lockLiveWorkspace(db, input.workspaceId);
  const repo = db.getRepository(Membership);
  const mine = await repo.findOneBy({ workspaceId: input.workspaceId, accountId: actor.id });
  if (!mine) throw notFound('Your membership of this workspace');
  const next: Partial<Membership> = {};
  if (input.name !== undefined) next.profileName = input.name?.trim() || null;
  if (input.jobTitle !== undefined) next.profileJobTitle = input.jobTitle?.trim() || null;
  if (input.avatarUrl !== undefined) next.profileAvatarUrl = input.avatarUrl?.trim() || null;
  if (input.useAccountProfile !== undefined && input.useAccountProfile !== null) next.useAccountProfile = input.useAccountProfile;
  else if (Object.keys(next).length) next.useAccountProfile = false;
  const changed = (Object.keys(next) as (keyof Membership)[]).filter((k) => next[k] !== mine[k]);
  if (!changed.length) return mine;
  await repo.update(mine.id, Object.fromEntries(changed.map((k) => [k, next[k]])));
  await recordAudit(db, {
    workspaceId: input.workspaceId,
    actorId: actor.id,
    action: 'member.profile_updated',
    details: { memberId: mine.id, fields: changed },
  });
  return repo.findOneByOrFail({ id: mine.id });
}

// ------------------------------------------------------------------ lists

/** A keyset column of the people list: the SQL expression over `keyed` and how to check a cursor value for it. */
interface PeopleKey {
  expr: string;
  cast: 'text' | 'int' | 'timestamptz';
}

const PEOPLE_KEYS: Record<PeopleOrderField, PeopleKey> = {
  NAME: { expr: 'sort_name', cast: 'text' },
  EMAIL: { expr: 'sort_email', cast: 'text' },
  ROLE: { expr: 'role_rank', cast: 'int' },
  STATUS: { expr: 'status_rank', cast: 'int' },
  CREATED_AT: { expr: 'created_at', cast: 'timestamptz' },
};

/**
 * Members and (when `includeInvitations`) pending and expired invitations of one workspace as one
 * list, so filters, order and pagination apply across both. Members sort and match by the name
 * Member.name shows; invitations by their address only, so neither the order nor a search reveals
 * whether an invited address has an account (Invitation.name shows it only to those who may know).
 *
 * `memberColumns` are the membership and account columns each member carries through the sort
 * (`"m"."x" AS "m__x"`, …; none for the count), `aliases` their names, which invitations fill
 * with NULL; an invitation carries its whole row (`i_row`), a member a NULL one. Plain columns
 * rather than whole-row values for members: PostgreSQL builds a whole-row value from every column
 * of the row and takes it apart again field by field. An invitation reaches the client as
 * row_to_json of its row (one column instead of one per invitation column on every member's row;
 * json_build_object of the columns cost PostgreSQL a type look-up per argument and row).
 */
function peopleCte(memberColumns: string, aliases: readonly string[]): string {
  const carried = (select: string) => (aliases.length ? `${select},` : '');
  return `
  WITH people AS (
    SELECT m.id, 'member'::text AS kind,
           CASE WHEN m.use_account_profile OR m.profile_name IS NULL THEN a.name ELSE m.profile_name END AS name,
           a.email::text AS email, m.role::text AS role, 'ACTIVE'::text AS status, m.created_at,
           ${carried(memberColumns)} NULL::invitation AS i_row
      FROM membership m JOIN account a ON a.id = m.account_id
     WHERE m.workspace_id = $1
    UNION ALL
    SELECT i.id, 'invitation'::text, NULL::text, i.email::text, i.role::text,
           CASE WHEN i.expires_at <= now() THEN 'EXPIRED' ELSE 'INVITED' END, i.created_at,
           ${carried(aliases.map(() => 'NULL').join(', '))} i
      FROM invitation i
     WHERE i.workspace_id = $1 AND i.stored_state = 'PENDING' AND $2::boolean
  ), keyed AS (
    SELECT p.*,
           lower(coalesce(p.name, p.email)) AS sort_name,
           lower(p.email) AS sort_email,
           CASE p.role WHEN 'VIEWER' THEN 1 WHEN 'MEMBER' THEN 2 WHEN 'ADMIN' THEN 3 ELSE 4 END AS role_rank,
           CASE p.status WHEN 'ACTIVE' THEN 1 WHEN 'INVITED' THEN 2 ELSE 3 END AS status_rank
      FROM people p
  )`;
}

/** The count statement's list: no columns carried. */
const PEOPLE_COUNT_CTE = peopleCte('', []);

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => '\\' + c);

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function checkCursorValue(key: PeopleKey, value: unknown): void {
  // Only values this list itself could have written: small ranks, ISO timestamps, text without NUL.
  const ok =
    key.cast === 'int' ? Number.isInteger(value) && Math.abs(value as number) < 100 :
    key.cast === 'timestamptz' ? typeof value === 'string' && ISO_TIMESTAMP.test(value) && !Number.isNaN(Date.parse(value)) :
    typeof value === 'string' && !value.includes('\u0000');
  if (!ok) throw invalid('after', 'after is not a cursor of this list.');
}

/** What the people page read along the way, for the request's loaders (see WorkspacePeopleResolver.people). */
export interface PeoplePage {
  page: Connection<Membership | Invitation>;
  /**
   * The members' accounts (each also attached to its member, see attachAccount); `complete` when
   * read with every public column, so other fields may share them.
   */
  accounts: { account: Account; complete: boolean }[];
  /** For each listed invitation: the account registered with its address, if any, and whether it shares a live workspace with the viewer. */
  invitees: { emailNormalized: string; account: { id: string; name: string } | null; sharesWorkspace: boolean }[];
}

/**
 * One page of a workspace's people (SPEC.md §4), by keyset over (sort key, id) — stable under
 * inserts and never OFFSET — in one statement that also returns every column the Person fields
 * read (the membership, its account; the invitation and the account of its address); the total
 * count of the filtered list is a second statement run only when totalCount is read.
 */
export async function listPeople(
  db: EntityManager,
  workspaceId: string,
  args: {
    first?: number | null; after?: string | null; filter?: PeopleFilter | null; orderBy?: PeopleOrder | null; includeInvitations: boolean;
    /** The caller, for PeoplePage.invitees' sharesWorkspace. */
    viewerId?: string | null;
    /** The membership and account columns to read (default: all of them, and the accounts' public ones). */
    columns?: ColumnPlan<'membership' | 'account'>;
  },
): Promise<PeoplePage> {
  const first = pageSize(args.first);
  const key = PEOPLE_KEYS[args.orderBy?.field ?? PeopleOrderField.NAME];
  const desc = (args.orderBy?.direction ?? SortDirection.ASC) === SortDirection.DESC;
  const params: unknown[] = [workspaceId, args.includeInvitations];
  const where: string[] = [];
  const filter = args.filter;
  if (filter?.roles?.length) {
    params.push(filter.roles);
    where.push(`role = ANY($${params.length}::text[])`);
  }
  if (filter?.statuses?.length) {
    params.push(filter.statuses);
    where.push(`status = ANY($${params.length}::text[])`);
  }
  const search = filter?.search?.trim();
  if (search) {
    params.push(`%${likeEscape(search)}%`);
    where.push(`(name ILIKE $${params.length} ESCAPE '\\' OR email ILIKE $${params.length} ESCAPE '\\')`);
  }
  const countWhere = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const countParams = [...params];

  if (args.after) {
    const [value, id] = decodeCursor(args.after, 2);
    checkCursorValue(key, value);
    if (!isUuid(id)) throw invalid('after', 'after is not a cursor of this list.');
    params.push(value, id);
    const v = `$${params.length - 1}::${key.cast}`;
    const i = `$${params.length}::uuid`;
    const op = desc ? '<' : '>';
    where.push(`(${key.expr} ${op} ${v} OR (${key.expr} = ${v} AND id ${op} ${i}))`);
  }
  const dir = desc ? 'DESC' : 'ASC';
  const accountColumns = args.columns?.account ?? PUBLIC_ACCOUNT_COLUMNS;
  const complete = accountColumns === PUBLIC_ACCOUNT_COLUMNS;
  params.push(first + 1);
  const limit = `$${params.length}`;
  params.push(args.viewerId ?? null);
  const viewer = `$${params.length}::uuid`;
  // Each person's columns travel with it through the sort, so the page needs no second look-up of
  // its members, accounts and invitations by id.
  // Not read: a member's id (the person's), its workspace (this one) and its account's id (its account_id).
  const membershipRead = columnsLess(db, Membership, args.columns?.membership, ['id', 'workspace_id']);
  const accountRead = columnsLess(db, Account, accountColumns, ['id']);
  const memberColumns = [selectColumns(db, Membership, 'm', 'm__', membershipRead), selectColumns(db, Account, 'a', 'a__', accountRead)].filter(Boolean).join(', ');
  const aliases = [...membershipRead.map((c) => `"m__${c}"`), ...accountRead.map((c) => `"a__${c}"`)];
  const pageSql = `${peopleCte(memberColumns, aliases)}, page AS (
      SELECT id, kind, ${key.expr} AS sort_value, ${aliases.join(', ')}, i_row FROM keyed
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY ${key.expr} ${dir}, id ${dir}
      LIMIT ${limit}
    )
    SELECT pg.id AS "__id", pg.kind AS "__kind", pg.sort_value AS "__sort", ${aliases.map((a) => `pg.${a}`).join(', ')},
           CASE WHEN pg.kind = 'invitation' THEN row_to_json(pg.i_row) END AS "invitation",
           ia.id AS "ia__id", ia.name AS "ia__name",
           ia.id IS NOT NULL AND EXISTS (
             SELECT 1 FROM membership mine
               JOIN membership other ON other.workspace_id = mine.workspace_id
               JOIN workspace w ON w.id = mine.workspace_id AND w.removed_at IS NULL
              WHERE mine.account_id = ${viewer} AND other.account_id = ia.id) AS "ia__shared"
      FROM page pg
      LEFT JOIN account ia ON pg.kind = 'invitation' AND ia.email = (pg.i_row).email_normalized
     ORDER BY pg.sort_value ${dir}, pg.id ${dir}`;
  const countSql = `${PEOPLE_COUNT_CTE} SELECT count(*)::int AS n FROM keyed ${countWhere}`;

  const rows: Record<string, unknown>[] = first === 0 ? [] : await queryRows(db, pageSql, params);
  const accounts: PeoplePage['accounts'] = [];
  const invitees: PeoplePage['invitees'] = [];
  const edges: LazyEdge<Membership | Invitation>[] = [];
  for (const row of rows.slice(0, first)) {
    let node: Membership | Invitation;
    if (row.__kind === 'member') {
      if (row.m__account_id === null) continue; // gone between the CTE and the join (cannot happen in one statement, but never a half node)
      const member = hydrate(db, Membership, row, 'm__');
      member.id = row.__id as string;
      member.workspaceId = workspaceId;
      const account = hydrate(db, Account, row, 'a__');
      account.id = member.accountId;
      node = member;
      attachAccount(node, account);
      accounts.push({ account, complete });
    } else {
      if (row.invitation === null) continue;
      const invitation = hydrate(db, Invitation, row.invitation as Record<string, unknown>);
      node = invitation;
      invitees.push({
        emailNormalized: invitation.emailNormalized,
        account: row.ia__id ? { id: row.ia__id as string, name: row.ia__name as string } : null,
        sharesWorkspace: row.ia__shared === true,
      });
    }
    const sort = row.__sort;
    edges.push(new LazyEdge(node, () => encodeCursor([sort instanceof Date ? sort.toISOString() : sort, row.__id])));
  }
  const page = new LazyConnection<Membership | Invitation>(
    edges,
    rows.length > first,
    async () => ((await db.query(countSql, countParams)) as { n: number }[])[0].n,
  );
  return { page, accounts, invitees };
}

/** Status of an invitation as the people list shows it (see Invitation.status). */
export function invitationStatus(invitation: Invitation): PersonStatus {
  switch (invitation.state) {
    case 'PENDING':
      return PersonStatus.INVITED;
    case 'ACCEPTED':
      return PersonStatus.ACTIVE;
    default:
      return PersonStatus.EXPIRED;
  }
}
