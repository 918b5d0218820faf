import type { EntityManager } from 'typeorm';
import { SortDirection, Visibility } from '../common/enums';
import { LazyConnection, LazyEdge, type Connection } from '../common/page';
import { encodeCursor, likeEscape, pageRequest, type PageArgs } from '../common/pagination';
import { hydrate, selectColumns } from '../db/rows';
import { queryRows } from '../db/query';
import { decodeTypedCursor } from '../project/child-pages';
import { Workspace } from './workspace.entity';
import { WorkspaceOrderField, type WorkspaceFilter, type WorkspaceOrder } from './workspace.types';

/**
 * The workspaces list as one read model: the live workspaces the caller can see — their
 * memberships' and the public ones — filtered, ordered and paged by keyset in one statement that
 * returns whole workspaces. Which workspaces the caller may see is decided in that statement, for
 * the whole list at once; the fields' own checks (viewerRole, owner, …) read the caller's
 * memberships, which the request loads once.
 */

export interface WorkspacesArgs extends PageArgs {
  filter?: WorkspaceFilter | null;
  orderBy?: WorkspaceOrder | null;
  /** The caller, or null for a guest (public workspaces only). */
  viewerId: string | null;
}

/** Each order's sort value, in SQL, and the type of its cursor value. */
const SORTS: Record<WorkspaceOrderField, { sql: string; cursor: 'text' | 'timestamp'; cast: string }> = {
  NAME: { sql: 'lower(w.name)', cursor: 'text', cast: 'text' },
  CREATED_AT: { sql: 'w.created_at', cursor: 'timestamp', cast: 'timestamptz' },
  MODIFIED_AT: { sql: 'w.modified_at', cursor: 'timestamp', cast: 'timestamptz' },
};

export async function listWorkspaces(db: EntityManager, args: WorkspacesArgs): Promise<Connection<Workspace>> {
  const { size: first, backward, cursor, cursorArg } = pageRequest(args);
  const sort = SORTS[args.orderBy?.field ?? WorkspaceOrderField.NAME];
  // A backward page reads the list from its end, then turns the page round.
  const desc = ((args.orderBy?.direction ?? SortDirection.ASC) === SortDirection.DESC) !== backward;
  const dir = desc ? 'DESC' : 'ASC';
  const values: unknown[] = [];
  const param = (value: unknown, type: string) => `$${values.push(value)}::${type}`;

  const mine = `m.id IS NOT NULL`;
  const isPublic = `w.visibility = '${Visibility.PUBLIC}'`;
  const where = ['w.removed_at IS NULL'];
  const isMember = args.filter?.isMember;
  where.push(isMember === true ? mine : isMember === false ? `m.id IS NULL AND ${isPublic}` : `(${mine} OR ${isPublic})`);
  const search = args.filter?.search?.trim();
  if (search) where.push(`w.name ILIKE ${param(`%${likeEscape(search)}%`, 'text')} ESCAPE '\\'`);
  const from = `workspace w LEFT JOIN membership m ON m.workspace_id = w.id AND m.account_id = ${param(args.viewerId, 'uuid')}`;
  // The COUNT shares the filters (and their parameters), not the cursor.
  const countSql = `SELECT count(*)::int AS n FROM ${from} WHERE ${where.join(' AND ')}`;
  const countValues = [...values];
  const count = async () => (await queryRows(db, countSql, countValues))[0].n as number;

  if (cursor) {
    const [value, id] = decodeTypedCursor(cursor, [sort.cursor, 'uuid'], cursorArg);
    where.push(`(${sort.sql}, w.id) ${desc ? '<' : '>'} (${param(value, sort.cast)}, ${param(id, 'uuid')})`);
  }
  if (first === 0) return new LazyConnection([], false, count);
  const rows = await queryRows(
    db,
    `SELECT ${sort.sql} AS "__sort", ${selectColumns(db, Workspace, 'w', 'w__')}
       FROM ${from}
      WHERE ${where.join(' AND ')}
      ORDER BY ${sort.sql} ${dir}, w.id ${dir}
      LIMIT ${param(first + 1, 'int')}`,
    values,
  );
  const listed = rows.slice(0, first);
  if (backward) listed.reverse();
  const edges = listed.map((row) => {
    const workspace = hydrate(db, Workspace, row, 'w__');
    const value = row.__sort;
    return new LazyEdge(workspace, () => encodeCursor([value instanceof Date ? value.toISOString() : value, workspace.id]));
  });
  const more = rows.length > first;
  return new LazyConnection(edges, !backward && more, count, backward && more);
}
