import fc from 'fast-check';
import { TestServer } from '../test/harness';
import { LIMITS } from './limits';

/**
 * Request variables are the client's JSON, of any shape and depth. However deep they nest, the
 * server walks them without recursion and refuses nesting past LIMITS.maxVariableDepth as
 * BAD_USER_INPUT, never a stack overflow answered as a 500.
 */

let t: TestServer;
beforeAll(async () => {
  t = await TestServer.start();
});
afterAll(() => t.stop());

interface Answer {
  status: number;
  body: { data?: unknown; errors?: { message: string; extensions?: Record<string, any> }[] };
}

const postRaw = async (body: string, accept = 'application/graphql-response+json'): Promise<Answer> => {
  const res = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json', accept }, body });
  return { status: res.status, body: (await res.json()) as Answer['body'] };
};
const nestedArrays = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
/** Arrays and objects around the deepest value: 0 for a scalar, 1 for `[]` or `{"a": 1}`. */
const depthOf = (value: unknown): number => (value !== null && typeof value === 'object' ? 1 + Math.max(0, ...Object.values(value).map(depthOf)) : 0);

describe('deeply nested variables', () => {
  it('refuses variables nested 4,000 levels deep (an 8 KB body) with 400 BAD_USER_INPUT', async () => {
    const body = `{"query":"{__typename}","variables":{"s":${nestedArrays(4000)}}}`;
    expect(body.length).toBeLessThan(8_100);
    for (const accept of ['application/graphql-response+json', 'application/json']) {
      const answer = await postRaw(body, accept);
      // A legacy application/json client gets 200 for a refused request, as for any bad variable (hardening/http.ts).
      expect(answer.status).toBe(accept === 'application/json' ? 200 : 400);
      expect(answer.body.errors).toHaveLength(1);
      expect(answer.body.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'MAX_DEPTH', limit: LIMITS.maxVariableDepth });
      expect(answer.body.errors![0].message).toMatch(/nest/);
      expect(answer.body.data).toBeUndefined();
    }
  });

  it('refuses deep objects too, and variables the operation declares, and still answers afterwards', async () => {
    let deepObject = '"x"';
    for (let i = 0; i < 20_000; i++) deepObject = `{"a":${deepObject}}`;
    for (const body of [
      `{"query":"{__typename}","variables":{"s":${deepObject}}}`,
      `{"query":"query($s: Boolean!) { __typename @include(if: $s) }","variables":{"s":${nestedArrays(100_000)}}}`,
      `{"query":"mutation($input: SignInInput!) { signIn(input: $input) { token } }","variables":{"input":{"email":${nestedArrays(5000)},"password":"x"}}}`,
    ]) {
      const answer = await postRaw(body);
      expect(answer.status).toBe(400);
      expect(answer.body.errors?.map((e) => [e.extensions?.code, e.extensions?.reason])).toEqual([['BAD_USER_INPUT', 'MAX_DEPTH']]);
    }
    expect((await postRaw('{"query":"{__typename}"}')).body).toEqual({ data: { __typename: 'Query' } });
  });

  it('accepts variables nested up to the limit', async () => {
    const answer = await postRaw(`{"query":"{__typename}","variables":{"s":${nestedArrays(LIMITS.maxVariableDepth)}}}`);
    expect(answer).toEqual({ status: 200, body: { data: { __typename: 'Query' } } });
  });

  it('property: any JSON as variables answers data or BAD_USER_INPUT, never a 500; past the depth limit always MAX_DEPTH', async () => {
    // A value of random shape wrapped in `depth` random arrays and objects.
    const wrapped = fc.tuple(
      fc.jsonValue({ maxDepth: 3 }),
      fc.array(fc.constantFrom('[', '{'), { maxLength: 3 * LIMITS.maxVariableDepth }),
      fc.string({ maxLength: 3 }),
    );
    await fc.assert(
      fc.asyncProperty(wrapped, async ([inner, wrappers, key]) => {
        let text = JSON.stringify(inner) ?? 'null';
        for (const w of wrappers) text = w === '[' ? `[${text}]` : `{${JSON.stringify(key)}:${text}}`;
        const answer = await postRaw(`{"query":"{__typename}","variables":{"v":${text}}}`);
        expect(answer.status).not.toBe(500);
        const codes = (answer.body.errors ?? []).map((e) => e.extensions?.code);
        if (wrappers.length + depthOf(inner) > LIMITS.maxVariableDepth) {
          expect(answer.status).toBe(400);
          expect(answer.body.errors?.map((e) => e.extensions?.reason)).toEqual(['MAX_DEPTH']);
        } else if (codes.length) {
          expect(codes).toEqual(['BAD_USER_INPUT']);
        } else {
          expect(answer.body).toEqual({ data: { __typename: 'Query' } });
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe("text PostgreSQL cannot store names the argument, not the client's variable", () => {
  const SIGN_UP = 'signUp(input: { email: "nul@example.com", password: "long enough", name: $t }) { token }';
  const refusal = async (query: string, variables: Record<string, unknown>) => {
    const answer = await postRaw(JSON.stringify({ query, variables }));
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toHaveLength(1);
    const [error] = answer.body.errors!;
    expect(error.extensions?.code).toBe('BAD_USER_INPUT');
    return { message: error.message, fields: error.extensions?.fields };
  };
  const nul = 'A\u0000B';
  const surrogate = 'A\ud800B';

  it('a variable inside an input literal: input.name, whatever the variable is called', async () => {
    for (const value of [nul, surrogate]) {
      expect(await refusal(`mutation($t: String!) { ${SIGN_UP} }`, { t: value })).toEqual({
        message: 'input.name must not contain NUL characters or unpaired surrogates.',
        fields: [{ field: 'name', message: 'name must not contain NUL characters or unpaired surrogates.' }],
      });
    }
    // Spread through a fragment, too.
    const fragment = await refusal(`mutation($t: String!) { ...F } fragment F on Mutation { ${SIGN_UP} }`, { t: nul });
    expect(fragment.message).toMatch(/^input\.name must not/);
    // The operation run, not another of the document with a variable of the same name.
    const answer = await postRaw(
      JSON.stringify({
        query: `mutation A($t: String!) { signIn(input: { email: $t, password: "x" }) { token } } mutation B($t: String!) { ${SIGN_UP} }`,
        operationName: 'B',
        variables: { t: nul },
      }),
    );
    expect(answer.body.errors?.[0]?.message).toMatch(/^input\.name must not/);
  });

  it('an input object variable: the argument, then the path inside it', async () => {
    const q = 'mutation($whatever: SignUpInput!) { signUp(input: $whatever) { token } }';
    const named = await refusal(q, { whatever: { email: 'nul@example.com', password: 'long enough', name: nul } });
    expect(named).toEqual({
      message: 'input.name must not contain NUL characters or unpaired surrogates.',
      fields: [{ field: 'name', message: 'name must not contain NUL characters or unpaired surrogates.' }],
    });
  });

  it('a list item, a scalar argument and a string literal', async () => {
    const owner = await t.signUp();
    const ws = await t.createWorkspace(owner);
    const invite = 'mutation($a: String!, $b: String!, $w: ID!) { inviteMembers(input: { workspaceId: $w, emails: [$a, $b] }) { results { email } } }';
    expect((await refusal(invite, { a: 'a@example.com', b: surrogate, w: ws.id })).message).toBe(
      'input.emails.1 must not contain NUL characters or unpaired surrogates.',
    );
    expect((await refusal('query($x: ID!) { workspace(id: $x) { id } }', { x: nul })).fields).toEqual([
      { field: 'id', message: expect.stringMatching(/^id must not/) },
    ]);
    const literal = await refusal('mutation { signIn(input: { email: "a\\u0000@b.co", password: "x" }) { token } }', {});
    expect(literal.message).toBe('input.email must not contain NUL characters or unpaired surrogates.');
  });

  it('ignores a variable the operation does not declare, as graphql-js does', async () => {
    expect(await postRaw(JSON.stringify({ query: '{ __typename }', variables: { t: nul } }))).toEqual({ status: 200, body: { data: { __typename: 'Query' } } });
  });
});
