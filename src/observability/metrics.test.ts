import { loadConfig } from '../config';
import { TestServer } from '../test/harness';
import { mailJob } from '../mail/mail.worker';
import { createLogger } from '../hardening/logging';
import { bearerMatches } from './metrics-route';
import { parseMetrics } from './testing';

const quiet = createLogger({ level: 'silent' });

const TOKEN = 'scrape-token-0123456789abcdef';
const CREATE_PROJECT = `mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }`;
const CREATE_JOB = `mutation($input: CreateJobInput!) { createJob(input: $input) { id } }`;
const START = `mutation($input: StartRunInput!) { startRun(input: $input) { id } }`;

describe('GET /metrics', () => {
  let t: TestServer;
  const metricsUrl = () => t.url.replace(/\/graphql$/, '/metrics');
  const scrape = async () => {
    const res = await fetch(metricsUrl(), { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return parseMetrics(await res.text());
  };

  beforeAll(async () => {
    t = await TestServer.start({ metricsToken: TOKEN });
  });
  afterAll(() => t?.stop());

  it('answers 401 without the bearer token, or with another one', async () => {
    for (const authorization of [undefined, 'Bearer wrong-token-0123456789abcdef', `Basic ${TOKEN}`, `Bearer ${TOKEN}x`, TOKEN, 'Bearer ']) {
      const res = await fetch(metricsUrl(), { headers: authorization === undefined ? undefined : { authorization } });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
      expect(await res.text()).not.toMatch(/atrium_/);
    }
  });

  it('reports runs by status from the database, every status listed', async () => {
    const c = await t.cast();
    const { createProject } = await t.ok(CREATE_PROJECT, { input: { workspaceId: c.workspace.id, name: 'P' } }, { as: c.owner });
    const { createJob } = await t.ok(CREATE_JOB, { input: { projectId: createProject.id, name: 'train', command: 'python train.py' } }, { as: c.owner });
    const queuedBefore = (await t.sql(`SELECT count(*)::int AS n FROM run WHERE status = 'QUEUED'`))[0].n as number;
    for (let i = 0; i < 2; i++) await t.ok(START, { input: { jobId: createJob.id } }, { as: c.owner });
    // The count is cached for ten seconds: this test's scrapes come first, but should one come earlier the wait covers it.
    const m = await waitFor(async () => {
      const scraped = await scrape();
      return scraped.value('atrium_runs', { status: 'QUEUED' }) === queuedBefore + 2 ? scraped : null;
    }, 15_000);
    for (const status of ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED']) expect(m.has('atrium_runs', { status })).toBe(true);
  }, 30_000);

  it('counts GraphQL operations by type and outcome code, HTTP answers by route and status, and times both', async () => {
    const before = await scrape();
    // One mutation: signUp, left unverified (the harness would verify with a second one).
    const user = await t.signUp({ verified: false });
    for (let i = 0; i < 3; i++) await t.ok('{ me { id } }', {}, { as: user });
    // UNAUTHENTICATED (a bad token), BAD_USER_INPUT and a validation failure: an outcome code each.
    expect((await t.gql('{ me { id } }', {}, { as: { token: 'atr_nonsense' } })).status).toBe(401);
    await t.gql('query($id: ID!) { workspace(id: $id) { id } }', { id: 'not-an-id' }, { as: user });
    await t.gql('{ nope }');
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}) => after.value(name, labels) - before.value(name, labels);

    expect(delta('atrium_graphql_operations_total', { operation: 'query', code: 'OK' })).toBe(3);
    expect(delta('atrium_graphql_operations_total', { operation: 'mutation', code: 'OK' })).toBe(1);
    expect(delta('atrium_graphql_operations_total', { operation: 'query', code: 'UNAUTHENTICATED' })).toBe(1);
    expect(delta('atrium_graphql_operations_total', { operation: 'none', code: 'GRAPHQL_VALIDATION_FAILED' })).toBe(1);
    expect(after.sum('atrium_graphql_operations_total', { operation: 'query' }) - before.sum('atrium_graphql_operations_total', { operation: 'query' })).toBe(
      5,
    );
    expect(delta('atrium_graphql_operation_duration_seconds_count', { operation: 'query' })).toBe(5);
    expect(delta('atrium_http_requests_total', { route: '/graphql', method: 'POST', status: '200' })).toBeGreaterThanOrEqual(5);
    expect(delta('atrium_http_requests_total', { route: '/graphql', method: 'POST', status: '401' })).toBe(1);
    // The first scrape's own answer was counted once it had been sent.
    expect(after.value('atrium_http_requests_total', { route: '/metrics', method: 'GET', status: '200' })).toBeGreaterThanOrEqual(1);
    expect(delta('atrium_http_request_duration_seconds_count', { route: '/graphql' })).toBe(7);
    expect(after.value('atrium_http_request_duration_seconds_bucket', { route: '/graphql', le: '+Inf' })).toBe(
      after.value('atrium_http_request_duration_seconds_count', { route: '/graphql' }),
    );
  });

  it('reports the database pool: its size, connections, waits and time to get a connection', async () => {
    const user = await t.signUp();
    await Promise.all(Array.from({ length: 30 }, () => t.ok('{ me { id } }', {}, { as: user })));
    const m = await scrape();
    expect(m.value('atrium_db_pool_max_connections')).toBe(10);
    expect(m.value('atrium_db_pool_connections')).toBeGreaterThanOrEqual(1);
    expect(m.value('atrium_db_pool_connections')).toBeLessThanOrEqual(10);
    expect(m.value('atrium_db_pool_idle_connections')).toBeLessThanOrEqual(m.value('atrium_db_pool_connections'));
    expect(m.value('atrium_db_pool_waiting_requests')).toBe(0);
    expect(m.value('atrium_db_pool_acquire_seconds_count')).toBeGreaterThanOrEqual(30);
    expect(m.has('atrium_db_pool_waits_total')).toBe(true);
  });

  it('counts background job passes, their failures, and mail deliveries', async () => {
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      const owner = await t.signUp();
      const workspace = await t.createWorkspace(owner);
      // Whatever earlier tests left in the outbox goes first, uncounted, so the counted pass sends the two invitations.
      await mailJob.runOnce({ db: t.db, config: t.config, logger: quiet });
      await t.ok(
        `mutation($id: ID!) { inviteMembers(input: { workspaceId: $id, emails: ["m1@example.com", "m2@example.com"] }) { invitedCount } }`,
        { id: workspace.id },
        { as: owner },
      );
      const before = await scrape();
      const mail = t.server.metrics!.instrumentJob(mailJob);
      await mail.runOnce({ db: t.db, config: t.config, logger: quiet });
      const broken = t.server.metrics!.instrumentJob({ name: 'purge', runOnce: async () => Promise.reject(new Error('boom')), intervalMs: () => 1000 });
      await expect(broken.runOnce({ db: t.db, config: t.config, logger: quiet })).rejects.toThrow('boom');
      const after = await scrape();
      const delta = (name: string, labels: Record<string, string>) => after.value(name, labels) - before.value(name, labels);
      expect(delta('atrium_mail_deliveries_total', { outcome: 'sent' })).toBe(2);
      expect(delta('atrium_mail_deliveries_total', { outcome: 'failed' })).toBe(0);
      expect(delta('atrium_background_job_runs_total', { job: 'mail', outcome: 'ok' })).toBe(1);
      expect(delta('atrium_background_job_runs_total', { job: 'purge', outcome: 'failed' })).toBe(1);
      expect(delta('atrium_background_job_duration_seconds_count', { job: 'mail' })).toBe(1);
    } finally {
      log.mockRestore();
    }
  });

  it('includes the process metrics (CPU, memory, event loop)', async () => {
    const m = await scrape();
    expect(m.has('process_cpu_seconds_total')).toBe(true);
    expect(m.has('nodejs_eventloop_lag_seconds')).toBe(true);
  });
});

describe('without METRICS_TOKEN', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await TestServer.start({ metricsToken: undefined });
  });
  afterAll(() => t?.stop());

  it('has no /metrics: 404 with or without a token, and nothing is counted', async () => {
    for (const headers of [{}, { authorization: `Bearer ${TOKEN}` }] as Record<string, string>[]) {
      const res = await fetch(t.url.replace(/\/graphql$/, '/metrics'), { headers });
      expect(res.status).toBe(404);
    }
    expect(t.server.metrics).toBeNull();
  });
});

describe('METRICS_TOKEN', () => {
  it('stops the server at start-up when it is too short to be secret, naming the variable', () => {
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN must be at least 16 characters/);
    expect(() => loadConfig({ METRICS_TOKEN: 'sixteen chars ok' })).toThrow(/METRICS_TOKEN/);
    expect(loadConfig({ METRICS_TOKEN: TOKEN }).metricsToken).toBe(TOKEN);
    expect(loadConfig({ METRICS_TOKEN: '' }).metricsToken).toBeUndefined();
  });
});

describe('the bearer comparison', () => {
  it('takes exactly `Bearer <token>`', () => {
    expect(bearerMatches(`Bearer ${TOKEN}`, TOKEN)).toBe(true);
    expect(bearerMatches(`bearer  ${TOKEN}`, TOKEN)).toBe(true);
    for (const header of [undefined, '', 'Bearer', `Bearer ${TOKEN.slice(0, -1)}`, `Bearer ${TOKEN} extra`, `Token ${TOKEN}`]) {
      expect(bearerMatches(header, TOKEN)).toBe(false);
    }
  });
});

async function waitFor<T>(check: () => Promise<T | null>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const result = await check();
    if (result !== null) return result;
    if (Date.now() > deadline) throw new Error(`not reached within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
