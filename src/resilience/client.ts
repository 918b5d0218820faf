import type { GqlResult } from '../test/harness';

/** One GraphQL call over HTTP to `url`, as the bearer of `token` (none: a guest). Network failures come back as `{ status: 0 }`. */
export async function gqlAt<T = any>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string | null,
  timeoutMs = 30_000,
): Promise<GqlResult<T> & { retryAfter?: string | null }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, variables }), signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    return { status: 0, errors: [{ message: String((error as Error)?.message ?? error), extensions: { code: 'NETWORK' } }] };
  }
  const text = await res.text();
  try {
    return { ...(JSON.parse(text) as GqlResult<T>), status: res.status, retryAfter: res.headers.get('retry-after') };
  } catch {
    return { status: res.status, errors: [{ message: `non-JSON body: ${text.slice(0, 200)}`, extensions: { code: 'NON_JSON' } }] };
  }
}

/** Like gqlAt, but throws on any error and returns `data`. */
export async function okAt<T = any>(url: string, query: string, variables: Record<string, unknown> = {}, token?: string | null): Promise<T> {
  const result = await gqlAt<T>(url, query, variables, token);
  if (result.errors?.length) throw new Error(`unexpected errors from ${url}: ${JSON.stringify(result.errors)}`);
  return result.data as T;
}

export const SIGN_UP = `mutation($input: SignUpInput!) { signUp(input: $input) { token me { id email } } }`;

let n = 0;
/** Signs up a new account through `url`; returns its id, email, name and session token. */
export async function signUpAt(url: string, name = `Person ${++n}`): Promise<{ id: string; email: string; name: string; token: string }> {
  const email = `p${Date.now().toString(36)}${++n}${Math.random().toString(36).slice(2, 6)}@example.com`;
  const data = await okAt(url, SIGN_UP, { input: { name, email, password: 'correct horse battery' } });
  return { id: data.signUp.me.id, email: data.signUp.me.email, name, token: data.signUp.token };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns a truthy value or `ms` pass. */
export async function eventually<T>(check: () => Promise<T>, ms = 20_000, every = 200): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value || Date.now() > end) return value;
    await sleep(every);
  }
}
