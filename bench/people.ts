/**
 * W6: the people page at two sizes. Two workspaces owned by the benchmark member, one of 100
 * members and one of 100,000, get the same three requests — the first 50 by name, a search for a
 * colleague by full name, and the 20th page of 5 reached by keyset — and each request's cost per call (server
 * and database CPU, p50) is compared between the two. The target: the large workspace costs at
 * most 2× the small one, for each request.
 */
import type { Client } from 'pg';

export const W6_SIZES = [100, 100_000] as const;

const FIRST = ['Ann', 'Ben', 'Cara', 'Dev', 'Eli', 'Fay', 'Gus', 'Hana', 'Ivo', 'Jo', 'Kai', 'Lia', 'Max', 'Nia', 'Oto', 'Pia', 'Quin', 'Rae', 'Sol', 'Tea'];
const LAST = [
  'Lee',
  'Smith',
  'Garcia',
  'Kim',
  'Nguyen',
  'Patel',
  'Jones',
  'Brown',
  'Silva',
  'Rossi',
  'Novak',
  'Costa',
  'Meyer',
  'Dubois',
  'Haddad',
  'Okafor',
  'Sato',
  'Ivanova',
  'Larsen',
  'Moreau',
  'Tanaka',
  'Weber',
  'Kowalski',
  'Horvat',
  'Berg',
];
/** Looking a colleague up by name: one person of this name is in each workspace (the others' names come from 20 × 25 combinations). */
const W6_PERSON = 'Zora Quist';
export const W6_SEARCH = 'zora quist';

/** Creates the two workspaces, the member as owner; returns their ids by size. */
export async function seedW6(client: Client, ownerAccountId: string): Promise<Map<number, string>> {
  const ids = new Map<number, string>();
  for (const size of W6_SIZES) {
    await client.query('BEGIN');
    const [{ id }] = (await client.query(`INSERT INTO workspace (name) VALUES ($1) RETURNING id`, [`W6 people ${size}`])).rows;
    await client.query(`INSERT INTO membership (workspace_id, account_id, role) VALUES ($1, $2, 'OWNER')`, [id, ownerAccountId]);
    await client.query(
      `WITH a AS (
         INSERT INTO account (name, email, password_hash)
         SELECT ($3::text[])[1 + i % 20] || ' ' || ($4::text[])[1 + (i / 20) % 25], 'w6-' || $2::int || '-' || i || '@people.example', 'x'
           FROM generate_series(1, $2::int - 1) i
         RETURNING id
       )
       INSERT INTO membership (workspace_id, account_id, role)
       SELECT $1, a.id, (ARRAY['VIEWER', 'MEMBER', 'ADMIN'])[1 + (row_number() OVER ()) % 3] FROM a`,
      [id, size, FIRST, LAST],
    );
    await client.query(
      `WITH a AS (INSERT INTO account (name, email, password_hash) VALUES ($2, 'w6-' || $3::int || '-zora@people.example', 'x') RETURNING id)
       UPDATE membership SET account_id = (SELECT id FROM a)
        WHERE id = (SELECT id FROM membership WHERE workspace_id = $1 AND role <> 'OWNER' ORDER BY id LIMIT 1)`,
      [id, W6_PERSON, size],
    );
    await client.query('COMMIT');
    ids.set(size, id);
  }
  await client.query('ANALYZE membership');
  await client.query('ANALYZE account');
  return ids;
}

export const W6_PAGE = `query W6($id: ID!, $first: Int, $after: String, $filter: PeopleFilter) {
  workspace(id: $id) { people(first: $first, after: $after, filter: $filter) { pageInfo { hasNextPage endCursor } edges { node { name email role status } } } }
}`;

export interface W6Request {
  name: string;
  variables: (workspaceId: string, cursor: string | null) => Record<string, unknown>;
  /** How many people the answer must hold in a workspace of `size`. */
  expect: (size: number) => number | null;
}

export const W6_REQUESTS: W6Request[] = [
  { name: 'first 50 by name', variables: (id) => ({ id, first: 50 }), expect: () => 50 },
  { name: `search "${W6_SEARCH}"`, variables: (id) => ({ id, first: 50, filter: { search: W6_SEARCH } }), expect: () => 1 },
  { name: '20th page of 5 (keyset)', variables: (id, cursor) => ({ id, first: 5, after: cursor }), expect: () => 5 },
];
