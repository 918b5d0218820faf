import { createHash } from 'node:crypto';
import { Client } from 'pg';
import { loadConfig } from '../config';
import { openDatabase } from '../db/open';

/**
 * A deterministic data set for benchmarks and demos, written straight into the migrated schema
 * with set-based SQL (generate_series), in one transaction. Every id, name, email and token is
 * derived from a counter, so two runs produce the same rows and the benchmark can name its
 * targets without asking the database.
 *
 * Usage: `npm run seed -- --scale small|large [--reset]` (DATABASE_URL or the embedded database,
 * like the server). `--reset` first empties every table: never use it on a database you care about.
 */

export type Scale = 'small' | 'large';

/** Sizes of the background population; the target workspaces come on top. */
export const SIZES: Record<
  Scale,
  { accounts: number; workspaces: number; membershipsPerWorkspace: number; projectsPerWorkspace: number; invitationsPerWorkspace: number; invitees: number }
> = {
  // 1,000 workspaces, 20,000 users, 50,000 memberships, 30,000 projects, 5,000 pending invitations.
  large: { accounts: 20_000, workspaces: 1_000, membershipsPerWorkspace: 50, projectsPerWorkspace: 30, invitationsPerWorkspace: 5, invitees: 2_000 },
  // About 1/20 of that.
  small: { accounts: 1_000, workspaces: 50, membershipsPerWorkspace: 50, projectsPerWorkspace: 30, invitationsPerWorkspace: 5, invitees: 200 },
};

/** The password of every seeded account. */
export const SEED_PASSWORD = 'atrium-bench-password';
/** scrypt (N=2^15, the first hash format) of SEED_PASSWORD, precomputed so seeding costs no hashing; a sign-in upgrades it. */
export const SEED_PASSWORD_HASH = 'scrypt$15$eX4hXqF7Khasq6R25r1esA==$No0P2KC+Z48hRCwRiuUITnSt5n9QMnh4Sp98ULVndzA=';
/** Fixed creation time of the data set; row n is created n seconds later, so sort orders are stable. */
const EPOCH = '2026-01-01T00:00:00Z';

/** Id prefixes by table: ids read as `0000000b-0000-4000-8000-00000000002a` (workspace 42). */
const PREFIX = { account: '0000000a', workspace: '0000000b', membership: '0000000c', project: '0000000d', invitation: '0000000e', token: '0000000f' } as const;
type Kind = keyof typeof PREFIX;

/** The deterministic UUID of row `n` of a table. */
export const seedId = (kind: Kind, n: number) => `${PREFIX[kind]}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
/** The same in SQL, for an integer expression `n`. */
const sqlId = (kind: Kind, n: string) => `('${PREFIX[kind]}-0000-4000-8000-' || lpad(to_hex(${n}), 12, '0'))::uuid`;

/** The bearer secret of the seeded session of account `n` (only target people and invitees have one). */
export const seedToken = (n: number) => `ats_bench_${n}`;
const sha256 = (s: string) => createHash('sha256').update(s).digest();

/** Number ranges of the target rows (far above the background population). */
const T = 900_000; // the private dashboard workspace
const P = 910_000; // the public workspace, for guests
const M = 920_000; // the workspace the mutation workload writes to
const I = 930_000; // invitee accounts for the mutation workload

const FIRST = [
  'Ada',
  'Ben',
  'Chloe',
  'Dev',
  'Ema',
  'Farid',
  'Greta',
  'Hiro',
  'Ines',
  'Jon',
  'Kira',
  'Liam',
  'Mona',
  'Nils',
  'Olga',
  'Pau',
  'Quinn',
  'Rosa',
  'Sami',
  'Tara',
  'Uma',
  'Vik',
  'Wren',
  'Xia',
  'Yusuf',
  'Zoe',
];
const LAST = [
  'Abbott',
  'Brandt',
  'Costa',
  'Dubois',
  'Eriksen',
  'Fischer',
  'Garcia',
  'Haddad',
  'Ivanova',
  'Jensen',
  'Kowalski',
  'Lopez',
  'Moreau',
  'Novak',
  'Okafor',
  'Petrov',
  'Quist',
  'Rossi',
  'Silva',
  'Tanaka',
  'Ueda',
  'Varga',
  'Weber',
  'Yilmaz',
  'Zhang',
];
const WORDS = [
  'Churn',
  'Forecast',
  'Vision',
  'Pricing',
  'Genomics',
  'Fraud',
  'Demand',
  'Sentiment',
  'Routing',
  'Energy',
  'Climate',
  'Ranking',
  'Anomaly',
  'Speech',
  'Retention',
  'Supply',
];

const sqlArray = (xs: string[]) => `ARRAY[${xs.map((x) => `'${x}'`).join(',')}]`;
/** A person's name for integer expression `n`: deterministic, varied, and unique by the numeric suffix. */
const sqlPersonName = (n: string) =>
  `(${sqlArray(FIRST)})[1 + (${n} * 7) % ${FIRST.length}] || ' ' || (${sqlArray(LAST)})[1 + (${n} * 13) % ${LAST.length}] || ' ' || ${n}`;
const sqlWord = (n: string) => `(${sqlArray(WORDS)})[1 + (${n} * 5) % ${WORDS.length}]`;
const at = (n: string) => `timestamptz '${EPOCH}' + (${n}) * interval '1 second'`;

/** Role of the k-th (1-based) of the 100 people of a target workspace: 1 owner, 9 admins, 60 members, 30 viewers. */
const SQL_TARGET_ROLE = (k: string) => `CASE WHEN ${k} = 1 THEN 'OWNER' WHEN ${k} <= 10 THEN 'ADMIN' WHEN ${k} <= 70 THEN 'MEMBER' ELSE 'VIEWER' END`;

/** What the seed wrote that a benchmark or a test needs to know: ids and bearer tokens. */
export interface SeedManifest {
  scale: Scale;
  counts: Record<string, number>;
  /** The private dashboard workspace: 50 projects, 100 members in every role, 10 pending invitations. */
  target: {
    workspaceId: string;
    name: string;
    ownerToken: string;
    adminToken: string;
    memberToken: string;
    viewerToken: string;
    memberAccountId: string;
    people: number;
    projects: number;
    invitations: number;
  };
  /** The public workspace: 50 projects, every odd one PUBLIC (25 visible to guests). */
  publicTarget: { workspaceId: string; name: string; memberToken: string; projects: number; publicProjects: number };
  /** The mutation workspace: an owner, an admin and invitee accounts with sessions. */
  mutation: { workspaceId: string; ownerToken: string; adminToken: string; invitees: { accountId: string; email: string; token: string }[] };
}

export function manifestFor(scale: Scale): SeedManifest {
  const s = SIZES[scale];
  return {
    scale,
    counts: {
      accounts: s.accounts + 200 + 2 + s.invitees,
      workspaces: s.workspaces + 3,
      memberships: s.workspaces * s.membershipsPerWorkspace + 200 + 2,
      projects: s.workspaces * s.projectsPerWorkspace + 100,
      pendingInvitations: s.workspaces * s.invitationsPerWorkspace + 10,
    },
    target: {
      workspaceId: seedId('workspace', T + 1),
      name: 'Target Workspace',
      ownerToken: seedToken(T + 1),
      adminToken: seedToken(T + 2),
      memberToken: seedToken(T + 11),
      viewerToken: seedToken(T + 71),
      memberAccountId: seedId('account', T + 11),
      people: 100,
      projects: 50,
      invitations: 10,
    },
    publicTarget: {
      workspaceId: seedId('workspace', P + 1),
      name: 'Public Target Workspace',
      memberToken: seedToken(P + 11),
      projects: 50,
      publicProjects: 25,
    },
    mutation: {
      workspaceId: seedId('workspace', M + 1),
      ownerToken: seedToken(M + 1),
      adminToken: seedToken(M + 2),
      invitees: Array.from({ length: s.invitees }, (_, i) => ({
        accountId: seedId('account', I + 1 + i),
        email: `invitee-${I + 1 + i}@seed.atrium.test`,
        token: seedToken(I + 1 + i),
      })),
    },
  };
}

const TABLES = [
  'audit_event',
  'outbox_email',
  'run',
  'code_version',
  'job',
  'variable',
  'project',
  'invitation',
  'membership',
  'token',
  'password_reset',
  'rate_limit',
  'workspace',
  'account',
];

/** Writes the data set in one transaction. The schema must be migrated; with `reset`, every table is emptied first. */
export async function seedDatabase(client: Client, scale: Scale, options: { reset?: boolean; log?: (line: string) => void } = {}): Promise<SeedManifest> {
  const log = options.log ?? (() => undefined);
  const s = SIZES[scale];
  const manifest = manifestFor(scale);
  const U = s.accounts;
  const W = s.workspaces;
  const K = s.membershipsPerWorkspace;
  // For a fixed workspace w, k -> (w*397 + k*401) mod U is injective for k < U (401 is prime and does not divide U).
  const memberAccount = (w: string, k: string) => `((${w}) * 397 + (${k}) * 401) % ${U} + 1`;
  const q = (sql: string, params: unknown[] = []) => client.query(sql, params);

  await q('BEGIN');
  try {
    if (options.reset) await q(`TRUNCATE ${TABLES.join(', ')} CASCADE`);
    else {
      const existing = await q('SELECT 1 FROM workspace WHERE id = $1', [manifest.target.workspaceId]);
      if (existing.rowCount) throw new Error('the database already holds the seed; run with --reset to empty it first (this deletes ALL data)');
    }

    // Accounts: the background population, the people of the three target workspaces, invitees.
    // All with verified addresses, as people who use Atrium have (an unverified one sees no invitations).
    const account = (from: number, to: number, email: string) =>
      q(
        `INSERT INTO account (id, name, email, password_hash, email_verified_at, created_at, modified_at)
         SELECT ${sqlId('account', 'n')}, ${sqlPersonName('n')}, ${email}, $1, ${at('n')}, ${at('n')}, ${at('n')}
         FROM generate_series(${from}, ${to}) AS n`,
        [SEED_PASSWORD_HASH],
      );
    await account(1, U, `'user' || n || '@seed.atrium.test'`);
    await account(T + 1, T + 100, `'target-' || n || '@seed.atrium.test'`);
    await account(P + 1, P + 100, `'public-' || n || '@seed.atrium.test'`);
    await account(M + 1, M + 2, `'mutation-' || n || '@seed.atrium.test'`);
    await account(I + 1, I + s.invitees, `'invitee-' || n || '@seed.atrium.test'`);
    log(`accounts: ${U + 202 + s.invitees}`);

    // Sessions for everyone a benchmark acts as: secret ats_bench_<n>, stored as its SHA-256.
    await q(
      `INSERT INTO token (id, account_id, kind, name, token_hash, expires_at)
       SELECT ${sqlId('token', 'n')}, ${sqlId('account', 'n')}, 'SESSION', 'seed', sha256(convert_to('ats_bench_' || n, 'UTF8')), now() + interval '365 days'
       FROM (SELECT generate_series(${T + 1}, ${T + 100}) UNION ALL SELECT generate_series(${P + 1}, ${P + 100})
             UNION ALL SELECT generate_series(${M + 1}, ${M + 2}) UNION ALL SELECT generate_series(${I + 1}, ${I + s.invitees})) AS t(n)`,
    );

    // Workspaces: every 4th background workspace is PUBLIC.
    await q(
      `INSERT INTO workspace (id, name, description, description_html, visibility, created_at, modified_at)
       SELECT ${sqlId('workspace', 'n')}, ${sqlWord('n')} || ' Lab ' || n, 'Seeded workspace ' || n || '.', '<p>Seeded workspace ' || n || '.</p>' || chr(10),
              CASE WHEN n % 4 = 0 THEN 'PUBLIC' ELSE 'PRIVATE' END, ${at('n')}, ${at('n')}
       FROM generate_series(1, ${W}) AS n`,
    );
    await q(
      `INSERT INTO workspace (id, name, visibility, created_at, modified_at) VALUES
        ($1, $2, 'PRIVATE', ${at(String(T + 1))}, ${at(String(T + 1))}),
        ($3, $4, 'PUBLIC', ${at(String(P + 1))}, ${at(String(P + 1))}),
        ($5, 'Mutation Workspace', 'PRIVATE', ${at(String(M + 1))}, ${at(String(M + 1))})`,
      [manifest.target.workspaceId, manifest.target.name, manifest.publicTarget.workspaceId, manifest.publicTarget.name, manifest.mutation.workspaceId],
    );
    log(`workspaces: ${W + 3}`);

    // Memberships: K per background workspace (k = 0 is the one OWNER, 1–5 admins, 6–29 members, the rest viewers).
    await q(
      `INSERT INTO membership (id, workspace_id, account_id, role, created_at, modified_at)
       SELECT ${sqlId('membership', `(w - 1) * ${K} + k + 1`)}, ${sqlId('workspace', 'w')}, ${sqlId('account', memberAccount('w', 'k'))},
              CASE WHEN k = 0 THEN 'OWNER' WHEN k <= 5 THEN 'ADMIN' WHEN k <= 29 THEN 'MEMBER' ELSE 'VIEWER' END,
              ${at(`(w - 1) * ${K} + k`)}, ${at(`(w - 1) * ${K} + k`)}
       FROM generate_series(1, ${W}) AS w, generate_series(0, ${K - 1}) AS k`,
    );
    // The two target workspaces: 100 people each, in every role; the mutation workspace: an owner and an admin.
    for (const base of [T, P]) {
      await q(
        `INSERT INTO membership (id, workspace_id, account_id, role, created_at, modified_at)
         SELECT ${sqlId('membership', `${base} + k`)}, ${sqlId('workspace', String(base + 1))}, ${sqlId('account', `${base} + k`)}, ${SQL_TARGET_ROLE('k')},
                ${at(`${base} + k`)}, ${at(`${base} + k`)}
         FROM generate_series(1, 100) AS k`,
      );
    }
    await q(`INSERT INTO membership (id, workspace_id, account_id, role) VALUES ($1, $2, $3, 'OWNER'), ($4, $2, $5, 'ADMIN')`, [
      seedId('membership', M + 1),
      manifest.mutation.workspaceId,
      seedId('account', M + 1),
      seedId('membership', M + 2),
      seedId('account', M + 2),
    ]);
    log(`memberships: ${W * K + 202}`);

    // Projects: owned by one of the workspace's owner/admins/members; every 3rd PUBLIC.
    const PW = s.projectsPerWorkspace;
    await q(
      `INSERT INTO project (id, workspace_id, name, description, description_html, visibility, owner_id, created_at, modified_at)
       SELECT ${sqlId('project', `(w - 1) * ${PW} + j + 1`)}, ${sqlId('workspace', 'w')}, ${sqlWord(`(w - 1) * ${PW} + j`)} || ' model ' || ((w - 1) * ${PW} + j + 1),
              '', '', CASE WHEN j % 3 = 0 THEN 'PUBLIC' ELSE 'PRIVATE' END, ${sqlId('account', memberAccount('w', `j % 30`))},
              ${at(`(w - 1) * ${PW} + j`)}, ${at(`(w - 1) * ${PW} + j`)}
       FROM generate_series(1, ${W}) AS w, generate_series(0, ${PW - 1}) AS j`,
    );
    // 50 projects in each target workspace, owned by its first 70 people (owner, admins, members); odd ones PUBLIC.
    for (const base of [T, P]) {
      await q(
        `INSERT INTO project (id, workspace_id, name, visibility, owner_id, created_at, modified_at)
         SELECT ${sqlId('project', `${base} + j`)}, ${sqlId('workspace', String(base + 1))}, ${sqlWord('j')} || ' project ' || lpad(j::text, 2, '0'),
                CASE WHEN j % 2 = 1 THEN 'PUBLIC' ELSE 'PRIVATE' END, ${sqlId('account', `${base} + 1 + (j - 1) % 70`)}, ${at(`${base} + j`)}, ${at(`${base} + j`)}
         FROM generate_series(1, 50) AS j`,
      );
    }
    log(`projects: ${W * PW + 100}`);

    // Pending invitations, sent by each workspace's owner; 10 more in the private target.
    const IW = s.invitationsPerWorkspace;
    await q(
      `INSERT INTO invitation (id, workspace_id, email, email_normalized, role, token_hash, expires_at, invited_by_id, created_at, modified_at, last_sent_at)
       SELECT ${sqlId('invitation', 'i')}, ${sqlId('workspace', `(i - 1) / ${IW} + 1`)}, 'invitee' || i || '@seed.atrium.test', 'invitee' || i || '@seed.atrium.test',
              CASE WHEN i % 2 = 0 THEN 'MEMBER' ELSE 'VIEWER' END, sha256(convert_to('ati_seed_' || i, 'UTF8')), now() + interval '7 days',
              ${sqlId('account', memberAccount(`(i - 1) / ${IW} + 1`, '0'))}, ${at('i')}, ${at('i')}, ${at('i')}
       FROM generate_series(1, ${W * IW}) AS i`,
    );
    await q(
      `INSERT INTO invitation (id, workspace_id, email, email_normalized, role, token_hash, expires_at, invited_by_id, created_at, modified_at, last_sent_at)
       SELECT ${sqlId('invitation', `${T} + i`)}, $1, 'guest-' || i || '@seed.atrium.test', 'guest-' || i || '@seed.atrium.test',
              CASE WHEN i % 2 = 0 THEN 'MEMBER' ELSE 'VIEWER' END, sha256(convert_to('ati_seed_t' || i, 'UTF8')), now() + interval '7 days',
              $2, ${at(`${T} + i`)}, ${at(`${T} + i`)}, ${at(`${T} + i`)}
       FROM generate_series(1, 10) AS i`,
      [manifest.target.workspaceId, seedId('account', T + 1)],
    );
    log(`pending invitations: ${W * IW + 10}`);

    await q('COMMIT');
  } catch (error) {
    await q('ROLLBACK').catch(() => undefined);
    throw error;
  }
  await q('ANALYZE');
  return manifest;
}

/** Sanity facts a seeded database must satisfy (used by the benchmark before it trusts the data). */
export async function checkSeed(client: Client, manifest: SeedManifest): Promise<string[]> {
  const problems: string[] = [];
  const [{ n: owners }] = (
    await client.query(
      `SELECT count(*)::int AS n FROM workspace w WHERE w.removed_at IS NULL AND (SELECT count(*) FROM membership m WHERE m.workspace_id = w.id AND m.role = 'OWNER') <> 1`,
    )
  ).rows;
  if (owners) problems.push(`${owners} workspaces without exactly one owner`);
  const counts = (
    await client.query(`SELECT (SELECT count(*)::int FROM account) AS accounts, (SELECT count(*)::int FROM workspace) AS workspaces,
      (SELECT count(*)::int FROM membership) AS memberships, (SELECT count(*)::int FROM project) AS projects,
      (SELECT count(*)::int FROM invitation WHERE stored_state = 'PENDING') AS "pendingInvitations"`)
  ).rows[0];
  for (const [k, v] of Object.entries(manifest.counts)) if (counts[k] !== v) problems.push(`${k}: expected ${v}, found ${counts[k]}`);
  const token = await client.query('SELECT 1 FROM token WHERE token_hash = $1', [sha256(manifest.target.memberToken)]);
  if (!token.rowCount) problems.push('the target member token is missing');
  return problems;
}

function parseArgs(argv: string[]): { scale: Scale; reset: boolean } {
  let scale: Scale = 'small';
  let reset = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--scale') scale = argv[++i] as Scale;
    else if (a.startsWith('--scale=')) scale = a.slice(8) as Scale;
    else if (a === '--reset') reset = true;
    else throw new Error(`unknown argument ${a}; usage: npm run seed -- --scale small|large [--reset]`);
  }
  if (scale !== 'small' && scale !== 'large') throw new Error(`--scale must be small or large, got ${scale}`);
  return { scale, reset };
}

async function main() {
  const { scale, reset } = parseArgs(process.argv.slice(2));
  const config = loadConfig();
  const database = await openDatabase(config);
  const client = new Client({ connectionString: database.url });
  await client.connect();
  try {
    const migrated = await client.query(`SELECT to_regclass('public.workspace') AS t`);
    if (!migrated.rows[0].t) throw new Error('the schema is missing: run `npm run migration:run` (or start the server once) first');
    const started = Date.now();
    const manifest = await seedDatabase(client, scale, { reset, log: (line) => console.log(line) });
    const problems = await checkSeed(client, manifest);
    if (problems.length) throw new Error(`seed check failed: ${problems.join('; ')}`);
    console.log(`seeded (${scale}) in ${((Date.now() - started) / 1000).toFixed(1)} s; every account's password is "${SEED_PASSWORD}"`);
    console.log(`target workspace ${manifest.target.workspaceId}; member token ${manifest.target.memberToken}`);
  } finally {
    await client.end();
    await database.stop();
  }
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
