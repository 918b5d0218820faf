import type { AddressInfo } from 'node:net';
import express from 'express';
import { GraphQLObjectType, GraphQLSchema, GraphQLString } from 'graphql';
import type { TestServer } from '../test/harness';
import { createLogger, requestLogger } from './logging';
import { LogCapture, startServer } from './testing';

const capture = new LogCapture();
let t: TestServer;
beforeAll(async () => {
  t = await startServer({ capture });
});
afterAll(() => t.stop());

const tokenIn = (text: string) => decodeURIComponent(/token=([^\s"&<]+)/.exec(text)![1]);

it('is silent under jest unless LOG_LEVEL says otherwise', () => {
  expect(process.env.NODE_ENV).toBe('test');
  expect(createLogger().level).toBe(process.env.LOG_LEVEL ?? 'silent');
  expect(createLogger({ level: 'warn' }).level).toBe('warn');
});

it('writes one JSON line per request, with its request id, and never a secret', async () => {
  const password = 'Sup3r-secret-passw0rd!';
  const email = `logged-${Date.now()}@example.com`;
  const signUp = await t.gql('mutation SignUp($input: SignUpInput!) { signUp(input: $input) { token } }', { input: { email, password, name: 'Log Tester' } });
  const sessionToken: string = signUp.data.signUp.token;
  const signIn = await t.gql('mutation SignIn($input: SignInInput!) { signIn(input: $input) { token } }', { input: { email, password } });
  const signInToken: string = signIn.data.signIn.token;
  const me = { token: signInToken };

  // A project variable whose value is a secret.
  const ws = await t.ok('mutation { createWorkspace(input: { name: "Logs", visibility: PRIVATE, description: "" }) { id } }', {}, { as: me });
  const project = await t.ok(
    'mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }',
    { input: { workspaceId: ws.createWorkspace.id, name: 'P' } },
    { as: me },
  );
  const variableValue = 'AKIA-very-secret-variable-value';
  const variable = await t.gql(
    'mutation CreateVariable($input: CreateVariableInput!) { createVariable(input: $input) { id } }',
    { input: { projectId: project.createProject.id, name: 'AWS_KEY', value: variableValue, isMasked: true } },
    { as: me },
  );
  expect(variable.errors).toBeUndefined();

  // Invitation and password-reset tokens, which reach only the outbox.
  await t.ok(
    'mutation($input: InviteMembersInput!) { inviteMembers(input: $input) { results { status } } }',
    { input: { workspaceId: ws.createWorkspace.id, emails: ['invitee@example.com'], role: 'MEMBER' } },
    { as: me },
  );
  await t.ok('mutation($email: String!) { requestPasswordReset(email: $email) }', { email });
  const mails = await t.sql<{ text_body: string; kind: string }>('SELECT kind, text_body FROM outbox_email ORDER BY created_at');
  const mailTokens = mails.map((m) => tokenIn(m.text_body));
  expect(mailTokens.length).toBeGreaterThanOrEqual(2);

  // A refused bad token, and a request carrying a cookie and a client request id.
  await t.gql('{ me { id } }', {}, { as: { token: 'ats_not-a-real-token-but-secret' } });
  const res = await fetch(t.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${sessionToken}`,
      cookie: `session=${sessionToken}`,
      'x-request-id': 'client-req-42',
    },
    body: JSON.stringify({ query: 'query WhoAmI { me { id } }' }),
  });
  expect(res.headers.get('x-request-id')).toBe('client-req-42');
  await res.json();
  await new Promise((r) => setTimeout(r, 50)); // the 'finish' event

  const text = capture.text;
  for (const secret of [password, sessionToken, signInToken, variableValue, 'ats_not-a-real-token-but-secret', ...mailTokens]) {
    expect(text).not.toContain(secret);
  }

  const requests = capture.lines.filter((l) => l.msg === 'request');
  const whoAmI = requests.find((l) => l.reqId === 'client-req-42')!;
  expect(whoAmI).toMatchObject({ method: 'POST', path: '/graphql', status: 200, operationName: 'WhoAmI', level: 30 });
  expect(typeof whoAmI.durationMs).toBe('number');
  expect(whoAmI.userId).toBeDefined();
  expect(requests.find((l) => l.operationName === 'CreateVariable')).toMatchObject({ status: 200 });
  expect(requests.find((l) => l.operationName === 'SignUp')).toBeDefined();
  // Every request got its own id.
  expect(new Set(requests.map((l) => l.reqId)).size).toBe(requests.length);
});

it('logs an unexpected error with the request id, and answers it without details', async () => {
  const errors = new LogCapture();
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({
      name: 'Query',
      fields: {
        boom: {
          type: GraphQLString,
          args: { password: { type: GraphQLString } },
          resolve: () => {
            throw new Error('kaboom: internal detail');
          },
        },
      },
    }),
  });
  const s = await startServer({ capture: errors, schema });
  try {
    const res = await fetch(s.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'query Boom($p: String) { boom(password: $p) }', variables: { p: 'hunter2-secret' } }),
    });
    const body = (await res.json()) as any;
    expect(body.errors[0]).toMatchObject({ message: 'Internal server error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    expect(JSON.stringify(body)).not.toContain('kaboom');
    await new Promise((r) => setTimeout(r, 50));
    const reqId = res.headers.get('x-request-id');
    const logged = errors.lines.find((l) => l.msg === 'unexpected error')!;
    expect(logged).toMatchObject({ level: 50, reqId, operationName: 'Boom', path: 'boom' });
    expect(logged.err.message).toContain('kaboom');
    expect(logged.err.stack).toBeDefined();
    expect(errors.text).not.toContain('hunter2-secret');
  } finally {
    await s.stop();
  }
});

it('logs the client address, its user agent and the response size of every request', async () => {
  const userAgent = 'atrium-test/1.0 (+https://example.com/bot)';
  const graphql = await fetch(t.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': userAgent, 'x-request-id': 'size-graphql' },
    body: JSON.stringify({ query: 'query Sized { __schema { queryType { name } } }' }),
  });
  const graphqlBytes = Buffer.byteLength(await graphql.text());
  const playground = await fetch(t.url, { headers: { accept: 'text/html', 'user-agent': 'x'.repeat(1000), 'x-request-id': 'size-playground' } });
  const playgroundBytes = Buffer.byteLength(await playground.text());
  const head = await fetch(t.url.replace('/graphql', '/healthz'), { method: 'HEAD', headers: { 'x-request-id': 'size-head', 'user-agent': '' } });
  expect(head.status).toBe(200);
  await new Promise((r) => setTimeout(r, 50)); // the 'finish' event

  const line = (id: string) => capture.lines.find((l) => l.msg === 'request' && l.reqId === id)!;
  expect(line('size-graphql')).toMatchObject({ operationName: 'Sized', userAgent, responseBytes: graphqlBytes });
  expect(graphqlBytes).toBeGreaterThan(20);
  expect(line('size-graphql').clientAddress).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
  // A user agent is the client's to choose: it is cut, so a line stays a reasonable size.
  expect(line('size-playground')).toMatchObject({ status: 200, userAgent: 'x'.repeat(256), responseBytes: playgroundBytes });
  expect(playgroundBytes).toBeGreaterThan(200);
  // A HEAD answer has no body, and a request without a user agent logs none.
  expect(line('size-head')).toMatchObject({ method: 'HEAD', responseBytes: 0 });
  expect(line('size-head')).not.toHaveProperty('userAgent');
});

it('counts the bytes of a streamed response, which declares no Content-Length', async () => {
  const streamed = new LogCapture();
  const logger = createLogger({ level: 'info', destination: streamed.stream });
  const app = express();
  app.use(requestLogger(logger));
  app.get('/stream', (_req, res) => {
    res.write('héllo ');
    res.write(Buffer.from('wörld'));
    res.end(' ✓', 'utf8');
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}/stream`);
    expect(res.headers.get('content-length')).toBeNull();
    const bytes = Buffer.byteLength(await res.text());
    await new Promise((r) => setTimeout(r, 50));
    expect(streamed.lines.find((l) => l.msg === 'request')).toMatchObject({ path: '/stream', status: 200, responseBytes: bytes });
    expect(bytes).toBe(Buffer.byteLength('héllo wörld ✓'));
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});
