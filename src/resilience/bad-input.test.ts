import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import {
  GraphQLEnumType,
  GraphQLInputObjectType,
  GraphQLList,
  GraphQLNonNull,
  GraphQLScalarType,
  getNamedType,
  isCompositeType,
  isObjectType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';
import { newSecret } from '../auth/secrets';
import { Visibility, WorkspaceRole } from '../common/enums';
import { buildBareSchema } from '../schema';
import { TestServer, type GqlResult, type TestUser } from '../test/harness';
import { changedTables, snapshotQuery, takeSnapshot } from './snapshot';

/**
 * Bad input, everywhere (RULES.md §3, §5.5). For EVERY mutation of the schema, fast-check sends
 * random and malformed arguments (odd strings, unicode, NUL bytes, huge values, wrong scalar
 * types, nulls, random UUIDs, ids of real objects of every kind and of another workspace, bad
 * enums, bad base64 and JSON, bad dates) as every role. The server must never answer
 * INTERNAL_SERVER_ERROR or HTTP 5xx, a refused mutation must leave every table identical (row
 * counts and a hash of every row), nothing may change in a workspace the caller has no part in,
 * and the server must still answer `{ me { id } }` at the end.
 *
 * RESILIENCE_RUNS (default 8) calls per mutation; RESILIENCE_SEED replays a run;
 * RESILIENCE_SKIP_NUL=1 leaves NUL characters out (to look past that known failure for others).
 */

const RUNS = Number(process.env.RESILIENCE_RUNS ?? 8);
const SEED = Number(process.env.RESILIENCE_SEED ?? Date.now() % 2 ** 31);
const PASSWORD = 'correct horse battery';
const ROLES = ['guest', 'outsider', 'viewer', 'member', 'admin', 'owner', 'platformAdmin', 'adminReadToken'] as const;
type Role = (typeof ROLES)[number];
/** Whoever holds an invitation token may use it, so these may legitimately touch another workspace. */
const TOKEN_HOLDER_MUTATIONS = new Set(['acceptInvitation', 'signUpAndAcceptInvitation', 'declineInvitation']);

let t: TestServer;
let dataDir: string;
let snapshotSql: string;

interface World {
  users: Record<Exclude<Role, 'guest' | 'adminReadToken'>, TestUser> & { stranger: TestUser };
  workspaceId: string;
  otherWorkspaceId: string;
  ids: string[];
  /** The same ids by table, so an argument named `projectId` mostly gets project ids (and reaches deeper code). */
  byKind: Record<string, string[]>;
  emails: string[];
  tokens: string[];
  fingerprint: string;
}
let world: World;
let rebuilds = 0;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'atrium-fuzz-'));
  // A small code limit makes "too large" cheap to reach; rate limits stay on but generous.
  t = await TestServer.start({
    dataDir,
    maxCodeBytes: 4096,
    signInFailuresPerEmailAndClient: 1000,
    signInFailuresPerEmail: 1000,
    passwordResetLimitPerEmail: 1000,
  });
  snapshotSql = await snapshotQuery(t.db);
});
afterAll(async () => {
  await t?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------- the world

const q = {
  project: `mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }`,
  variable: `mutation($input: CreateVariableInput!) { createVariable(input: $input) { id } }`,
  job: `mutation($input: CreateJobInput!) { createJob(input: $input) { id } }`,
  run: `mutation($input: StartRunInput!) { startRun(input: $input) { id } }`,
  code: `mutation($input: PushCodeInput!) { pushCode(input: $input) { id } }`,
  invite: `mutation($input: InviteMembersInput!) { inviteMembers(input: $input) { results { invitation { id } } } }`,
  accessToken: `mutation($input: CreateAccessTokenInput!) { createAccessToken(input: $input) { accessToken { id } } }`,
  remove: `mutation($id: ID!) { removeWorkspace(id: $id) { id } }`,
};

/** A project with one of every resource, created through the API by `actor`. */
async function furnish(workspaceId: string, actor: TestUser, tag: string): Promise<string[]> {
  const ids: string[] = [];
  const project = (await t.ok(q.project, { input: { workspaceId, name: `Project ${tag}`, visibility: 'PUBLIC' } }, { as: actor })).createProject.id;
  ids.push(project);
  for (const isMasked of [false, true]) {
    ids.push(
      (await t.ok(q.variable, { input: { projectId: project, name: `VAR_${isMasked ? 'M' : 'P'}`, value: 'secret', isMasked } }, { as: actor })).createVariable
        .id,
    );
  }
  const job = (await t.ok(q.job, { input: { projectId: project, name: 'train', command: 'python train.py' } }, { as: actor })).createJob.id;
  ids.push(job);
  ids.push((await t.ok(q.run, { input: { jobId: job, payload: '{"lr":0.1}' } }, { as: actor })).startRun.id);
  ids.push(
    (await t.ok(q.code, { input: { projectId: project, filename: 'code.zip', contentBase64: Buffer.from('print(1)').toString('base64') } }, { as: actor }))
      .pushCode.id,
  );
  const invited = await t.ok(q.invite, { input: { workspaceId, emails: [`invitee-${tag}-${Date.now()}@example.com`], role: 'MEMBER' } }, { as: actor });
  ids.push(...invited.inviteMembers.results.map((r: any) => r.invitation?.id).filter(Boolean));
  ids.push((await t.ok(q.accessToken, { input: { name: `token ${tag}`, scope: 'WRITE' } }, { as: actor })).createAccessToken.accessToken.id);
  return ids;
}

async function fingerprint(w: Pick<World, 'workspaceId' | 'otherWorkspaceId' | 'users'>): Promise<string> {
  const [row] = await t.sql(
    `SELECT (SELECT string_agg(account_id || ':' || role, ',' ORDER BY account_id) FROM membership WHERE workspace_id = $1) AS members,
            (SELECT count(*) FROM workspace WHERE id IN ($1, $2) AND removed_at IS NULL) AS live,
            (SELECT count(*) FROM account WHERE id = ANY($3::uuid[])) AS accounts`,
    [w.workspaceId, w.otherWorkspaceId, Object.values(w.users).map((u) => u.id)],
  );
  return JSON.stringify(row);
}

/**
 * The cast of a workspace (t.cast()), furnished; another workspace owned by a stranger, furnished
 * too (its ids are fed to everyone); and a removed workspace. Rebuilt when a successful fuzzed
 * mutation changed who is who (a role change, a removal, a deleted account).
 */
async function buildWorld(): Promise<World> {
  const visibility = rebuilds % 2 === 0 ? Visibility.PRIVATE : Visibility.PUBLIC;
  const c = await t.cast(visibility);
  const stranger = await t.signUp({ name: 'Stan Stranger' });
  const bystander = await t.signUp({ name: 'Bea Bystander' });
  const other = await t.createWorkspace(stranger, { visibility: Visibility.PUBLIC });
  await t.addMember(other.id, bystander, WorkspaceRole.MEMBER);
  const removed = await t.createWorkspace(c.owner);
  await t.ok(q.remove, { id: removed.id }, { as: c.owner });
  const ids = [
    c.workspace.id,
    other.id,
    removed.id,
    ...(await furnish(c.workspace.id, c.owner, `main${rebuilds}`)),
    ...(await furnish(other.id, stranger, `other${rebuilds}`)),
  ];
  const more = await t.sql<{ id: string }>(
    `SELECT id FROM membership WHERE workspace_id = ANY($1::uuid[]) UNION ALL SELECT id FROM audit_event WHERE workspace_id = ANY($1::uuid[])
     UNION ALL SELECT id FROM account WHERE id = ANY($2::uuid[])`,
    [
      [c.workspace.id, other.id],
      [c.owner.id, c.admin.id, c.member.id, c.viewer.id, c.outsider.id, stranger.id, bystander.id],
    ],
  );
  ids.push(...more.map((r) => r.id));
  const users = { outsider: c.outsider, viewer: c.viewer, member: c.member, admin: c.admin, owner: c.owner, platformAdmin: c.platformAdmin, stranger };
  const outbox = await t.sql<{ text_body: string }>('SELECT text_body FROM outbox_email');
  const tokens = [...new Set(outbox.flatMap((o) => [...o.text_body.matchAll(/token=([^\s&"]+)/g)].map((m) => decodeURIComponent(m[1]))))];
  const emails = [...Object.values(users).map((u) => u.email), bystander.email, ...(await t.sql('SELECT email FROM invitation')).map((r: any) => r.email)];
  const kinds = await t.sql<{ kind: string; id: string }>(
    ['workspace', 'project', 'variable', 'job', 'run', 'code_version', 'invitation', 'token', 'membership', 'account', 'audit_event']
      .map((table) => `SELECT '${table}' AS kind, id FROM ${table} WHERE id = ANY($1::uuid[])`)
      .join(' UNION ALL '),
    [ids],
  );
  const byKind: Record<string, string[]> = {};
  for (const k of kinds) (byKind[k.kind] ??= []).push(k.id);
  for (const list of Object.values(byKind)) list.sort((x, y) => ids.indexOf(x) - ids.indexOf(y)); // the main workspace's first
  const w = { users, workspaceId: c.workspace.id, otherWorkspaceId: other.id, ids, byKind, emails, tokens, fingerprint: '' };
  w.fingerprint = await fingerprint(w);
  return w;
}

async function ensureWorld(): Promise<void> {
  if (world && (await fingerprint(world)) === world.fingerprint) return;
  if (world) rebuilds++;
  world = await buildWorld();
}

/** A fresh bearer token for the role, written directly (fuzzed sign-outs and revocations may end earlier ones). */
async function tokenFor(role: Role): Promise<string | null> {
  if (role === 'guest') return null;
  const user = role === 'adminReadToken' ? world.users.admin : world.users[role];
  const { secret, hash } = newSecret(role === 'adminReadToken' ? 'atp' : 'ats');
  await t.sql(`INSERT INTO token (account_id, kind, name, scope, token_hash, expires_at) VALUES ($1, $2, $3, $4, $5, now() + interval '1 day')`, [
    user.id,
    role === 'adminReadToken' ? 'ACCESS' : 'SESSION',
    role === 'adminReadToken' ? 'fuzz read' : '',
    role === 'adminReadToken' ? 'READ' : 'WRITE',
    hash,
  ]);
  return secret;
}

/** Every row that belongs to the other workspace, hashed. */
async function otherWorkspaceHash(): Promise<string> {
  const [row] = await t.sql(
    `SELECT md5(coalesce(string_agg(x, '|' ORDER BY x), '')) AS h FROM (
       SELECT w::text AS x FROM workspace w WHERE w.id = $1
       UNION ALL SELECT m::text FROM membership m WHERE m.workspace_id = $1
       UNION ALL SELECT i::text FROM invitation i WHERE i.workspace_id = $1
       UNION ALL SELECT p::text FROM project p WHERE p.workspace_id = $1
       UNION ALL SELECT v::text FROM variable v JOIN project p ON p.id = v.project_id WHERE p.workspace_id = $1
       UNION ALL SELECT j::text FROM job j JOIN project p ON p.id = j.project_id WHERE p.workspace_id = $1
       UNION ALL SELECT r::text FROM run r JOIN project p ON p.id = r.project_id WHERE p.workspace_id = $1
       UNION ALL SELECT c::text FROM code_version c JOIN project p ON p.id = c.project_id WHERE p.workspace_id = $1
       UNION ALL SELECT a::text FROM audit_event a WHERE a.workspace_id = $1
       UNION ALL SELECT a::text FROM account a WHERE a.id = $2) s`,
    [world.otherWorkspaceId, world.users.stranger.id],
  );
  return row.h;
}

// ---------------------------------------------------------------------------- the values

const NASTY_STRINGS = [
  '',
  ' ',
  '   \t\n ',
  '\u0000',
  'a\u0000b',
  '\uD800',
  '\uDFFF\uD800',
  '\uFFFF',
  '\u202Eevil',
  '\u200B',
  'ｗｏｒｋｓｐａｃｅ',
  'e\u0301\u0301\u0301',
  '😀'.repeat(128),
  '😀'.repeat(300),
  "'; DROP TABLE account; --",
  "O'Brien",
  '%',
  '_',
  '\\',
  '$1',
  '%s%n',
  '<script>alert(1)</script>',
  '[x](javascript:alert(1))',
  '<img src=x onerror=alert(1)>',
  'javascript:alert(1)',
  'http://',
  'https://example.com/avatar.png',
  'ftp://example.com/x',
  'data:text/html,<b>x</b>',
  '{',
  '}',
  '[]',
  'null',
  '"x"',
  '{"a":1}',
  '{"a":',
  '['.repeat(6000) + ']'.repeat(6000),
  '1e999',
  'true',
  '0',
  '-1',
  'NaN',
  '__proto__',
  'constructor',
  '00000000-0000-0000-0000-000000000000',
  'not base64!!',
  '=',
  'A',
  'AAAA',
  'UEsDBAo=',
  Buffer.alloc(5000, 1).toString('base64'),
  'a'.repeat(255),
  'a'.repeat(256),
  'a'.repeat(321),
  'a'.repeat(2049),
  'x'.repeat(10_001),
  'y'.repeat(50_000),
  'A_VALID_NAME',
  '1BAD',
  'has space',
  'user@example.com',
  'USER@EXAMPLE.COM',
  ' user@example.com ',
  'no-at-sign',
  '@example.com',
  'a@b',
  'a@b.c',
  `${'a'.repeat(250)}@example.com`,
  'émile@exämple.com',
  PASSWORD,
];
/** Forged pagination cursors: base64url JSON of the wrong shape or with values of the wrong type. */
const cursor = (values: unknown) => Buffer.from(JSON.stringify(values)).toString('base64url');
const FORGED_CURSORS = [
  cursor([]),
  cursor(['x']),
  cursor(['x', 'not-a-uuid']),
  cursor([null, null]),
  cursor([1e308, '00000000-0000-0000-0000-000000000000']),
  cursor(['2026-13-45', '00000000-0000-0000-0000-000000000000']),
  cursor([{ a: 1 }, [1]]),
  cursor(['a\u0000b', 'b']),
  cursor('x'),
  cursor(null),
  cursor(["' OR 1=1 --", "'; DROP TABLE account; --"]),
  cursor(Array(50).fill('x')),
  Buffer.from('not json').toString('base64url'),
];
const MALFORMED_IDS = [
  '',
  ' ',
  'not-a-uuid',
  '1',
  '0',
  '-1',
  "' OR 1=1 --",
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '{00000000-0000-0000-0000-000000000000}',
  'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz',
  'a'.repeat(5000),
  '\u0000',
  '😀',
];
const DATES = [
  '2030-01-01T00:00:00.000Z',
  '2000-01-01T00:00:00Z',
  new Date(Date.now() + 60_000).toISOString(),
  '2026-02-30T00:00:00Z',
  'not a date',
  '',
  '+275760-09-13T00:00:00.000Z',
  '9999-12-31T23:59:59.999Z',
  '0001-01-01T00:00:00Z',
  '2030-01-01',
  '2030-01-01T00:00:00+14:00',
];

/** Values of the wrong JSON type for any input (variable coercion must refuse them cleanly). */
const wrongType = (): fc.Arbitrary<unknown> =>
  fc.oneof(
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant({}),
    fc.constant([]),
    fc.constant({ id: 'x' }),
    fc.array(fc.string(), { maxLength: 3 }),
    fc.string(),
  );

const SKIP_NUL = process.env.RESILIENCE_SKIP_NUL === '1';
const noNul = (v: unknown) => !SKIP_NUL || typeof v !== 'string' || !v.includes('\u0000');

const strings = (): fc.Arbitrary<unknown> =>
  fc
    .oneof(
      { weight: 5, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
      { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
      { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
      { weight: 2, arbitrary: fc.constant(null).chain(() => fc.constantFrom(...world.emails)) },
      { weight: 1, arbitrary: fc.emailAddress() },
      { weight: 2, arbitrary: fc.constant(null).chain(() => (world.tokens.length ? fc.constantFrom(...world.tokens) : fc.constant('no-token'))) },
      { weight: 1, arbitrary: fc.constant(null).chain(() => fc.constantFrom(...world.ids)) },
      { weight: 1, arbitrary: fc.constantFrom(...FORGED_CURSORS) },
    )
    .filter(noNul);

/** Which table an ID argument names: `projectId` → project; a plain `id` → the mutation's object (`removeJob` → job). */
function kindOf(field: string, operation: string): string | undefined {
  const byField: Record<string, string> = { workspaceId: 'workspace', projectId: 'project', memberId: 'membership', jobId: 'job' };
  if (byField[field]) return byField[field];
  if (field !== 'id') return undefined;
  const object = /(Workspace|Project|Variable|Job|Run|Invitation|AccessToken|CodeVersion)$/.exec(operation)?.[1];
  const tables: Record<string, string> = {
    Workspace: 'workspace',
    Project: 'project',
    Variable: 'variable',
    Job: 'job',
    Run: 'run',
    Invitation: 'invitation',
    AccessToken: 'token',
    CodeVersion: 'code_version',
  };
  return object ? tables[object] : undefined;
}

const ids = (kind?: string): fc.Arbitrary<unknown> =>
  fc
    .oneof(
      {
        weight: kind ? 8 : 1,
        arbitrary: fc.constant(null).chain(() => fc.constantFrom(...(kind && world.byKind[kind]?.length ? world.byKind[kind] : world.ids))),
      },
      { weight: 6, arbitrary: fc.constant(null).chain(() => fc.constantFrom(...world.ids)) },
      { weight: 2, arbitrary: fc.uuid() },
      { weight: 2, arbitrary: fc.constantFrom(...MALFORMED_IDS) },
      { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
      { weight: 1, arbitrary: fc.integer() },
    )
    .filter(noNul);

function scalar(type: GraphQLScalarType, kind?: string): fc.Arbitrary<unknown> {
  switch (type.name) {
    case 'ID':
      return ids(kind);
    case 'String':
      return strings();
    case 'Boolean':
      return fc.boolean();
    case 'Int':
      return fc.oneof(fc.integer(), fc.integer({ min: -2, max: 120 }), fc.constantFrom(0, -1, 101, 1000, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 1e15, 1.5));
    case 'Float':
      return fc.oneof(fc.double(), fc.constantFrom(0, -1, 1e308));
    case 'DateTime':
      return fc.constantFrom(...DATES);
    default:
      return fc.oneof(strings(), wrongType());
  }
}

/** A value for an input type: mostly the right shape with hostile contents, sometimes null, the wrong type or unknown fields. */
function valueOf(type: GraphQLInputType, operation: string, name: string): fc.Arbitrary<unknown> {
  const nonNull = type instanceof GraphQLNonNull;
  const inner = nonNull ? (type as GraphQLNonNull<GraphQLInputType>).ofType : type;
  let shaped: fc.Arbitrary<unknown>;
  if (inner instanceof GraphQLList) {
    const item = valueOf(inner.ofType, operation, name);
    shaped = fc.oneof(
      { weight: 8, arbitrary: fc.array(item, { maxLength: 6 }) },
      { weight: 1, arbitrary: fc.array(item, { minLength: 51, maxLength: 60 }) },
      { weight: 1, arbitrary: item },
    );
  } else if (inner instanceof GraphQLInputObjectType) {
    const fields = inner.getFields();
    const record = fc.record(Object.fromEntries(Object.entries(fields).map(([field, f]) => [field, valueOf(f.type, operation, field)])));
    shaped = fc.oneof(
      { weight: 12, arbitrary: record.map(dropUndefined) },
      { weight: 1, arbitrary: record.map((r) => ({ ...dropUndefined(r), unknownField: 'x' })) },
    );
  } else if (inner instanceof GraphQLEnumType) {
    shaped = fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...inner.getValues().map((v) => v.value as string)) },
      { weight: 1, arbitrary: fc.constantFrom('owner', 'SUPERUSER', '', 'OWNER ', 'GUEST', '__proto__') },
    );
  } else {
    shaped = scalar(inner as GraphQLScalarType, kindOf(name, operation));
  }
  const options = [
    { weight: 24, arbitrary: shaped },
    { weight: 1, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: wrongType() },
  ];
  if (!nonNull) options.push({ weight: 8, arbitrary: fc.constant(undefined) });
  return fc.oneof(...options);
}

function dropUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));
}

// ---------------------------------------------------------------------------- the calls

interface Violation {
  mutation: string;
  role: Role;
  kind: string;
  detail: string;
  variables: string;
}
const violations: Violation[] = [];
const codes = new Map<string, number>();
let calls = 0;
let refused = 0;

function documentFor(field: GraphQLField<unknown, unknown>): string {
  const vars = field.args.map((a, i) => `$a${i}: ${String(a.type)}`).join(', ');
  const args = field.args.map((a, i) => `${a.name}: $a${i}`).join(', ');
  const selection = isCompositeType(getNamedType(field.type)) ? ' { __typename }' : '';
  return `mutation Fuzz${vars ? `(${vars})` : ''} { ${field.name}${args ? `(${args})` : ''}${selection} }`;
}

const LEAK = /QueryFailedError|violates|syntax error at|relation "|column "|\bat .+\.(ts|js):\d+|SELECT .+ FROM|INSERT INTO|UPDATE .+ SET|duplicate key/i;

async function send(document: string, variables: Record<string, unknown>, token: string | null): Promise<GqlResult> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(t.url, { method: 'POST', headers, body: JSON.stringify({ query: document, variables }), signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  try {
    return { ...(JSON.parse(text) as GqlResult), status: res.status };
  } catch {
    return { status: res.status, errors: [{ message: `non-JSON body: ${text.slice(0, 200)}`, extensions: { code: 'NON_JSON' } }] };
  }
}

interface Case {
  /** mutation name, or `query.field` / `query.field.nested` */
  label: string;
  kind: 'mutation' | 'query';
  document: string;
  /** name: the variable; field: the argument it feeds (for id hints). */
  args: { name: string; field: string; type: GraphQLInputType }[];
}

/** `mutation Fuzz($a0: T0, …) { field(arg: $a0, …) { __typename } }` */
function mutationCase(field: GraphQLField<unknown, unknown>): Case {
  return { label: field.name, kind: 'mutation', document: documentFor(field), args: field.args.map((a) => ({ name: a.name, field: a.name, type: a.type })) };
}

/**
 * A root query field, and each of its return type's fields that take arguments (the paginated
 * lists with their `first`/`after`/filters/orders): `query Fuzz(…) { root(…) { nested(…) { __typename } } }`.
 */
function queryCases(schema: GraphQLSchema): Case[] {
  const cases: Case[] = [];
  for (const root of Object.values(schema.getQueryType()!.getFields())) {
    const rootVars = root.args.map((a, i) => ({ name: a.name, type: a.type, variable: `r${i}` }));
    const rootCall = `${root.name}${rootVars.length ? `(${rootVars.map((v) => `${v.name}: $${v.variable}`).join(', ')})` : ''}`;
    const named = getNamedType(root.type);
    const nestedFields = isObjectType(named) ? Object.values(named.getFields()).filter((f) => f.args.length) : [];
    const variants: { label: string; selection: string; vars: { name: string; type: GraphQLInputType; variable: string }[] }[] = [];
    if (rootVars.length || !nestedFields.length)
      variants.push({ label: `query.${root.name}`, selection: isCompositeType(named) ? '{ __typename }' : '', vars: rootVars });
    for (const nested of nestedFields) {
      const vars = nested.args.map((a, i) => ({ name: a.name, type: a.type, variable: `n${i}` }));
      const sub = isCompositeType(getNamedType(nested.type)) ? ' { __typename }' : '';
      variants.push({
        label: `query.${root.name}.${nested.name}`,
        selection: `{ ${nested.name}(${vars.map((v) => `${v.name}: $${v.variable}`).join(', ')})${sub} }`,
        vars: [...rootVars, ...vars],
      });
    }
    for (const v of variants) {
      const declared = v.vars.map((x) => `$${x.variable}: ${String(x.type)}`).join(', ');
      cases.push({
        label: v.label,
        kind: 'query',
        document: `query Fuzz${declared ? `(${declared})` : ''} { ${rootCall} ${v.selection} }`,
        args: v.vars.map((x) => ({ name: x.variable, field: x.name, type: x.type })),
      });
    }
  }
  return cases;
}

async function fuzzOnce(c: Case, role: Role, values: unknown[]): Promise<void> {
  await ensureWorld();
  const token = await tokenFor(role);
  const variables: Record<string, unknown> = {};
  values.forEach((v, i) => {
    if (v !== undefined) variables[c.kind === 'mutation' ? `a${i}` : c.args[i].name] = v;
  });
  const before = await takeSnapshot(t.db, snapshotSql);
  const otherBefore = await otherWorkspaceHash();
  const result = await send(c.document, variables, token);
  calls++;
  const after = await takeSnapshot(t.db, snapshotSql);
  const otherAfter = await otherWorkspaceHash();

  const shown = JSON.stringify(variables, (_k, v) => (typeof v === 'string' && v.length > 80 ? `${v.slice(0, 40)}…(${v.length} chars)` : v));
  const flag = (kind: string, detail: string) => violations.push({ mutation: c.label, role, kind, detail, variables: shown.slice(0, 600) });
  const errors = result.errors ?? [];
  for (const e of errors) codes.set(String(e.extensions?.code), (codes.get(String(e.extensions?.code)) ?? 0) + 1);
  if (!errors.length) codes.set('OK', (codes.get('OK') ?? 0) + 1);

  if (result.status >= 500) flag(`HTTP ${result.status}`, JSON.stringify(errors).slice(0, 300));
  for (const e of errors) {
    const code = e.extensions?.code;
    if (!code || code === 'INTERNAL_SERVER_ERROR' || code === 'NON_JSON') flag(`error code ${code}`, e.message.slice(0, 300));
    if (LEAK.test(e.message)) flag('internal detail in message', e.message.slice(0, 300));
  }
  const data = result.data as Record<string, unknown> | null | undefined;
  const root = c.kind === 'mutation' ? c.label : c.label.split('.')[1];
  if (c.kind === 'query') {
    const changed = changedTables(before, after);
    if (changed.length) flag('a query wrote', `tables changed: ${changed.join(', ')}`);
  } else if (errors.length && (data?.[root] ?? null) === null) {
    refused++;
    const changed = changedTables(before, after);
    if (changed.length) flag('refused but wrote', `${errors[0]?.extensions?.code}: tables changed: ${changed.join(', ')}`);
  }
  if (otherBefore !== otherAfter && !TOKEN_HOLDER_MUTATIONS.has(c.label)) {
    flag('changed another workspace', `${errors.length ? `refused (${errors[0]?.extensions?.code})` : 'succeeded'}, yet the other workspace's rows changed`);
  }
}

/**
 * A well-formed value whose every string is `text` and every id the main workspace's: the fixed
 * examples each property starts with, so the classic culprits (NUL bytes, over-long text) reach
 * every mutation on every run, whatever the seed.
 */
function uniform(type: GraphQLInputType, text: string, operation: string, name: string): unknown {
  const inner = type instanceof GraphQLNonNull ? type.ofType : type;
  if (inner instanceof GraphQLList) return [uniform(inner.ofType, text, operation, name)];
  if (inner instanceof GraphQLInputObjectType) {
    return Object.fromEntries(Object.entries(inner.getFields()).map(([field, f]) => [field, uniform(f.type, text, operation, field)]));
  }
  if (inner instanceof GraphQLEnumType) return inner.getValues()[0].value;
  switch ((inner as GraphQLScalarType).name) {
    case 'ID': {
      const kind = kindOf(name, operation);
      // The main workspace's own objects (the first of each kind), so the call gets past the permission check.
      return (kind && world.byKind[kind]?.[0]) ?? world.workspaceId;
    }
    case 'Boolean':
      return false;
    case 'Int':
      return 10;
    case 'Float':
      return 1;
    case 'DateTime':
      return DATES[0];
    default:
      return text;
  }
}
const EXAMPLE_TEXTS = [...(SKIP_NUL ? [] : ['a\u0000b']), 'a\uD800b', 'x'.repeat(10_001)];

async function fuzz(cases: Case[], runs: number): Promise<void> {
  for (const c of cases) {
    // A query's `id` names its root field's object: workspace(id) → workspace.
    const operation = c.kind === 'mutation' ? c.label : c.label.split('.')[1].replace(/^./, (ch) => ch.toUpperCase());
    const args = fc.tuple(...c.args.map((a) => valueOf(a.type, operation, a.field)));
    const examples = EXAMPLE_TEXTS.map((text) => ['owner', c.args.map((a) => uniform(a.type, text, operation, a.field))] as [Role, unknown[]]);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ROLES), args, async (role, values) => {
        await fuzzOnce(c, role, values as unknown[]);
      }),
      { numRuns: runs + examples.length, examples, seed: SEED, endOnFailure: true },
    );
  }
}

/** One line per distinct problem (operation, kind), with its first example. */
function distinctViolations(): string[] {
  const distinct = new Map<string, Violation>();
  for (const v of violations) if (!distinct.has(`${v.mutation} ${v.kind}`)) distinct.set(`${v.mutation} ${v.kind}`, v);
  return [...distinct.values()].map((v) => `${v.mutation} as ${v.role}: ${v.kind} — ${v.detail} — variables ${v.variables}`);
}

function summary(what: string, started: number): string {
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const byCode = [...codes.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([c, n]) => `${c} ${n}`)
    .join(', ');
  return `bad-input fuzz (${what}): ${calls} calls × ${ROLES.length} roles in ${seconds} s (seed ${SEED}); ${refused} refused; world rebuilt ${rebuilds}×; answers: ${byCode}; ${violations.length} violations`;
}

function reset(): void {
  violations.length = 0;
  codes.clear();
  calls = 0;
  refused = 0;
}

it('the snapshot sees every change except the ones a refusal may make (rate-limit counters, token last use)', async () => {
  await ensureWorld();
  const before = await takeSnapshot(t.db, snapshotSql);
  await t.sql(`INSERT INTO rate_limit (key, at, count) VALUES ('self-check', now(), 1)`);
  await t.sql(`UPDATE token SET last_used_at = now()`);
  expect(changedTables(before, await takeSnapshot(t.db, snapshotSql))).toEqual([]);
  await t.sql(`UPDATE workspace SET name = name || '!' WHERE id = $1`, [world.workspaceId]);
  await t.sql(`UPDATE workspace SET name = left(name, -1) WHERE id = $1`, [world.workspaceId]);
  expect(changedTables(before, await takeSnapshot(t.db, snapshotSql))).toEqual([]);
  await t.sql(`UPDATE membership SET profile_job_title = 'x' WHERE workspace_id = $1 AND account_id = $2`, [world.workspaceId, world.users.viewer.id]);
  const [mail] = await t.sql('SELECT id FROM outbox_email ORDER BY id LIMIT 1');
  await t.sql(`UPDATE outbox_email SET attempts = attempts + 1 WHERE id = $1`, [mail.id]);
  expect(changedTables(before, await takeSnapshot(t.db, snapshotSql))).toEqual(['membership', 'outbox_email']);
  await t.sql(`UPDATE membership SET profile_job_title = NULL WHERE workspace_id = $1 AND account_id = $2`, [world.workspaceId, world.users.viewer.id]);
  await t.sql(`UPDATE outbox_email SET attempts = attempts - 1 WHERE id = $1`, [mail.id]);
  expect(changedTables(before, await takeSnapshot(t.db, snapshotSql))).toEqual([]);
});

it(
  'every mutation survives hostile arguments from every role: no internal errors, no partial writes, no cross-workspace change',
  async () => {
    const started = Date.now();
    reset();
    const schema = await buildBareSchema();
    const mutations = Object.values(schema.getMutationType()!.getFields());
    expect(mutations.length).toBeGreaterThan(30);
    await ensureWorld();
    await fuzz(mutations.map(mutationCase), RUNS);

    // Still up, and still serving a signed-in caller.
    await ensureWorld();
    const me = await t.gql('{ me { id } }', {}, { as: { token: (await tokenFor('owner'))! } });
    expect(me.errors).toBeUndefined();
    expect(me.data.me.id).toBe(world.users.owner.id);
    console.log(summary(`${mutations.length} mutations`, started));
    expect(distinctViolations()).toEqual([]);
  },
  Math.max(120_000, RUNS * 50 * 500),
);

it(
  'every query and paginated list survives hostile arguments (out-of-range first, bad cursors, bad filters) and never writes',
  async () => {
    const started = Date.now();
    reset();
    const cases = queryCases(await buildBareSchema());
    expect(cases.map((c) => c.label)).toEqual(expect.arrayContaining(['query.workspaces', 'query.workspace.people', 'query.project.runs']));
    await fuzz(cases, Math.max(2, Math.ceil(RUNS / 2)));
    console.log(summary(`${cases.length} queries and lists`, started));
    expect(distinctViolations()).toEqual([]);
  },
  Math.max(120_000, RUNS * 20 * 500),
);
