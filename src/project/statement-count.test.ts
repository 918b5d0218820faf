import type { Logger } from 'typeorm';
import { Visibility } from '../common/enums';
import { TestServer, type TestUser } from '../test/harness';

/**
 * A page of projects with their owner, the caller's role and permissions and the first runs of
 * each must cost a fixed number of SQL statements, however many projects are on the page.
 */
let t: TestServer;
let counting = false;
const statements: string[] = [];
const logger: Logger = {
  logQuery: (query) => {
    if (counting) statements.push(query);
  },
  logQueryError: () => undefined,
  logQuerySlow: () => undefined,
  logSchemaBuild: () => undefined,
  logMigration: () => undefined,
  log: () => undefined,
};

beforeAll(async () => {
  t = await TestServer.start({}, { sqlLogger: logger });
});
afterAll(() => t.stop());

const PAGE = `query($id: ID!) { workspace(id: $id) { projects(first: 50) { totalCount edges { node {
  id name owner { id role } viewerRole viewerPermissions
  runs(first: 10) { totalCount pageInfo { hasNextPage } edges { cursor node { id status job { id name } createdBy { id } codeVersion { id sha256 } } } }
  jobs(first: 5) { totalCount edges { node { id runs(first: 2) { totalCount edges { node { id } } } } } }
} } } } }`;

/** A workspace with `n` projects, each with a job, a code version and 12 runs. */
async function workspaceWith(owner: TestUser, member: TestUser, n: number) {
  const ws = await t.createWorkspace(owner, { visibility: Visibility.PUBLIC });
  await t.addMember(ws.id, member, 'MEMBER' as never);
  await t.sql(
    `WITH p AS (
       INSERT INTO project (workspace_id, name, visibility, owner_id)
       SELECT $1, 'project ' || g, CASE WHEN g % 2 = 0 THEN 'PUBLIC' ELSE 'PRIVATE' END, CASE WHEN g % 3 = 0 THEN $2::uuid ELSE $3::uuid END
       FROM generate_series(1, $4::int) g RETURNING id),
     j AS (INSERT INTO job (project_id, name, command) SELECT id, 'train', 'run' FROM p RETURNING id, project_id),
     cv AS (INSERT INTO code_version (project_id, filename, size_bytes, sha256, storage_key, created_by_id)
            SELECT id, 'a.zip', 1, repeat('0', 64), 'k/' || id, $3::uuid FROM p RETURNING id, project_id)
     INSERT INTO run (project_id, job_id, created_by_id, code_version_id, created_at)
     SELECT j.project_id, j.id, $3::uuid, cv.id, now() - (r || ' seconds')::interval
     FROM j JOIN cv ON cv.project_id = j.project_id, generate_series(1, 12) r`,
    [ws.id, owner.id, member.id, n],
  );
  return ws;
}

async function countStatements(workspaceId: string, as: TestUser | null) {
  await t.ok(PAGE, { id: workspaceId }, { as }); // warm-up: token bookkeeping writes happen at most once a minute
  statements.length = 0;
  counting = true;
  const data = await t.ok(PAGE, { id: workspaceId }, { as });
  counting = false;
  return { count: statements.length, data, statements: [...statements] };
}

describe('statement count of nested project lists', () => {
  it('is the same for 5 projects as for 50, for a member and for a guest', async () => {
    const owner = await t.signUp();
    const member = await t.signUp();
    const small = await workspaceWith(owner, member, 5);
    const large = await workspaceWith(owner, member, 50);

    for (const as of [member, null]) {
      const five = await countStatements(small.id, as);
      const fifty = await countStatements(large.id, as);
      const expected = as ? 50 : 25;
      expect(fifty.data.workspace.projects.edges).toHaveLength(expected);
      const first = fifty.data.workspace.projects.edges[0].node;
      expect(first.runs.edges).toHaveLength(10);
      expect(first.runs.totalCount).toBe(12);
      expect(first.runs.pageInfo.hasNextPage).toBe(true);
      expect(first.jobs.edges[0].node.runs.edges).toHaveLength(2);
      if (as) {
        expect(first.owner).not.toBeNull();
        expect(first.runs.edges[0].node.createdBy).not.toBeNull();
        expect(first.viewerRole).toMatch(/MEMBER|ADMIN/);
      } else {
        expect(first.owner).toBeNull();
        expect(first.viewerRole).toBeNull();
        expect(first.runs.edges[0].node.createdBy).toBeNull();
      }
      expect(five.count).toBeGreaterThan(5);
      expect(fifty.count).toBe(five.count);
      if (process.env.SHOW_SQL) console.log(fifty.statements.join('\n---\n'));
      expect(fifty.count).toBeLessThanOrEqual(20);
    }
  });
});
