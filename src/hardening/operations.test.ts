import { createHash } from 'node:crypto';
import { TestServer } from '../test/harness';

/**
 * Requests whose operation cannot run as sent (an operation name the document lacks, a
 * subscription, a persisted-query extension) are the client's mistake: each answers HTTP 400 with
 * a code that says what is wrong, never 500 or INTERNAL_SERVER_ERROR.
 */

let t: TestServer;
beforeAll(async () => {
  t = await TestServer.start();
});
afterAll(() => t.stop());

interface Answer {
  status: number;
  body: { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] };
}

const post = async (payload: unknown): Promise<Answer> => {
  const res = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) });
  return { status: res.status, body: (await res.json()) as Answer['body'] };
};
const get = async (params: Record<string, string>): Promise<Answer> => {
  const res = await fetch(`${t.url}?${new URLSearchParams(params)}`, { headers: { accept: 'application/json' } });
  return { status: res.status, body: (await res.json()) as Answer['body'] };
};
const codes = (answer: Answer) => (answer.body.errors ?? []).map((e) => e.extensions?.code);

describe('operations that cannot run as sent', () => {
  it('answers an unknown operationName with 400 OPERATION_RESOLUTION_FAILURE naming the operation, over POST and GET', async () => {
    for (const answer of [
      await post({ query: '{ __typename }', operationName: 'Z' }),
      await get({ query: '{ __typename }', operationName: 'Z' }),
      await post({ query: 'query A { __typename } query B { __typename }', operationName: 'Missing' }),
    ]) {
      expect(answer.status).toBe(400);
      expect(codes(answer)).toEqual(['OPERATION_RESOLUTION_FAILURE']);
      expect(answer.body.errors?.[0]?.message).toMatch(/"(Z|Missing)"/);
      expect(answer.body.data).toBeUndefined();
    }
  });

  it('answers a document with several operations and no operationName with 400 OPERATION_RESOLUTION_FAILURE', async () => {
    const answer = await post({ query: 'query A { __typename } query B { __typename }' });
    expect(answer.status).toBe(400);
    expect(codes(answer)).toEqual(['OPERATION_RESOLUTION_FAILURE']);
  });

  it('still runs the named operation of a document with several', async () => {
    const answer = await post({ query: 'query A { a: __typename } query B { b: __typename }', operationName: 'B' });
    expect(answer).toEqual({ status: 200, body: { data: { b: 'Query' } } });
  });

  it('answers a subscription with 400 BAD_REQUEST: the API has no subscriptions yet', async () => {
    for (const answer of [await post({ query: 'subscription { __typename }' }), await post({ query: 'subscription S { __typename }', operationName: 'S' })]) {
      expect(answer.status).toBe(400);
      expect(codes(answer)).toEqual(['BAD_REQUEST']);
      expect(answer.body.errors?.[0]?.message).toMatch(/subscription/i);
    }
  });

  it('refuses automatic persisted queries with 400 PERSISTED_QUERY_NOT_SUPPORTED, whatever the hash', async () => {
    const query = '{ __typename }';
    const sha256Hash = createHash('sha256').update(query).digest('hex');
    const persisted = (hash: unknown) => ({ persistedQuery: { version: 1, sha256Hash: hash } });
    for (const answer of [
      await post({ extensions: persisted(sha256Hash) }),
      await post({ query, extensions: persisted(sha256Hash) }),
      await post({ query, extensions: persisted('abc') }),
      await post({ extensions: persisted('abc') }),
      await post({ query, extensions: persisted(42) }),
      await get({ query, extensions: JSON.stringify(persisted('abc')) }),
      await get({ extensions: JSON.stringify(persisted(sha256Hash)) }),
    ]) {
      expect(answer.status).toBe(400);
      expect(codes(answer)).toEqual(['PERSISTED_QUERY_NOT_SUPPORTED']);
    }
    // The same query without the extension runs as usual.
    expect(await post({ query })).toEqual({ status: 200, body: { data: { __typename: 'Query' } } });
  });
});
