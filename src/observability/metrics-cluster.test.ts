import { cloneTemplateDatabase } from '../test/harness';
import { eventually, okAt, signUpAt } from '../resilience/client';
import { startAtriumProcess, type AtriumProcess } from '../resilience/processes';
import { parseMetrics, type ParsedMetrics } from './testing';

/**
 * GET /metrics of a server with two worker processes (src/index.ts, WEB_CONCURRENCY=2): whichever
 * worker answers the scrape, the numbers are the sum over both.
 */

const TOKEN = 'cluster-scrape-token-0123456789';
let clone: Awaited<ReturnType<typeof cloneTemplateDatabase>>;
let atrium: AtriumProcess;

beforeAll(async () => {
  clone = await cloneTemplateDatabase();
  atrium = await startAtriumProcess(clone.url, { WEB_CONCURRENCY: '2', METRICS_TOKEN: TOKEN, MAIL_INTERVAL_SECONDS: '1' });
  await eventually(async () => /2 worker processes/.test(atrium.output()), 60_000);
}, 330_000);

afterAll(async () => {
  await atrium?.stop();
  await clone?.drop();
}, 60_000);

const scrape = async (): Promise<ParsedMetrics> => {
  const res = await fetch(atrium.url.replace(/\/graphql$/, '/metrics'), { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  return parseMetrics(await res.text());
};

it('sums the counters of both workers, whichever one answers the scrape', async () => {
  const before = await scrape();
  expect(before.value('atrium_cluster_workers', { state: 'serving' })).toBe(2);
  expect(before.value('atrium_cluster_workers', { state: 'reporting' })).toBe(2);
  const person = await signUpAt(atrium.url);
  const { createWorkspace } = await okAt(
    atrium.url,
    `mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { id } }`,
    { input: { name: 'Metrics', visibility: 'PRIVATE' } },
    person.token,
  );
  const { createProject } = await okAt(
    atrium.url,
    `mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }`,
    { input: { workspaceId: createWorkspace.id, name: 'P' } },
    person.token,
  );
  const { createJob } = await okAt(
    atrium.url,
    `mutation($input: CreateJobInput!) { createJob(input: $input) { id } }`,
    { input: { projectId: createProject.id, name: 'train', command: 'python train.py' } },
    person.token,
  );
  await okAt(atrium.url, `mutation($input: StartRunInput!) { startRun(input: $input) { id } }`, { input: { jobId: createJob.id } }, person.token);
  for (let i = 0; i < 20; i++) await okAt(atrium.url, '{ me { id } }', {}, person.token);
  // Four scrapes at once, on four connections, which the cluster hands to both workers: each answers with the sum.
  const scrapes = await Promise.all(Array.from({ length: 4 }, scrape));
  for (const after of scrapes) {
    expect(after.value('atrium_cluster_workers', { state: 'reporting' })).toBe(2);
    expect(
      after.value('atrium_graphql_operations_total', { operation: 'query', code: 'OK' }) -
        before.value('atrium_graphql_operations_total', { operation: 'query', code: 'OK' }),
    ).toBe(20);
    expect(
      after.value('atrium_graphql_operations_total', { operation: 'mutation', code: 'OK' }) -
        before.value('atrium_graphql_operations_total', { operation: 'mutation', code: 'OK' }),
    ).toBe(5);
    // Both pools: each worker's share of DATABASE_POOL_SIZE (20 / 2).
    expect(after.value('atrium_db_pool_max_connections')).toBe(20);
  }
  // Every worker reports the same database-wide count (cached for 10 s): the cluster's is the largest, not the sum.
  const counted = await eventually(async () => (await scrape()).value('atrium_runs', { status: 'QUEUED' }), 30_000, 1_000);
  expect(counted).toBe(1);
}, 120_000);

it('counts the background jobs of the worker that runs them', async () => {
  const m = await eventually(
    async () => {
      const scraped = await scrape();
      return scraped.value('atrium_background_job_runs_total', { job: 'mail', outcome: 'ok' }) >= 1 ? scraped : null;
    },
    30_000,
    500,
  );
  expect(m).not.toBeNull();
  expect(m!.has('atrium_mail_deliveries_total', { outcome: 'sent' })).toBe(true);
}, 60_000);

it('answers 401 to a scrape without the token', async () => {
  const res = await fetch(atrium.url.replace(/\/graphql$/, '/metrics'));
  expect(res.status).toBe(401);
});
