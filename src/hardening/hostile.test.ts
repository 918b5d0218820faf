import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import fc from 'fast-check';
import { Visibility } from '../common/enums';
import { TestServer, type TestUser } from '../test/harness';

/**
 * Hostile requests, generated: malformed JSON, wrong types in the request, deep variables,
 * unknown operations, huge literals, bad cursors, control characters and unpaired surrogates,
 * odd headers and encodings, over POST and GET, as a guest, a member and a bad token. Whatever
 * they send, no answer is a 500 or INTERNAL_SERVER_ERROR, every /graphql answer is JSON with a
 * code the README lists, no answer shows a stack trace, and the server logs no unexpected error.
 *
 * HOSTILE_RUNS (default 10,000) requests; HOSTILE_SEED replays a run.
 */

const RUNS = Number(process.env.HOSTILE_RUNS ?? 10_000);
const SEED = Number(process.env.HOSTILE_SEED ?? Date.now() % 2 ** 31);
const CONCURRENCY = 8;

let t: TestServer;
const unexpected: unknown[] = [];
let member: TestUser;
let ids: { workspace: string; project: string };

beforeAll(async () => {
  // A small code limit makes bodies over the limit cheap to send; sign-in limits stay on.
  t = await TestServer.start({ maxCodeBytes: 4096 }, { log: (e) => unexpected.push(e) });
  member = await t.signUp();
  const ws = await t.createWorkspace(member, { visibility: Visibility.PUBLIC });
  const project = await t.ok(
    'mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }',
    { input: { workspaceId: ws.id, name: 'p', visibility: Visibility.PUBLIC } },
    { as: member },
  );
  ids = { workspace: ws.id, project: project.createProject.id };
});
afterAll(() => t?.stop());

// ---------------------------------------------------------------------------- what is sent

interface HostileRequest {
  method: string;
  query?: string;
  headers: Record<string, string>;
  body?: Buffer | string;
  kind: string;
}

/** Characters that break naive handling: controls, NUL, bidirectional overrides, BOM, lone surrogates, astral, and syntax. */
const UNITS = [
  '\u0000',
  '\u0001',
  '\u0007',
  '\b',
  '\t',
  '\n',
  '\r',
  '\u001b',
  '\u007f',
  '\u0085',
  '\u202e',
  '\u2066',
  '\u2069',
  '\ufeff',
  '\ud800',
  '\udfff',
  '\u{1f600}',
  '\u2028',
  '"',
  '\\',
  '{',
  '}',
  '[',
  ']',
  '$',
  '#',
  ':',
  ' ',
  'a',
  'Z',
  '0',
  '@',
  '.',
  'é',
  '\u00ff',
];
// An array joined rather than fc.string with a unit: fast-check rebuilt the unit's reverse mapping for every string it met.
const hostileString = fc.array(fc.constantFrom(...UNITS), { maxLength: 24 }).map((units) => units.join(''));
const hugeString = fc.integer({ min: 1_000, max: 12_000 }).chain((n) => fc.constantFrom('a', '\u0000', '\ud800', 'é', '\u{1f600}').map((c) => c.repeat(n)));
const anyString = fc.oneof(
  { weight: 6, arbitrary: hostileString },
  { weight: 1, arbitrary: hugeString },
  { weight: 2, arbitrary: fc.string({ maxLength: 30 }) },
);

/** Cursors: garbage, base64 of random JSON, of the right shape with the wrong types, of deep JSON. */
const cursor = fc.oneof(
  anyString,
  fc.jsonValue({ maxDepth: 2 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null').toString('base64url')),
  fc
    .tuple(fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), hostileString), fc.oneof(fc.uuid(), hostileString))
    .map((v) => Buffer.from(JSON.stringify(v)).toString('base64url')),
  fc.integer({ min: 1, max: 3000 }).map((d) => Buffer.from('['.repeat(d) + ']'.repeat(d)).toString('base64url')),
);

/** A JSON value nested `depth` lists or objects deep (built as text: JSON.stringify recurses). */
const deepJson = fc
  .tuple(fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 0, max: 64 }) }, fc.integer({ min: 64, max: 6000 })), fc.constantFrom('[', '{'), hostileString)
  .map(([depth, kind, leaf]) => {
    const open = kind === '[' ? '[' : '{"a":';
    const close = kind === '[' ? ']' : '}';
    return open.repeat(depth) + JSON.stringify(leaf) + close.repeat(depth);
  });

/** Any value where a variable goes. */
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  anyString,
  fc.integer(),
  fc.constantFrom(2 ** 31, -(2 ** 31) - 1, 1e308, -0, 0.5, Number.MAX_SAFE_INTEGER, 1000, -1, 0, 100, 101),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 2 }),
  fc.uuid(),
  cursor,
);

/** Real operations with hostile values in their variables. */
const operations: [string, (v: () => fc.Arbitrary<unknown>) => fc.Arbitrary<Record<string, unknown>>][] = [
  [
    'query($first: Int, $after: String, $search: String) { workspaces(first: $first, after: $after, filter: { search: $search }) { totalCount edges { cursor node { id name } } } }',
    (v) => fc.record({ first: v(), after: cursor, search: v() }, { requiredKeys: [] }),
  ],
  [
    'query($id: ID!, $first: Int, $after: String, $order: PeopleOrder, $filter: PeopleFilter) { workspace(id: $id) { people(first: $first, after: $after, orderBy: $order, filter: $filter) { totalCount edges { cursor node { __typename } } } } }',
    (v) =>
      fc.record(
        {
          id: fc.oneof(fc.constant(ids.workspace), v()),
          first: v(),
          after: cursor,
          order: fc.oneof(
            v(),
            fc.record({ field: fc.constantFrom('NAME', 'EMAIL', 'ROLE', 'STATUS', 'CREATED_AT', 'NOPE'), direction: fc.constantFrom('ASC', 'DESC', 'UP') }),
          ),
          filter: fc.oneof(v(), fc.record({ search: v(), roles: v(), statuses: v() }, { requiredKeys: [] })),
        },
        { requiredKeys: ['id'] },
      ),
  ],
  [
    'query($id: ID!, $after: String, $first: Int, $order: ProjectOrder) { workspace(id: $id) { projects(first: $first, after: $after, orderBy: $order) { edges { cursor node { id jobs(first: 2, after: $after) { totalCount } } } } } }',
    (v) =>
      fc.record(
        {
          id: fc.oneof(fc.constant(ids.workspace), v()),
          after: cursor,
          first: v(),
          order: fc.oneof(v(), fc.record({ field: fc.constantFrom('NAME', 'CREATED_AT', 'MODIFIED_AT', 'X'), direction: v() })),
        },
        { requiredKeys: ['id'] },
      ),
  ],
  [
    'query($id: ID!, $after: String) { project(id: $id) { runs(after: $after) { totalCount edges { cursor } } jobs(after: $after) { edges { cursor } } } }',
    (v) => fc.record({ id: fc.oneof(fc.constant(ids.project), v()), after: cursor }),
  ],
  [
    'mutation($input: SignInInput!) { signIn(input: $input) { token } }',
    (v) =>
      fc.oneof(
        v().map((input) => ({ input })),
        fc.record({ input: fc.record({ email: v(), password: v() }, { requiredKeys: [] }) }),
      ),
  ],
  [
    'mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { id } }',
    (v) =>
      fc.record({
        input: fc.oneof(v(), fc.record({ name: v(), description: v(), visibility: fc.oneof(v(), fc.constantFrom('PUBLIC', 'SECRET')) }, { requiredKeys: [] })),
      }),
  ],
  [
    'mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }',
    (v) => fc.record({ input: fc.record({ workspaceId: fc.oneof(fc.constant(ids.workspace), v()), name: v(), description: v() }, { requiredKeys: [] }) }),
  ],
  [
    'mutation($input: InviteMembersInput!) { inviteMembers(input: $input) { results { email status } } }',
    (v) =>
      fc.record({
        input: fc.record(
          { workspaceId: fc.oneof(fc.constant(ids.workspace), v()), emails: fc.oneof(v(), fc.array(v(), { maxLength: 60 })), role: v(), message: v() },
          { requiredKeys: [] },
        ),
      }),
  ],
  ['query($token: String!) { invitationPreview(token: $token) { __typename } }', (v) => fc.record({ token: v() })],
];

/** A GraphQL string literal of `s`, escaped as JSON escapes it (valid GraphQL for BMP text). */
const literal = (s: string) => JSON.stringify(s);

/** Documents that are wrong in themselves. */
const hostileDocument: fc.Arbitrary<string> = fc.oneof(
  hostileString,
  fc.string({ maxLength: 200 }),
  // Literal values of every wrong kind where arguments go.
  fc
    .tuple(
      fc.oneof(
        anyString.map(literal),
        fc.constantFrom('99999999999', '1e400', '-1', '1000', '0', 'null', 'true', 'NOPE', '[1,2]', '{a: 1}', '$x', '"""block"""', '9'.repeat(500)),
      ),
      fc.constantFrom(
        'workspaces(first: %)',
        'workspaces(after: %)',
        'workspace(id: %)',
        'workspaces(filter: { search: % })',
        'workspaces(orderBy: { field: % })',
        'invitationPreview(token: %)',
      ),
    )
    .map(([value, field]) => `{ ${field.replace('%', value)} { __typename } }`),
  // Unknown and ambiguous operations, subscriptions, fragments that do not resolve.
  fc.constantFrom(
    'subscription { __typename }',
    'subscription S { x }',
    'query A { __typename } query B { __typename }',
    'query A { __typename } query A { __typename }',
    '{ ...F }',
    'fragment F on Query { __typename }',
    '{ ...F } fragment F on Query { ...F }',
    'mutation { __typename }',
    'query($x: Int!) { __typename }',
    '{ __schema { types { fields { type { fields { type { name } } } } } } }',
    '{ __type(name: "\\u0000") { name } }',
    '{ me { id } me: __typename }',
  ),
  // Nesting, long names, many tokens, many aliases.
  fc.integer({ min: 1, max: 3000 }).map((d) => `{ ${'me { '.repeat(d)}id${' }'.repeat(d)} }`),
  fc.integer({ min: 1, max: 3000 }).map((d) => `{ workspaces(filter: ${'{ search: '.repeat(d)}"x"${' }'.repeat(d)}) { totalCount } }`),
  fc.integer({ min: 1, max: 3000 }).map((d) => `{ workspaces(after: ${'['.repeat(d)}${']'.repeat(d)}) { totalCount } }`),
  fc.integer({ min: 100, max: 12_000 }).map((n) => `{ ${'x'.repeat(n)} }`),
  fc.integer({ min: 2, max: 400 }).map((n) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: me { id }`).join(' ')} }`),
  fc.integer({ min: 2, max: 3500 }).map((n) => `{ ${'__typename '.repeat(n)}}`),
  hugeString.map((s) => `{ workspace(id: ${literal(s)}) { id } }`),
);

const headerValue = fc.oneof(
  fc.constantFrom('application/json', 'application/graphql-response+json', '*/*', 'text/html', 'application/json;q=0', 'nonsense', ''),
  fc.string({ unit: 'grapheme-ascii', maxLength: 20 }),
);
/** Mostly no Accept header or a usual one: most other values are answered 406 before anything else is looked at. */
const accept = fc.oneof(
  { weight: 6, arbitrary: fc.constant(undefined) },
  { weight: 3, arbitrary: fc.constantFrom('application/json', 'application/graphql-response+json', '*/*') },
  { weight: 1, arbitrary: headerValue },
);
const auth = fc.oneof(
  fc.constant(undefined),
  fc.constant('member'),
  fc.constantFrom('Bearer ', 'Bearer x', 'Basic abc', 'bearer', 'Bearer ' + 'a'.repeat(5000), 'Bearer \u00ff', 'Token t'),
);

const withHeaders = (kind: string, method: string, body: Buffer | string | undefined, extra: Record<string, string> = {}) =>
  fc.record({ accept, authorization: auth }).map(({ accept, authorization }): HostileRequest => {
    const headers: Record<string, string> = { ...extra };
    if (accept !== undefined) headers.accept = accept;
    if (authorization === 'member') headers.authorization = `Bearer ${member.token}`;
    else if (authorization !== undefined) headers.authorization = authorization;
    return { kind, method, body, headers };
  });

const json = { 'content-type': 'application/json' };
const TOO_LARGE = ['a', '[', '{"query":"'].map((c) => c.repeat(75_000));
const BOMBS = [1_000, 100_000, 500_000].map((n) => zlib.gzipSync(Buffer.from(`{"query":"{ __typename }","x":"${'a'.repeat(n)}"}`)));

const hostileRequest: fc.Arbitrary<HostileRequest> = fc.oneof(
  // Malformed JSON: random text, truncated or corrupted valid requests.
  {
    weight: 2,
    arbitrary: fc
      .oneof(
        fc.string({ maxLength: 100 }),
        fc.string({ unit: 'binary', maxLength: 100 }),
        fc.constantFrom(
          '',
          '{',
          '[',
          'null',
          '1',
          '"x"',
          '{"query":',
          '{"query":"{__typename}"',
          '\ufeff{"query":"{__typename}"}',
          '{"query":"{__typename}"}}',
        ),
      )
      .chain((body) => withHeaders('malformed JSON', 'POST', body, json)),
  },
  // A JSON body of the wrong shape: wrong types for query, variables, operationName, extensions; batches.
  {
    weight: 2,
    arbitrary: fc
      .record(
        {
          query: fc.oneof(anyValue, fc.constant('{ __typename }')),
          variables: anyValue,
          operationName: anyValue,
          extensions: fc.oneof(anyValue, fc.record({ persistedQuery: fc.record({ version: anyValue, sha256Hash: anyValue }) })),
        },
        { requiredKeys: [] },
      )
      .chain((payload) => fc.oneof(fc.constant(JSON.stringify(payload)), fc.constant(JSON.stringify([payload, payload]))))
      .chain((body) => withHeaders('wrong request shape', 'POST', body, json)),
  },
  // Deep variables, declared or not.
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        deepJson,
        fc.constantFrom('{ __typename }', 'query($s: String) { workspaces(filter: { search: $s }) { totalCount } }', 'query($s: [String]) { __typename }'),
      )
      .chain(([deep, query]) => withHeaders('deep variables', 'POST', `{"query":${JSON.stringify(query)},"variables":{"s":${deep}}}`, json)),
  },
  // Real operations with hostile variables.
  {
    weight: 4,
    arbitrary: fc
      .constantFrom(...operations)
      .chain(([query, vars]) => vars(() => anyValue).map((variables) => ({ query, variables })))
      .chain(({ query, variables }) => withHeaders('hostile variables', 'POST', JSON.stringify({ query, variables }), json)),
  },
  // Hostile documents, with a random operation name now and then.
  {
    weight: 4,
    arbitrary: fc
      .tuple(hostileDocument, fc.option(anyString, { nil: undefined }))
      .chain(([query, operationName]) => withHeaders('hostile document', 'POST', JSON.stringify({ query, operationName }), json)),
  },
  // The same over GET, mutations included (refused over GET).
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.oneof(hostileDocument, fc.constantFrom(...operations.map(([q]) => q))),
        fc.option(fc.oneof(anyString, deepJson), { nil: undefined }),
        fc.option(anyString, { nil: undefined }),
      )
      .map(([query, variables, operationName]) => {
        const params = new URLSearchParams({ query });
        if (variables !== undefined) params.set('variables', variables);
        if (operationName !== undefined) params.set('operationName', operationName);
        return params.toString();
      })
      .chain((query) => withHeaders('GET', 'GET', undefined).map((r) => ({ ...r, query }))),
  },
  // Odd content types, encodings, methods and bodies over the limit.
  fc
    .tuple(
      fc.constantFrom(
        'application/json; charset=latin1',
        'application/json; charset=utf-16',
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/graphql',
        'application/json; charset="',
        '',
      ),
      fc.constantFrom(undefined, 'gzip', 'deflate', 'br', 'identity', 'compress', 'gzip, gzip', 'x'),
      fc.boolean(),
      fc.constantFrom('POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'),
    )
    .chain(([contentType, encoding, compress, method]) => {
      const plain = Buffer.from(JSON.stringify({ query: '{ __typename }' }));
      const body =
        compress && encoding === 'gzip'
          ? zlib.gzipSync(plain)
          : compress && encoding === 'deflate'
            ? zlib.deflateSync(plain)
            : compress && encoding === 'br'
              ? zlib.brotliCompressSync(plain)
              : plain;
      const headers: Record<string, string> = { 'content-type': contentType, 'apollo-require-preflight': 'true' };
      if (encoding) headers['content-encoding'] = encoding;
      return withHeaders('encodings and methods', method, body, headers);
    }),
  // Bodies over the limit (about 70 KB here), plain or as a small gzip that inflates past it.
  fc.constantFrom(...TOO_LARGE).chain((body) => withHeaders('too large', 'POST', body, json)),
  fc.constantFrom(...BOMBS).chain((body) => withHeaders('gzip bomb', 'POST', body, { ...json, 'content-encoding': 'gzip' })),
);

// ---------------------------------------------------------------------------- how it is sent

interface Answer {
  status: number;
  contentType: string;
  text: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
afterAll(() => agent.destroy());

function send(request: HostileRequest): Promise<Answer> {
  const url = new URL(t.url);
  return new Promise((resolve, reject) => {
    // An explicit length: Node's client sends a DELETE's body with neither length nor chunking.
    const headers = request.body === undefined ? request.headers : { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) };
    const req = http.request(
      { agent, host: url.hostname, port: url.port, method: request.method, path: url.pathname + (request.query ? `?${request.query}` : ''), headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(request.body);
  });
}

/** The rows of the README's "Error codes" table. */
const documentedCodes = () => {
  const readme = fs.readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
  const section = /^## Error codes\n([\s\S]*?)(?=^## )/m.exec(readme)?.[1] ?? '';
  return new Set([...section.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]));
};

describe('hostile requests', () => {
  it('answers a body that does not decode as its headers say with 400 BAD_REQUEST as JSON, not an HTML stack trace', async () => {
    const plain = JSON.stringify({ query: '{ __typename }' });
    for (const headers of [
      { 'content-encoding': 'gzip' },
      { 'content-encoding': 'br' },
      { 'content-encoding': 'deflate', 'content-type': 'application/json; charset=utf-16' },
      { 'content-encoding': 'gzip', 'content-type': 'application/json; charset="' },
    ]) {
      const answer = await send({ kind: 'explicit', method: 'POST', body: plain, headers: { ...json, ...headers } });
      expect([answer.status, answer.contentType]).toEqual([400, expect.stringMatching(/^application\/json/)]);
      expect(JSON.parse(answer.text)).toEqual({ errors: [{ message: expect.any(String), extensions: { code: 'BAD_REQUEST' } }] });
    }
  });

  it(`${RUNS} generated hostile requests get no 500 and no INTERNAL_SERVER_ERROR`, async () => {
    const generating = Date.now();
    const requests = fc.sample(hostileRequest, { numRuns: RUNS, seed: SEED });
    const generatedIn = Date.now() - generating;
    const documented = documentedCodes();
    const statuses = new Map<number, number>();
    const codes = new Map<string, number>();
    const kinds = new Map<string, number>();
    const busy = new Map<string, number>();
    const failures: string[] = [];
    const started = Date.now();
    const cpu = process.cpuUsage();
    let next = 0;
    const worker = async () => {
      while (next < requests.length) {
        const request = requests[next++];
        let answer: Answer;
        const sentAt = Date.now();
        try {
          answer = await send(request);
        } catch (error) {
          answer = { status: 0, contentType: '', text: String(error) };
        }
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        kinds.set(request.kind, (kinds.get(request.kind) ?? 0) + 1);
        busy.set(request.kind, (busy.get(request.kind) ?? 0) + Date.now() - sentAt);
        const problem = check(request, answer, documented, codes);
        if (problem && failures.length < 20) {
          failures.push(
            `${problem}: ${request.kind} ${request.method} ${JSON.stringify(request.headers)} ${(request.query ?? String(request.body ?? '')).slice(0, 200)} -> ${answer.status} ${answer.contentType} ${answer.text.slice(0, 300)}`,
          );
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const count = (status: number) => statuses.get(status) ?? 0;
    const internal = codes.get('INTERNAL_SERVER_ERROR') ?? 0;
    console.log(
      `hostile requests (seed ${SEED}): ${requests.length} generated in ${generatedIn} ms, sent in ${Date.now() - started} ms (${Math.round((process.cpuUsage(cpu).user + process.cpuUsage(cpu).system) / 1000)} ms of this process's CPU); status 500: ${count(500)}, INTERNAL_SERVER_ERROR: ${internal}\n` +
        `statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}\ncodes ${JSON.stringify(Object.fromEntries([...codes].sort()))}\nkinds (requests, total ms) ${JSON.stringify(Object.fromEntries([...kinds].map(([k, n]) => [k, [n, busy.get(k)]])))}` +
        (failures.length ? `\nfailures:\n${failures.join('\n')}` : ''),
    );
    expect(count(500)).toBe(0);
    expect(internal).toBe(0);
    expect(failures).toEqual([]);
    expect(unexpected).toEqual([]);
    // The server still answers.
    expect((await t.ok('{ me { id } }', {}, { as: member })).me).not.toBeNull();
    // About half a minute on an idle machine; generous for a loaded one.
  }, 240_000);
});

/** What is wrong with an answer, or null. Counts its codes into `codes`. */
function check(request: HostileRequest, answer: Answer, documented: Set<string>, codes: Map<string, number>): string | null {
  if (answer.status >= 500) return `status ${answer.status}`;
  if (answer.status === 0) return `no answer (${answer.text})`;
  if (/\n\s+at |node_modules|\.ts:\d+/.test(answer.text)) return 'stack trace';
  // HEAD has no body, and OPTIONS is the CORS preflight's (204). Node itself refuses headers
  // (the URL of a GET included) over its 16 KiB limit with an empty 431, before Express sees them.
  if (request.method === 'HEAD' || request.method === 'OPTIONS' || answer.status === 431) return null;
  if (!answer.contentType.startsWith('application/json') && !answer.contentType.startsWith('application/graphql-response+json')) {
    // A browser's GET of the playground page.
    if (request.method === 'GET' && answer.contentType.startsWith('text/html') && answer.status === 200) return null;
    return `content type ${answer.contentType}`;
  }
  let body: { data?: unknown; errors?: { message?: unknown; extensions?: { code?: unknown } }[] };
  try {
    body = JSON.parse(answer.text);
  } catch {
    return 'not JSON';
  }
  for (const error of body.errors ?? []) {
    const code = String(error.extensions?.code);
    codes.set(code, (codes.get(code) ?? 0) + 1);
    if (code === 'INTERNAL_SERVER_ERROR') return 'INTERNAL_SERVER_ERROR';
    if (!documented.has(code)) return `code ${code} is not in the README`;
  }
  if (answer.status >= 400 && !body.errors?.length) return 'a refusal without errors';
  return null;
}
