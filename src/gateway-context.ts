import path from 'node:path';

/**
 * Apollo Server hands a gateway's executor its own view of each request, built by
 * `makeGatewayGraphQLRequestContext` (@apollo/server/dist/cjs/utils). That view's
 * `response.http` is an object literal with a `status` getter and setter whose closures hold
 * Apollo's whole request context — Atrium's context, its loaders and rows, the answer. V8's
 * young-generation collector kept everything such a per-object accessor reaches alive until the
 * next full collection: src/perf/retention.test.ts measures W1 leaving 76 KB per request with
 * Apollo's function, 2–3 KB with this one, which builds the same view with the accessor on a
 * class. Installed once, when the module is where Apollo 5 keeps it; otherwise
 * Apollo's own stays, and only the collector's work differs (src/gateway-context.test.ts says
 * which). Written after Apollo's code (MIT licence).
 */
export function installGatewayRequestContext(): boolean {
  let module: { makeGatewayGraphQLRequestContext?: unknown };
  try {
    module = require(path.join(path.dirname(require.resolve('@apollo/server')), 'utils', 'makeGatewayGraphQLRequestContext.js'));
  } catch {
    return false;
  }
  if (typeof module.makeGatewayGraphQLRequestContext !== 'function' || module.makeGatewayGraphQLRequestContext.length !== 3) return false;
  module.makeGatewayGraphQLRequestContext = gatewayRequestContext;
  return true;
}

type HeaderMapLike = Map<string, string>;

/** Apollo's gateway view of `context` (its internal request context), as Apollo 5 builds it. */
export function gatewayRequestContext(context: any, server: any, internals: any): unknown {
  const source = context.request;
  const request: Record<string, unknown> = {};
  if ('query' in source) request.query = source.query;
  if ('operationName' in source) request.operationName = source.operationName;
  if ('variables' in source) request.variables = source.variables;
  if ('extensions' in source) request.extensions = source.extensions;
  if (source.http) {
    const search: string = source.http.search;
    const needQuestion = search !== '' && !search.startsWith('?');
    request.http = { method: source.http.method, url: `https://unknown-url.invalid/${needQuestion ? '?' : ''}${search}`, headers: new FetcherHeaders(source.http.headers) };
  }
  return {
    request,
    response: { http: new GatewayHttp(context.response.http) },
    logger: server.logger,
    schema: context.schema,
    schemaHash: 'schemaHash no longer exists since Apollo Server 4',
    context: context.contextValue,
    cache: server.cache,
    queryHash: context.queryHash,
    document: context.document,
    source: context.source,
    operationName: context.operationName,
    operation: context.operation,
    errors: context.errors,
    metrics: context.metrics,
    debug: internals.includeStacktraceInErrorResponses,
    overallCachePolicy: context.overallCachePolicy,
    requestIsBatched: context.requestIsBatched,
  };
}

/** The response's HTTP head as the gateway sees it: headers, and the status it may set. */
class GatewayHttp {
  readonly headers: FetcherHeaders;
  readonly #http: { headers: HeaderMapLike; status?: number };
  constructor(http: { headers: HeaderMapLike; status?: number }) {
    this.#http = http;
    this.headers = new FetcherHeaders(http.headers);
  }
  get status(): number | undefined {
    return this.#http.status;
  }
  set status(status: number | undefined) {
    this.#http.status = status;
  }
}

/** Fetch-style headers over Apollo's HeaderMap. */
class FetcherHeaders {
  constructor(private readonly map: HeaderMapLike) {}
  append(name: string, value: string) {
    this.map.set(name, this.map.has(name) ? `${this.map.get(name)}, ${value}` : value);
  }
  delete(name: string) {
    this.map.delete(name);
  }
  get(name: string): string | null {
    return this.map.get(name) ?? null;
  }
  has(name: string) {
    return this.map.has(name);
  }
  set(name: string, value: string) {
    this.map.set(name, value);
  }
  entries() {
    return this.map.entries();
  }
  keys() {
    return this.map.keys();
  }
  values() {
    return this.map.values();
  }
  [Symbol.iterator]() {
    return this.map.entries();
  }
}
