import path from 'node:path';
import { HeaderMap } from '@apollo/server';
import { gatewayRequestContext, installGatewayRequestContext } from './gateway-context';

const apolloModule = () =>
  require(path.join(path.dirname(require.resolve('@apollo/server')), 'utils', 'makeGatewayGraphQLRequestContext.js')) as {
    makeGatewayGraphQLRequestContext: (context: unknown, server: unknown, internals: unknown) => any;
  };

/** An Apollo request context as requestPipeline.js builds one, with what the gateway view reads. */
function requestContext() {
  const headers = new HeaderMap([['accept', 'application/json']]);
  return {
    request: { query: '{ me { id } }', operationName: 'Me', variables: { a: 1 }, extensions: {}, http: { method: 'POST', search: 'x=1', headers, body: {} } },
    response: { http: { headers: new HeaderMap(), status: undefined as number | undefined } },
    schema: { schema: true },
    contextValue: { ctx: true },
    queryHash: 'hash',
    document: { kind: 'Document' },
    source: '{ me { id } }',
    operationName: 'Me',
    operation: { kind: 'OperationDefinition' },
    errors: undefined,
    metrics: {},
    overallCachePolicy: { policy: true },
    requestIsBatched: false,
  };
}
/** Apollo's own function, taken before any test installs the replacement. */
const original = apolloModule().makeGatewayGraphQLRequestContext;
const server = { logger: { logger: true }, cache: { cache: true } };
const internals = { includeStacktraceInErrorResponses: false };

describe("Apollo's gateway view of a request (gateway-context.ts)", () => {
  it('builds what Apollo builds: the same fields and values, headers and status reading and writing through', () => {
    expect(original).not.toBe(gatewayRequestContext);
    const [a, b] = [requestContext(), requestContext()];
    const theirs = original(a, server, internals);
    const ours = gatewayRequestContext(b, server, internals) as typeof theirs;
    const plain = (view: typeof theirs) => ({
      ...view,
      request: { ...view.request, http: { ...view.request.http, headers: [...view.request.http.headers] } },
      response: { http: { status: view.response.http.status, headers: [...view.response.http.headers] } },
    });
    expect(plain(ours)).toEqual(plain(theirs));
    expect(Object.keys(ours)).toEqual(Object.keys(theirs));
    for (const [view, context] of [[theirs, a], [ours, b]] as const) {
      view.response.http.status = 418;
      view.response.http.headers.set('x-one', '1');
      view.response.http.headers.append('x-one', '2');
      expect(context.response.http.status).toBe(418);
      expect(context.response.http.headers.get('x-one')).toBe('1, 2');
      expect(view.request.http.headers.get('accept')).toBe('application/json');
      expect(view.request.http.headers.get('missing')).toBeNull();
    }
  });

  it('is installed in place of Apollo\'s, which this Apollo version keeps where the installer looks', () => {
    expect(installGatewayRequestContext()).toBe(true);
    expect(apolloModule().makeGatewayGraphQLRequestContext).toBe(gatewayRequestContext);
  });
});
