import { ApiError, CliError, EXIT, UsageError, type ServerError } from './errors';

/** Turns what a person types ("localhost:4000", "https://atrium.example.com/") into the GraphQL endpoint URL. */
export function endpointUrl(raw: string): string {
  let text = raw.trim();
  if (!text) throw new UsageError('The server URL is empty.');
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) text = `http://${text}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`"${raw}" is not a valid server URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`"${raw}" is not an http(s) URL.`);
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/graphql';
  return url.toString().replace(/\/$/, '');
}

/**
 * A minimal GraphQL-over-HTTP client for the public API. Any error in the answer becomes an ApiError
 * carrying the server's message and extensions; transport failures become exit code 9.
 */
export class Api {
  constructor(
    readonly url: string,
    readonly token?: string,
  ) {}

  async request<T = any>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let res: Response;
    try {
      res = await fetch(this.url, { method: 'POST', headers, body: JSON.stringify({ query, variables }), signal: AbortSignal.timeout(30_000) });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (e as Error).message;
      throw new CliError(`Could not reach the Atrium server at ${this.url} (${why}).`, EXIT.NETWORK);
    }
    let body: { data?: T; errors?: ServerError[] };
    try {
      body = (await res.json()) as typeof body;
    } catch {
      throw new CliError(`The server at ${this.url} did not answer GraphQL (HTTP ${res.status}).`, EXIT.NETWORK);
    }
    if (body.errors?.length) throw new ApiError(body.errors[0]);
    if (!body.data) throw new CliError(`The server at ${this.url} sent an empty answer (HTTP ${res.status}).`, EXIT.NETWORK);
    return body.data;
  }
}
