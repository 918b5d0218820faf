import fs from 'node:fs';
import path from 'node:path';
import { TestServer } from '../test/harness';
import { bodyLimitBytes } from './http';

/**
 * An argument value the schema refuses gets the same code whether it is written in the document
 * or sent as a variable: BAD_USER_INPUT, with the same HTTP status. And every code the server can
 * send is listed in the README's "Error codes" section with its HTTP status.
 */

let t: TestServer;
beforeAll(async () => {
  t = await TestServer.start({ maxCodeBytes: 4096 });
});
afterAll(() => t.stop());

interface Answer {
  status: number;
  codes: unknown[];
  messages: string[];
}
const post = async (body: unknown, headers: Record<string, string> = {}): Promise<Answer> => {
  const res = await fetch(t.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const json = (await res.json()) as { errors?: { message: string; extensions?: { code?: string } }[] };
  return { status: res.status, codes: (json.errors ?? []).map((e) => e.extensions?.code), messages: (json.errors ?? []).map((e) => e.message) };
};
const MODERN = { accept: 'application/graphql-response+json' };

describe('a bad argument value is BAD_USER_INPUT, written as a literal or sent as a variable', () => {
  const cases: [string, string, string, unknown][] = [
    // [what, literal query, the same with a variable, the variable's value]
    [
      'an Int out of 32-bit range',
      '{ workspaces(first: 99999999999) { totalCount } }',
      'query($v: Int) { workspaces(first: $v) { totalCount } }',
      99_999_999_999,
    ],
    ['a page size out of range', '{ workspaces(first: 1000) { totalCount } }', 'query($v: Int) { workspaces(first: $v) { totalCount } }', 1000],
    ['a string for an Int', '{ workspaces(first: "ten") { totalCount } }', 'query($v: Int) { workspaces(first: $v) { totalCount } }', 'ten'],
    [
      'an unknown enum value',
      '{ workspaces(orderBy: { field: NOPE }) { totalCount } }',
      'query($v: WorkspaceOrder) { workspaces(orderBy: $v) { totalCount } }',
      { field: 'NOPE' },
    ],
    [
      'a missing input field',
      'mutation { signIn(input: { email: "a@example.com" }) { token } }',
      'mutation($v: SignInInput!) { signIn(input: $v) { token } }',
      { email: 'a@example.com' },
    ],
    [
      'an unknown input field',
      'mutation { signIn(input: { email: "a@example.com", password: "x", extra: 1 }) { token } }',
      'mutation($v: SignInInput!) { signIn(input: $v) { token } }',
      { email: 'a@example.com', password: 'x', extra: 1 },
    ],
    [
      'null for a non-null field',
      'mutation { signIn(input: { email: null, password: "x" }) { token } }',
      'mutation($v: SignInInput!) { signIn(input: $v) { token } }',
      { email: null, password: 'x' },
    ],
    [
      'a list for a string',
      'mutation { signIn(input: { email: ["a"], password: "x" }) { token } }',
      'mutation($v: SignInInput!) { signIn(input: $v) { token } }',
      { email: { a: 1 }, password: 'x' },
    ],
  ];

  it.each(cases)('%s', async (_what, literal, withVariable, value) => {
    for (const headers of [{}, MODERN]) {
      const a = await post({ query: literal }, headers);
      const b = await post({ query: withVariable, variables: { v: value } }, headers);
      expect(a.codes).toEqual(['BAD_USER_INPUT']);
      expect(b.codes).toEqual(['BAD_USER_INPUT']);
      expect(a.status).toBe(b.status);
    }
  });

  it('keeps GRAPHQL_VALIDATION_FAILED for a document that asks for what the schema lacks', async () => {
    for (const query of ['{ nope }', '{ workspaces(nope: 1) { totalCount } }', 'mutation { signIn { token } }', 'query($v: Int) { __typename }']) {
      expect((await post({ query })).codes).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    }
  });
});

describe("the README's error codes", () => {
  const readme = fs.readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
  const section = /^## Error codes\n([\s\S]*?)(?=^## )/m.exec(readme)?.[1] ?? '';
  /** The table's rows by code: `| \`CODE\` | statuses | when |`. */
  const rows = new Map([...section.matchAll(/^\| `([A-Z_]+)` \| ([^|]+) \|/gm)].map((m) => [m[1], m[2]]));

  const examples: [string, () => Promise<Answer>, number][] = [
    ['BAD_USER_INPUT', () => post({ query: '{ workspaces(first: 1000) { totalCount } }' }), 200],
    ['BAD_USER_INPUT', () => post({ query: '{ workspaces(first: 99999999999) { totalCount } }' }, MODERN), 400],
    ['GRAPHQL_PARSE_FAILED', () => post({ query: '{' }, MODERN), 400],
    ['GRAPHQL_PARSE_FAILED', () => post({ query: '{' }), 200],
    ['GRAPHQL_VALIDATION_FAILED', () => post({ query: '{ nope }' }, MODERN), 400],
    ['BAD_REQUEST', () => post('{not json'), 400],
    ['BAD_REQUEST', () => post({ query: 'subscription { __typename }' }), 400],
    [
      'BAD_REQUEST',
      async () => {
        const res = await fetch(`${t.url}?query=${encodeURIComponent('mutation { signOut }')}`);
        return { status: res.status, codes: ((await res.json()) as any).errors.map((e: any) => e.extensions.code), messages: [] };
      },
      405,
    ],
    ['OPERATION_RESOLUTION_FAILURE', () => post({ query: '{ __typename }', operationName: 'Z' }), 400],
    ['PERSISTED_QUERY_NOT_SUPPORTED', () => post({ extensions: { persistedQuery: { version: 1, sha256Hash: 'abc' } } }), 400],
    ['PAYLOAD_TOO_LARGE', () => post({ query: '{ __typename }', pad: 'x'.repeat(bodyLimitBytes(t.config.maxCodeBytes)) }), 413],
    ['UNAUTHENTICATED', () => post({ query: '{ me { id } }' }, { authorization: 'Bearer nope' }), 401],
    ['UNAUTHENTICATED', () => post({ query: 'mutation { signOut }' }), 200],
    ['NOT_FOUND', () => post({ query: '{ workspace(id: "00000000-0000-4000-8000-000000000000") { id } }' }), 200],
  ];

  it.each(examples)('lists %s with the status it is sent with', async (code, send, status) => {
    const answer = await send();
    expect(answer.codes).toEqual([code]);
    expect(answer.status).toBe(status);
    expect(rows.get(code)).toContain(String(status));
  });

  it('lists the codes of docs/RULES.md §3, SERVICE_UNAVAILABLE and INTERNAL_SERVER_ERROR', async () => {
    for (const code of [
      'UNAUTHENTICATED',
      'NOT_FOUND',
      'FORBIDDEN',
      'BAD_USER_INPUT',
      'CONFLICT',
      'RATE_LIMITED',
      'SERVICE_UNAVAILABLE',
      'INTERNAL_SERVER_ERROR',
    ]) {
      expect([code, rows.has(code)]).toEqual([code, true]);
    }
  });
});
