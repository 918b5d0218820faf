import { serverAudits } from 'graphql-http';
import { TestServer, codeOf } from '../test/harness';
import { loadConfig } from '../config';
import type express from 'express';
import { bodyLimitBytes, chain } from './http';

let t: TestServer;
beforeAll(async () => {
  t = await TestServer.start();
});
afterAll(() => t.stop());

const post = (url: string, body: string, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

describe('GraphQL over HTTP', () => {
  it('passes the graphql-http server audit with no errors and no warnings', async () => {
    const results = await Promise.all(serverAudits({ url: t.url }).map((audit) => audit.fn()));
    const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
    for (const r of results) counts[r.status]++;
    const failures = results.filter((r) => r.status !== 'ok').map((r) => `${r.status} ${r.name}: ${'reason' in r ? r.reason : ''}`);
    console.log(`graphql-http audit: ${JSON.stringify(counts)}${failures.length ? `\n${failures.join('\n')}` : ''}`);
    expect(failures).toEqual([]);
    expect(counts.error).toBe(0);
    expect(counts.warn).toBe(0);
  });

  it('answers a validation failure with 200 to application/json clients and 400 to application/graphql-response+json ones', async () => {
    const body = JSON.stringify({ query: '{ noSuchField }' });
    const legacy = await post(t.url, body, { accept: 'application/json' });
    const modern = await post(t.url, body, { accept: 'application/graphql-response+json' });
    expect(legacy.status).toBe(200);
    expect(modern.status).toBe(400);
    expect(modern.headers.get('content-type')).toContain('application/graphql-response+json');
    expect(((await modern.json()) as any).errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});

describe('credentials come from the Authorization header only', () => {
  it('a cookie holding a valid session token grants nothing', async () => {
    const user = await t.signUp();
    const cookie = [`token=${user.token}`, `session=${user.token}`, `authorization=Bearer%20${user.token}`, `Authorization=Bearer ${user.token}`].join('; ');
    const me = await t.gql('{ me { id } }', {}, { headers: { cookie } });
    // `me` is null for a guest: the request was served as a guest.
    expect(me.errors).toBeUndefined();
    expect(me.data).toEqual({ me: null });

    const create = await t.gql(
      'mutation { createWorkspace(input: { name: "Via cookie", visibility: PRIVATE, description: "" }) { id } }',
      {},
      { headers: { cookie } },
    );
    expect(codeOf(create)).toBe('UNAUTHENTICATED');
    expect(await t.sql(`SELECT id FROM workspace WHERE name = 'Via cookie'`)).toEqual([]);

    // The same token in the Authorization header works, so the refusal above is about the cookie.
    expect((await t.ok('{ me { id } }', {}, { as: user })).me.id).toBe(user.id);
  });

  it('answers a bad token with 401 and UNAUTHENTICATED, never as a guest', async () => {
    const res = await post(t.url, JSON.stringify({ query: '{ me { id } }' }), { authorization: 'Bearer ats_made-up' });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(((await res.json()) as any).errors[0].extensions).toEqual({ code: 'UNAUTHENTICATED' });
  });

  it('refuses a cross-site form or text/plain POST (CSRF) but serves a plain GET query', async () => {
    const user = await t.signUp();
    const form = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', authorization: `Bearer ${user.token}` },
      body: JSON.stringify({ query: '{ me { id } }' }),
    });
    expect(form.status).toBe(400);
    expect(((await form.json()) as any).errors[0].extensions.code).toBe('BAD_REQUEST');
    const urlencoded = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'query=%7B__typename%7D' });
    expect(urlencoded.status).toBe(400);

    const get = await fetch(`${t.url}?query=${encodeURIComponent('{ __typename }')}`);
    expect(get.status).toBe(200);
    expect((await get.json()) as any).toEqual({ data: { __typename: 'Query' } });
    // GET runs queries only.
    const mutation = await fetch(`${t.url}?query=${encodeURIComponent('mutation { signOut }')}`);
    expect(mutation.status).toBe(405);
  });
});

describe('request body size', () => {
  const LOOKUP = 'query($s: String!) { __type(name: $s) { name } }';

  it('accepts a code push of the configured size, base64-encoded', async () => {
    const base64 = Buffer.alloc(t.config.maxCodeBytes, 7).toString('base64');
    const res = await post(t.url, JSON.stringify({ query: LOOKUP, variables: { s: base64 } }));
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).data).toEqual({ __type: null });
    expect(bodyLimitBytes(t.config.maxCodeBytes)).toBeGreaterThan(base64.length);
  });

  it('refuses a larger body with 413', async () => {
    const small = await TestServer.start({ maxCodeBytes: 3000 });
    try {
      const limit = bodyLimitBytes(3000);
      const fits = await post(small.url, JSON.stringify({ query: LOOKUP, variables: { s: 'x'.repeat(limit - 200) } }));
      expect(fits.status).toBe(200);
      const tooBig = await post(small.url, JSON.stringify({ query: LOOKUP, variables: { s: 'x'.repeat(limit + 1) } }));
      expect(tooBig.status).toBe(413);
      expect(((await tooBig.json()) as any).errors[0].extensions).toEqual({ code: 'PAYLOAD_TOO_LARGE', limitBytes: limit });
    } finally {
      await small.stop();
    }
  });

  it('answers malformed JSON with 400 and a GraphQL-shaped error', async () => {
    const res = await post(t.url, '{"query": ');
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).errors[0].extensions.code).toBe('BAD_REQUEST');
  });
});

describe('CORS', () => {
  const preflight = (url: string, origin: string) =>
    fetch(url, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    });

  it('by default lets any origin call the API, without credentials', async () => {
    const res = await preflight(t.url, 'https://app.example.com');
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
  });

  it('reads CORS_ORIGINS as a comma-separated list', () => {
    expect(loadConfig({ CORS_ORIGINS: 'https://app.example.com, https://admin.example.com/' }).corsOrigins).toEqual([
      'https://app.example.com',
      'https://admin.example.com',
    ]);
    expect(loadConfig({}).corsOrigins).toBeUndefined();
  });

  it('with CORS_ORIGINS, allows only the listed origins', async () => {
    const strict = await TestServer.start({ corsOrigins: ['https://app.example.com'] });
    try {
      const allowed = await preflight(strict.url, 'https://app.example.com');
      expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
      const other = await preflight(strict.url, 'https://evil.example.net');
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
      const simple = await post(strict.url, JSON.stringify({ query: '{ __typename }' }), { origin: 'https://evil.example.net' });
      expect(simple.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await strict.stop();
    }
  });
});

describe('text the database cannot store', () => {
  it('is BAD_USER_INPUT, not an internal error', async () => {
    const result = await t.gql('mutation($input: SignInInput!) { signIn(input: $input) { token } }', {
      input: { email: 'a\u0000b@example.com', password: 'whatever1' },
    });
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
  });
});

describe('chain', () => {
  const req = {} as express.Request;
  const res = {} as express.Response;
  /** Runs `handlers` as one middleware and resolves with what reached the outer next, and the order of calls. */
  const run = (handlers: Parameters<typeof chain>[0], _calls: string[]) =>
    new Promise<unknown>((resolve) => chain(handlers)(req, res, (error?: unknown) => resolve(error ?? 'passed')));

  it('runs the handlers in order and hands the request on when they all pass it', async () => {
    const calls: string[] = [];
    const on =
      (name: string): express.RequestHandler =>
      (_q, _s, next) => {
        calls.push(name);
        next();
      };
    const errors: express.ErrorRequestHandler = (_e, _q, _s, next) => {
      calls.push('error handler');
      next();
    };
    expect(await run([on('a'), errors, on('b')], calls)).toBe('passed');
    expect(calls).toEqual(['a', 'b']);
  });

  it('skips to the next error handler on an error, thrown or rejected, and resumes after it', async () => {
    for (const fail of [
      ((_q, _s, next) => next(new Error('x'))) as express.RequestHandler,
      (() => {
        throw new Error('x');
      }) as express.RequestHandler,
      (async () => {
        throw new Error('x');
      }) as express.RequestHandler,
    ]) {
      const calls: string[] = [];
      const on =
        (name: string): express.RequestHandler =>
        (_q, _s, next) => {
          calls.push(name);
          next();
        };
      const handled: express.ErrorRequestHandler = (error, _q, _s, next) => {
        calls.push(`handled ${(error as Error).message}`);
        next();
      };
      expect(await run([fail, on('skipped'), handled, on('after')], calls)).toBe('passed');
      expect(calls).toEqual(['handled x', 'after']);
    }
  });

  it("moves on after next('route'), and takes a promise rejected without a reason for an error", async () => {
    const calls: string[] = [];
    const route: express.RequestHandler = (_q, _s, next) => next('route');
    const on: express.RequestHandler = (_q, _s, next) => {
      calls.push('after route');
      next();
    };
    expect(await run([route, on], calls)).toBe('passed');
    expect(calls).toEqual(['after route']);
    const silent: express.RequestHandler = () => Promise.reject(undefined);
    const error = await run([silent, on], calls);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe('Rejected promise');
    expect(calls).toEqual(['after route']);
  });

  it('hands an error no handler took to the outer next, and stops when a handler answers', async () => {
    const calls: string[] = [];
    const boom = new Error('boom');
    const fail: express.RequestHandler = (_q, _s, next) => next(boom);
    const skipped: express.RequestHandler = (_q, _s, next) => {
      calls.push('skipped');
      next();
    };
    expect(await run([fail, skipped], calls)).toBe(boom);
    let answered = false;
    const answer: express.RequestHandler = () => {
      answered = true;
    };
    chain([
      answer,
      () => {
        throw new Error('not reached');
      },
    ])(req, res, () => {
      throw new Error('not reached');
    });
    expect(answered).toBe(true);
    expect(calls).toEqual([]);
  });
});
