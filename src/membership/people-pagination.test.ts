import { randomBytes } from 'node:crypto';
import { TestServer, type TestUser } from '../test/harness';

/**
 * The people list pages by keyset: walking 1,000 members and some invitations page by page, in
 * every order and direction, returns each person exactly once, in order, with a stable tie-break.
 */
let t: TestServer;
let owner: TestUser;
let workspaceId: string;
let expected: Set<string>;
const MEMBERS = 1000;
const INVITATIONS = 60;

beforeAll(async () => {
  t = await TestServer.start();
  owner = await t.signUp({ name: 'Olive Owner' });
  workspaceId = (await t.createWorkspace(owner)).id;
  // Few distinct names, roles and join times, so that most sort keys tie and the id must break them.
  const roles = ['VIEWER', 'MEMBER', 'ADMIN'];
  await t.sql(
    `WITH a AS (
       INSERT INTO account (name, email, password_hash)
       SELECT 'Person ' || (i % 17), 'p' || i || '-' || $2 || '@example.com', 'x' FROM generate_series(1, $1::int) i
       RETURNING id, email
     )
     INSERT INTO membership (workspace_id, account_id, role, created_at, use_account_profile, profile_name)
     SELECT $3, a.id, ($4::text[])[1 + (row_number() OVER () % 3)], timestamptz '2026-01-01' + ((row_number() OVER () % 5) || ' minutes')::interval,
            row_number() OVER () % 4 <> 0, CASE WHEN row_number() OVER () % 8 = 0 THEN 'Custom ' || (row_number() OVER () % 3) END
       FROM a`,
    [MEMBERS - 1, randomBytes(3).toString('hex'), workspaceId, roles],
  );
  await t.sql(
    `INSERT INTO invitation (workspace_id, email, email_normalized, role, token_hash, expires_at, created_at)
     SELECT $1, 'Invitee' || i || '@Example.com', 'invitee' || i || '@example.com', 'MEMBER', decode(md5(random()::text || i), 'hex'),
            now() + CASE WHEN i % 2 = 0 THEN interval '7 days' ELSE interval '-1 day' END, timestamptz '2026-01-01' + ((i % 5) || ' minutes')::interval
       FROM generate_series(1, $2::int) i`,
    [workspaceId, INVITATIONS],
  );
  const ids = await t.sql<{ id: string }>(`SELECT id FROM membership WHERE workspace_id = $1 UNION ALL SELECT id FROM invitation WHERE workspace_id = $1`, [
    workspaceId,
  ]);
  expected = new Set(ids.map((r) => r.id));
  expect(expected.size).toBe(MEMBERS + INVITATIONS);
}, 120_000);
afterAll(() => t.stop());

const PAGE = `query($id: ID!, $first: Int, $after: String, $orderBy: PeopleOrder, $filter: PeopleFilter) {
  workspace(id: $id) { people(first: $first, after: $after, orderBy: $orderBy, filter: $filter) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { id name email role status createdAt } } } } }`;

async function walk(orderBy: object, first: number, filter?: object) {
  const nodes: any[] = [];
  let after: string | null = null;
  let totalCount = -1;
  for (let guard = 0; guard < 200; guard++) {
    const data: any = await t.ok(PAGE, { id: workspaceId, first, after, orderBy, filter }, { as: owner });
    const page = data.workspace.people;
    totalCount = page.totalCount;
    nodes.push(...page.edges.map((e: any) => e.node));
    if (!page.pageInfo.hasNextPage) break;
    expect(page.edges).toHaveLength(first);
    after = page.pageInfo.endCursor;
  }
  return { nodes, totalCount };
}

const walked: Record<string, string[]> = {};
const RANK: Record<string, Record<string, number>> = {
  role: { VIEWER: 1, MEMBER: 2, ADMIN: 3, OWNER: 4 },
  status: { ACTIVE: 1, INVITED: 2, EXPIRED: 3 },
};

describe.each(['NAME', 'EMAIL', 'ROLE', 'STATUS', 'CREATED_AT'])('ordered by %s', (field) => {
  it.each(['ASC', 'DESC'])('%s: every person exactly once, in order', async (direction) => {
    const { nodes, totalCount } = await walk({ field, direction }, 100);
    expect(totalCount).toBe(expected.size);
    const ids = nodes.map((n) => n.id);
    expect(ids).toHaveLength(expected.size);
    expect(new Set(ids)).toEqual(expected);
    const key = (n: any): number | string =>
      field === 'ROLE' ? RANK.role[n.role] : field === 'STATUS' ? RANK.status[n.status] : field === 'CREATED_AT' ? Date.parse(n.createdAt) : 0;
    if (['ROLE', 'STATUS', 'CREATED_AT'].includes(field)) {
      const keys = nodes.map(key) as number[];
      const sorted = [...keys].sort((a, b) => (direction === 'ASC' ? a - b : b - a));
      expect(keys).toEqual(sorted);
    }
    // Walking again with another page size gives the very same order (stable tie-break).
    const again = await walk({ field, direction }, 73);
    expect(again.nodes.map((n) => n.id)).toEqual(ids);
    // (key, id) is a total order, so one direction is exactly the other reversed.
    walked[`${field}:${direction}`] = ids;
    const opposite = walked[`${field}:${direction === 'ASC' ? 'DESC' : 'ASC'}`];
    if (opposite) expect([...opposite].reverse()).toEqual(ids);
  });
});

it('pages a filtered list the same way', async () => {
  const { nodes, totalCount } = await walk({ field: 'NAME', direction: 'DESC' }, 50, { roles: ['ADMIN', 'OWNER'], search: 'person' });
  expect(nodes.length).toBe(totalCount);
  expect(new Set(nodes.map((n) => n.id)).size).toBe(nodes.length);
  expect(nodes.every((n) => ['ADMIN', 'OWNER'].includes(n.role) && /person/i.test(n.name))).toBe(true);
  const [{ n }] = await t.sql(
    `SELECT count(*)::int AS n FROM membership m JOIN account a ON a.id = m.account_id
      WHERE m.workspace_id = $1 AND m.role IN ('ADMIN', 'OWNER')
        AND (CASE WHEN m.use_account_profile OR m.profile_name IS NULL THEN a.name ELSE m.profile_name END ILIKE '%person%' OR a.email ILIKE '%person%')`,
    [workspaceId],
  );
  expect(totalCount).toBe(n);
});

describe('forged people cursors', () => {
  it('answer BAD_USER_INPUT for values the list never writes', async () => {
    const c = await t.cast();
    const forged = (values: unknown[]) => Buffer.from(JSON.stringify(values)).toString('base64url');
    const id = '00000000-0000-4000-8000-000000000000';
    const Q = `query($id: ID!, $after: String, $orderBy: PeopleOrder) { workspace(id: $id) { people(after: $after, orderBy: $orderBy) { totalCount } } }`;
    for (const [value, field] of [
      [1e30, 'ROLE'],
      ['1', 'CREATED_AT'],
      ['nul\u0000', 'NAME'],
      [2.5, 'STATUS'],
    ] as const) {
      const result = await t.gql(Q, { id: c.workspace.id, after: forged([value, id]), orderBy: { field, direction: 'ASC' } }, { as: c.owner });
      expect({ field, code: result.errors?.[0]?.extensions?.code }).toEqual({ field, code: 'BAD_USER_INPUT' });
    }
  });
});
