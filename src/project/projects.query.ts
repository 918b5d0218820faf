import type { EntityManager } from 'typeorm';
import { Account } from '../account/account.entity';
import { SortDirection, Visibility } from '../common/enums';
import { LazyConnection, LazyEdge, type Connection } from '../common/page';
import { encodeCursor, likeEscape, pageRequest, type PageArgs } from '../common/pagination';
import { hydrate, PUBLIC_ACCOUNT_COLUMNS, selectColumns } from '../db/rows';
import { queryRows } from '../db/query';
import { Membership } from '../membership/membership.entity';
import { decodeTypedCursor } from './child-pages';
import { Project } from './project.entity';
import { ProjectOrderField, type ProjectFilter, type ProjectOrder } from './project.types';

/**
 * A workspace's projects page as one read model: the live projects of one workspace, filtered,
 * ordered and paged by keyset in one statement that returns complete rows — each project whole,
 * and, when the caller may see people there, its owner's membership with the owner's account
 * (public columns) — so the Project fields need nothing more.
 */

export interface ProjectsArgs extends PageArgs {
  filter?: ProjectFilter | null;
  orderBy?: ProjectOrder | null;
  /** Guests see PUBLIC projects only. */
  publicOnly: boolean;
  /** Whether to read the owners (the caller may see people in the workspace: workspace.people.list). */
  withOwners: boolean;
}

export interface ProjectsPage {
  page: Connection<Project>;
  /**
   * The listed projects' owners by account id, each with its `account`: null for an owner who is
   * no member of the workspace. Empty when the owners were not read (withOwners false).
   */
  owners: Map<string, Membership | null>;
}

/** Each order's sort value, in SQL, and the type of its cursor value. */
const SORTS: Record<ProjectOrderField, { sql: string; cursor: 'text' | 'timestamp'; cast: string }> = {
  NAME: { sql: 'lower(p.name)', cursor: 'text', cast: 'text' },
  CREATED_AT: { sql: 'p.created_at', cursor: 'timestamp', cast: 'timestamptz' },
  MODIFIED_AT: { sql: 'p.modified_at', cursor: 'timestamp', cast: 'timestamptz' },
};

export async function listProjects(db: EntityManager, workspaceId: string, args: ProjectsArgs): Promise<ProjectsPage> {
  const { size: first, backward, cursor, cursorArg } = pageRequest(args);
  const sort = SORTS[args.orderBy?.field ?? ProjectOrderField.NAME];
  // A backward page reads the list from its end, then turns the page round.
  const desc = ((args.orderBy?.direction ?? SortDirection.ASC) === SortDirection.DESC) !== backward;
  const dir = desc ? 'DESC' : 'ASC';
  const values: unknown[] = [];
  const param = (value: unknown, type: string) => `$${values.push(value)}::${type}`;

  const where = [`p.workspace_id = ${param(workspaceId, 'uuid')}`, 'p.removed_at IS NULL'];
  if (args.publicOnly) where.push(`p.visibility = '${Visibility.PUBLIC}'`);
  if (args.filter?.visibility) where.push(`p.visibility = ${param(args.filter.visibility, 'text')}`);
  const search = args.filter?.search?.trim();
  if (search) where.push(`p.name ILIKE ${param(`%${likeEscape(search)}%`, 'text')} ESCAPE '\\'`);
  // The COUNT shares the filters (and their parameters), not the cursor.
  const countSql = `SELECT count(*)::int AS n FROM project p WHERE ${where.join(' AND ')}`;
  const countValues = [...values];

  const filtered = [...where];
  if (cursor) {
    const [value, id] = decodeTypedCursor(cursor, [sort.cursor, 'uuid'], cursorArg);
    filtered.push(`(${sort.sql}, p.id) ${desc ? '<' : '>'} (${param(value, sort.cast)}, ${param(id, 'uuid')})`);
  }
  const owners = args.withOwners
    ? {
        select: `, ${selectColumns(db, Membership, 'om', 'om__')}, ${selectColumns(db, Account, 'oa', 'oa__', PUBLIC_ACCOUNT_COLUMNS)}`,
        join: `LEFT JOIN membership om ON om.workspace_id = p.workspace_id AND om.account_id = p.owner_id
          LEFT JOIN account oa ON oa.id = om.account_id`,
      }
    : { select: '', join: '' };
  const sql = `SELECT ${sort.sql} AS "__sort", ${selectColumns(db, Project, 'p', 'p__')}${owners.select}
      FROM project p ${owners.join}
     WHERE ${filtered.join(' AND ')}
     ORDER BY ${sort.sql} ${dir}, p.id ${dir}
     LIMIT ${param(first + 1, 'int')}`;
  const count = async () => (await queryRows(db, countSql, countValues))[0].n as number;
  if (first === 0) return { page: new LazyConnection([], false, count), owners: new Map() };

  const rows = await queryRows(db, sql, values);
  const byAccount = new Map<string, Membership | null>();
  const listed = rows.slice(0, first);
  if (backward) listed.reverse();
  const edges = listed.map((row) => {
    const project = hydrate(db, Project, row, 'p__');
    if (args.withOwners && project.ownerId && !byAccount.has(project.ownerId)) {
      let owner: Membership | null = null;
      if (row.om__id) {
        owner = hydrate(db, Membership, row, 'om__');
        owner.account = hydrate(db, Account, row, 'oa__');
      }
      byAccount.set(project.ownerId, owner);
    }
    const value = row.__sort;
    return new LazyEdge(project, () => encodeCursor([value instanceof Date ? value.toISOString() : value, project.id]));
  });
  const more = rows.length > first;
  return { page: new LazyConnection(edges, !backward && more, count, backward && more), owners: byAccount };
}
