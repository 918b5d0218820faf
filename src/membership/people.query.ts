import type { EntityManager } from 'typeorm';
import { Account } from '../account/account.entity';
import { PersonStatus, ROLE_RANK, SortDirection, WorkspaceRole } from '../common/enums';
import { isUuid } from '../common/ids';
import { LazyConnection, LazyEdge, type Connection } from '../common/page';
import { decodeCursor, encodeCursor, likeEscape, pageRequest } from '../common/pagination';
import { hydrate, PUBLIC_ACCOUNT_COLUMNS, selectColumns } from '../db/rows';
import { queryRows } from '../db/query';
import { invalid } from '../errors';
import { Invitation } from '../invitation/invitation.entity';
import { Membership } from './membership.entity';
import { PeopleOrderField, type PeopleFilter, type PeopleOrder } from './membership.types';

/**
 * The people page as one read model: members and (for members and above) pending invitations of
 * one workspace, filtered, ordered and paged across both in one statement that returns complete
 * rows — each membership with its account, each invitation with the account registered at its
 * address — so the Person fields need nothing more.
 *
 * Why it stays cheap in a workspace of 100,000 people: every order is a keyset over an index.
 * The statement is a UNION ALL of "branches" — members, invitations, and for the ROLE and STATUS
 * orders one branch per role or status, whose sort value is then a constant — each an index scan
 * in (sort value, id) order that stops after one page; the outer query merges at most a page per
 * branch. Members sort by `sort_name`/`sort_email`, columns the database keeps on the membership
 * (see the PeopleReadModel migration). A search is served by the trigram GIN index over them.
 */

export interface PeopleArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
  filter?: PeopleFilter | null;
  orderBy?: PeopleOrder | null;
  /** Whether the page lists pending invitations (workspace.invitation.view). */
  includeInvitations: boolean;
  /** The caller, and whether they see every address (platform admins): for an invitation's shown name. */
  viewerId: string | null;
  viewerSeesEveryone: boolean;
}

/** What the page read for each invitation: the account at its address, and whether the caller may see it. */
export interface Invitee {
  emailNormalized: string;
  account: { id: string; name: string } | null;
  visible: boolean;
}

export interface PeoplePage {
  page: Connection<Membership | Invitation>;
  /** The members' accounts (each also on its member's `account`), public columns only. */
  accounts: Account[];
  invitees: Invitee[];
}

type Cast = 'text' | 'int' | 'timestamptz';

/**
 * One part of the list in index order. `sort` is the SQL of its sort value (a constant for the
 * per-role and per-status branches), `where` its own conditions.
 */
interface Branch {
  kind: 'member' | 'invitation';
  sort: string;
  where: string[];
  /** The constant sort value, for branches that have one (so a cursor can skip whole branches). */
  rank?: number;
}

const MEMBER = 'member' as const;
const INVITATION = 'invitation' as const;
const INVITED = `i.expires_at > now()`;
const EXPIRED = `i.expires_at <= now()`;
/** STATUS ranks ACTIVE < INVITED < EXPIRED (PeopleOrderField's description). */
const STATUS_RANK: Record<PersonStatus, number> = { [PersonStatus.ACTIVE]: 1, [PersonStatus.INVITED]: 2, [PersonStatus.EXPIRED]: 3 };

function branchesFor(field: PeopleOrderField): { cast: Cast; branches: Branch[] } {
  switch (field) {
    case PeopleOrderField.NAME:
      // An invitation sorts by its address, so the order never tells whether the address has an account.
      return {
        cast: 'text',
        branches: [
          { kind: MEMBER, sort: 'm.sort_name', where: [] },
          { kind: INVITATION, sort: 'i.email_normalized', where: [] },
        ],
      };
    case PeopleOrderField.EMAIL:
      return {
        cast: 'text',
        branches: [
          { kind: MEMBER, sort: 'm.sort_email', where: [] },
          { kind: INVITATION, sort: 'i.email_normalized', where: [] },
        ],
      };
    case PeopleOrderField.CREATED_AT:
      return {
        cast: 'timestamptz',
        branches: [
          { kind: MEMBER, sort: 'm.created_at', where: [] },
          { kind: INVITATION, sort: 'i.created_at', where: [] },
        ],
      };
    case PeopleOrderField.ROLE:
      return {
        cast: 'int',
        // One branch per stored role, its rank the sort value (ROLE_RANK: VIEWER < MEMBER < ADMIN < OWNER).
        branches: Object.values(WorkspaceRole).flatMap((role): Branch[] => [
          { kind: MEMBER, sort: String(ROLE_RANK[role]), rank: ROLE_RANK[role], where: [`m.role = '${role}'`] },
          ...(role === WorkspaceRole.OWNER ? [] : [{ kind: INVITATION, sort: String(ROLE_RANK[role]), rank: ROLE_RANK[role], where: [`i.role = '${role}'`] }]),
        ]),
      };
    case PeopleOrderField.STATUS:
      return {
        cast: 'int',
        branches: [
          { kind: MEMBER, sort: String(STATUS_RANK.ACTIVE), rank: STATUS_RANK.ACTIVE, where: [] },
          { kind: INVITATION, sort: String(STATUS_RANK.INVITED), rank: STATUS_RANK.INVITED, where: [INVITED] },
          { kind: INVITATION, sort: String(STATUS_RANK.EXPIRED), rank: STATUS_RANK.EXPIRED, where: [EXPIRED] },
        ],
      };
  }
}

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** The cursor's (sort value, id), refused unless this list could have written it. */
function readCursor(after: string, cast: Cast, arg: 'after' | 'before'): [string | number, string] {
  const [value, id] = decodeCursor(after, 2, arg);
  const ok =
    cast === 'int'
      ? Number.isInteger(value) && Math.abs(value as number) < 100
      : cast === 'timestamptz'
        ? typeof value === 'string' && ISO_TIMESTAMP.test(value) && !Number.isNaN(Date.parse(value))
        : typeof value === 'string' && !value.includes('\u0000');
  if (!ok || typeof id !== 'string' || !isUuid(id)) throw invalid(arg, `${arg} is not a cursor of this list.`);
  return [value as string | number, id];
}

export async function listPeople(db: EntityManager, workspaceId: string, args: PeopleArgs): Promise<PeoplePage> {
  const { size: first, backward, cursor: after, cursorArg } = pageRequest(args);
  const { cast, branches } = branchesFor(args.orderBy?.field ?? PeopleOrderField.NAME);
  // The direction the statement reads in: the list's, or from its end for a backward page (turned
  // round below), so every index scan serves both.
  const desc = ((args.orderBy?.direction ?? SortDirection.ASC) === SortDirection.DESC) !== backward;
  const dir = desc ? 'DESC' : 'ASC';
  const op = desc ? '<' : '>';
  const { param, bind } = parameters();
  const workspace = param(workspaceId, 'uuid');

  // Filters, per kind of row.
  const filter = args.filter;
  const memberWhere: string[] = [];
  const invitationWhere: string[] = [];
  let members = true;
  let invitations = args.includeInvitations;
  if (filter?.roles?.length) {
    const roles = param(filter.roles, 'text[]');
    memberWhere.push(`m.role = ANY(${roles})`);
    invitationWhere.push(`i.role = ANY(${roles})`);
  }
  if (filter?.statuses?.length) {
    const statuses = new Set(filter.statuses);
    members = statuses.has(PersonStatus.ACTIVE);
    if (!statuses.has(PersonStatus.INVITED) && !statuses.has(PersonStatus.EXPIRED)) invitations = false;
    else if (!statuses.has(PersonStatus.INVITED)) invitationWhere.push(EXPIRED);
    else if (!statuses.has(PersonStatus.EXPIRED)) invitationWhere.push(INVITED);
  }
  const search = filter?.search?.trim().toLowerCase();
  if (search) {
    const pattern = param(`%${likeEscape(search)}%`, 'text');
    memberWhere.push(`(m.sort_name LIKE ${pattern} OR m.sort_email LIKE ${pattern})`);
    // An invitation also matches by the name it shows, where the caller may see it (Invitation.name).
    const viewer = param(args.viewerId, 'uuid');
    const everyone = param(args.viewerSeesEveryone, 'boolean');
    invitationWhere.push(`(i.email_normalized LIKE ${pattern} OR EXISTS (
        SELECT 1 FROM account ia WHERE ia.email = i.email_normalized AND lower(ia.name) LIKE ${pattern}
           AND (${everyone} OR ia.id = ${viewer} OR ${sharesWorkspace('ia.id', viewer)})))`);
  }
  const live = branches.filter((b) => (b.kind === MEMBER ? members : invitations));
  const tableOf = (b: Branch) =>
    b.kind === MEMBER
      ? { from: 'membership m', alias: 'm', where: [`m.workspace_id = ${workspace}`, ...memberWhere] }
      : { from: 'invitation i', alias: 'i', where: [`i.workspace_id = ${workspace}`, `i.stored_state = 'PENDING'`, ...invitationWhere] };
  const countSql = live.length
    ? live.map((b) => `(SELECT count(*) FROM ${tableOf(b).from} WHERE ${[...tableOf(b).where, ...b.where].join(' AND ')})`).join(' + ')
    : '0';

  let cursor: [string | number, string] | null = null;
  if (after) cursor = readCursor(after, cast, cursorArg);
  const cursorValue = cursor && param(cursor[0], cast);
  const cursorId = cursor && param(cursor[1], 'uuid');
  const limit = param(first + 1, 'int');
  const parts: string[] = [];
  for (const b of live) {
    const t = tableOf(b);
    const where = [...t.where, ...b.where];
    if (cursor) {
      if (b.rank !== undefined) {
        // A branch of one sort value: before the cursor's it is skipped, at it continues after the id.
        const rank = cursor[0] as number;
        if (desc ? b.rank > rank : b.rank < rank) continue;
        if (b.rank === rank) where.push(`${t.alias}.id ${op} ${cursorId}`);
      } else {
        where.push(`(${b.sort}, ${t.alias}.id) ${op} (${cursorValue}, ${cursorId})`);
      }
    }
    const order = b.rank !== undefined ? `${t.alias}.id ${dir}` : `${b.sort} ${dir}, ${t.alias}.id ${dir}`;
    parts.push(`(SELECT ${t.alias}.id, '${b.kind}'::text AS kind, ${b.sort}::${cast} AS sort_value FROM ${t.from}
       WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ${limit})`);
  }
  if (first === 0 || parts.length === 0) {
    return { page: new LazyConnection([], false, () => count(db, bind(countSql), !search)), accounts: [], invitees: [] };
  }

  const viewer = param(args.viewerId, 'uuid');
  const everyone = param(args.viewerSeesEveryone, 'boolean');
  const sql = `WITH page AS (
      SELECT * FROM (${parts.join('\n      UNION ALL ')}) branch
      ORDER BY sort_value ${dir}, id ${dir} LIMIT ${limit}
    )
    SELECT p.id AS "__id", p.kind AS "__kind", p.sort_value AS "__sort",
           ${selectColumns(db, Membership, 'm', 'm__')}, ${selectColumns(db, Account, 'a', 'a__', PUBLIC_ACCOUNT_COLUMNS)},
           ${selectColumns(db, Invitation, 'i', 'i__')},
           ia.id AS "ia__id", ia.name AS "ia__name",
           ia.id IS NOT NULL AND (${everyone} OR ia.id = ${viewer} OR ${sharesWorkspace('ia.id', viewer)}) AS "ia__visible"
      FROM page p
      LEFT JOIN membership m ON p.kind = 'member' AND m.id = p.id
      LEFT JOIN account a ON a.id = m.account_id
      LEFT JOIN invitation i ON p.kind = 'invitation' AND i.id = p.id
      LEFT JOIN account ia ON ia.email = i.email_normalized
     ORDER BY p.sort_value ${dir}, p.id ${dir}`;
  const statement = bind(sql);
  // A search is planned for its pattern each time: a rare name is found through the trigram index, a
  // common one by walking the name order; a generic plan chose the walk for both and took 150 ms for
  // a rare name among 100,000 members (W6).
  const rows = await queryRows(db, statement.text, statement.values, { prepare: !search });

  const accounts: Account[] = [];
  const invitees: Invitee[] = [];
  const edges: LazyEdge<Membership | Invitation>[] = [];
  const pageRows = rows.slice(0, first);
  if (backward) pageRows.reverse();
  for (const row of pageRows) {
    let node: Membership | Invitation;
    if (row.__kind === MEMBER) {
      const member = hydrate(db, Membership, row, 'm__');
      member.account = hydrate(db, Account, row, 'a__');
      accounts.push(member.account);
      node = member;
    } else {
      const invitation = hydrate(db, Invitation, row, 'i__');
      invitees.push({
        emailNormalized: invitation.emailNormalized,
        account: row.ia__id ? { id: row.ia__id as string, name: row.ia__name as string } : null,
        visible: row.ia__visible === true,
      });
      node = invitation;
    }
    const sort = row.__sort;
    edges.push(new LazyEdge(node, () => encodeCursor([sort instanceof Date ? sort.toISOString() : sort, row.__id])));
  }
  const more = rows.length > first;
  return { page: new LazyConnection(edges, !backward && more, () => count(db, bind(countSql), !search), backward && more), accounts, invitees };
}

/** Whether `account` shares a live workspace with `viewer` (who may then see its name and address). */
const sharesWorkspace = (account: string, viewer: string) => `EXISTS (
  SELECT 1 FROM membership mine
    JOIN membership other ON other.workspace_id = mine.workspace_id
    JOIN workspace w ON w.id = mine.workspace_id AND w.removed_at IS NULL
   WHERE mine.account_id = ${viewer} AND other.account_id = ${account})`;

async function count(db: EntityManager, statement: { text: string; values: unknown[] }, prepare: boolean): Promise<number> {
  const [row] = await queryRows(db, `SELECT (${statement.text})::int AS n`, statement.values, { prepare });
  return row.n as number;
}

/**
 * Query parameters for statements assembled from parts: `param` gives a placeholder, `bind`
 * numbers the placeholders a text uses ($1, $2, … in order of first use) and lists their values,
 * so a part left out (a branch the cursor skips, a filter on a kind not listed) leaves no
 * parameter PostgreSQL cannot type.
 */
function parameters() {
  const values: unknown[] = [];
  const param = (value: unknown, type: string) => `\u0000${values.push(value) - 1}\u0000::${type}`;
  const bind = (text: string) => {
    const numbers = new Map<number, number>();
    const used: unknown[] = [];
    const out = text.replace(/\u0000(\d+)\u0000/g, (_, index: string) => {
      const i = Number(index);
      let n = numbers.get(i);
      if (n === undefined) numbers.set(i, (n = used.push(values[i])));
      return `$${n}`;
    });
    return { text: out, values: used };
  };
  return { param, bind };
}
