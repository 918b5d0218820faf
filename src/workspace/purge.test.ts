import { PostgresCodeStorage, type CodeStorage } from '../code/storage';
import { createLogger } from '../hardening/logging';
import { LogCapture } from '../hardening/testing';
import { JOBS } from '../jobs';
import { TestServer, type TestUser } from '../test/harness';
import { purgeExpired } from './purge.job';

let t: TestServer;
let storage: PostgresCodeStorage;
beforeAll(async () => {
  t = await TestServer.start();
  storage = new PostgresCodeStorage(t.db);
});
afterAll(() => t.stop());

/** Stores bytes for every code version of a workspace, as pushCode would have. */
async function storeCodeOf(workspaceId: string): Promise<string[]> {
  const rows = await t.sql('SELECT c.storage_key FROM code_version c JOIN project p ON p.id = c.project_id WHERE p.workspace_id = $1', [workspaceId]);
  for (const r of rows) await storage.put(r.storage_key, Buffer.from('zip'));
  return rows.map((r: any) => r.storage_key);
}
const stored = async (keys: string[]) => (await Promise.all(keys.map((k) => storage.get(k)))).filter(Boolean).length;

/**
 * The rows of each table that belong to a workspace. A table missing here must not lose a row
 * when a workspace is purged (accounts, tokens, outbox…); the test below checks every table.
 */
const BELONGS: Record<string, string> = {
  workspace: 'id = $1',
  membership: 'workspace_id = $1',
  invitation: 'workspace_id = $1',
  audit_event: 'workspace_id = $1',
  project: 'workspace_id = $1',
  variable: 'project_id IN (SELECT id FROM project WHERE workspace_id = $1)',
  job: 'project_id IN (SELECT id FROM project WHERE workspace_id = $1)',
  run: 'project_id IN (SELECT id FROM project WHERE workspace_id = $1)',
  code_version: 'project_id IN (SELECT id FROM project WHERE workspace_id = $1)',
};

async function tables(): Promise<string[]> {
  const rows = await t.sql<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  return rows.map((r) => r.table_name);
}

async function totals(): Promise<Record<string, number>> {
  const result: Record<string, number> = {};
  for (const table of await tables()) result[table] = (await t.sql(`SELECT count(*)::int AS n FROM "${table}"`))[0].n;
  return result;
}

async function rowsOf(workspaceId: string): Promise<Record<string, number>> {
  const result: Record<string, number> = {};
  for (const [table, where] of Object.entries(BELONGS))
    result[table] = (await t.sql(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`, [workspaceId]))[0].n;
  return result;
}

/** A project with one of each resource: variable, job, code version, run. */
async function projectWithResources(workspaceId: string, owner: TestUser, removed?: 'due' | 'later'): Promise<string> {
  const purge = removed === 'due' ? `now() - interval '1 minute'` : removed === 'later' ? `now() + interval '30 days'` : 'NULL';
  const [project] = await t.sql(
    `INSERT INTO project (workspace_id, name, owner_id, removed_at, purge_at) VALUES ($1, $2, $3, ${removed ? 'now()' : 'NULL'}, ${purge}) RETURNING id`,
    [workspaceId, `Project ${Math.random()}`, owner.id],
  );
  await t.sql(`INSERT INTO variable (project_id, name, value) VALUES ($1, 'API_KEY', 'secret')`, [project.id]);
  const [job] = await t.sql(`INSERT INTO job (project_id, name, command) VALUES ($1, 'train', 'python train.py') RETURNING id`, [project.id]);
  const [code] = await t.sql(
    `INSERT INTO code_version (project_id, filename, size_bytes, sha256, storage_key, created_by_id)
     VALUES ($1, 'code.zip', 3, repeat('a', 64), gen_random_uuid()::text, $2) RETURNING id`,
    [project.id, owner.id],
  );
  await t.sql(`INSERT INTO run (project_id, job_id, code_version_id, created_by_id) VALUES ($1, $2, $3, $4)`, [project.id, job.id, code.id, owner.id]);
  return project.id;
}

/** A workspace with people, a pending invitation, two projects with resources, and audit events. */
async function populatedWorkspace() {
  const c = await t.cast();
  await projectWithResources(c.workspace.id, c.member);
  await projectWithResources(c.workspace.id, c.owner);
  await t.sql(
    `INSERT INTO invitation (workspace_id, email, email_normalized, role, token_hash, expires_at, invited_by_id)
     VALUES ($1, 'Guest@Example.com', 'guest@example.com', 'MEMBER', decode(md5(random()::text), 'hex'), now() + interval '7 days', $2)`,
    [c.workspace.id, c.owner.id],
  );
  await t.ok(
    `mutation($input: UpdateWorkspaceInput!) { updateWorkspace(input: $input) { id } }`,
    { input: { id: c.workspace.id, name: 'Renamed' } },
    { as: c.owner },
  );
  return c;
}

const remove = (id: string, as: TestUser) => t.ok(`mutation($id: ID!) { removeWorkspace(id: $id) { id } }`, { id }, { as });

describe('the purge job', () => {
  it('is registered as a background job', () => {
    expect(JOBS.map((j) => j.name)).toContain('purge-expired');
  });

  it('deletes every row of a workspace whose purgeAt has passed, and nothing else', async () => {
    const doomed = await populatedWorkspace();
    const other = await populatedWorkspace();
    const removedLater = await populatedWorkspace();
    await remove(doomed.workspace.id, doomed.owner);
    await remove(removedLater.workspace.id, removedLater.owner);
    await t.sql(`UPDATE workspace SET purge_at = now() - interval '1 second' WHERE id = $1`, [doomed.workspace.id]);

    const doomedRows = await rowsOf(doomed.workspace.id);
    // The fixture really holds a row in every table a workspace owns.
    for (const [table, n] of Object.entries(doomedRows)) expect({ table, some: n > 0 }).toEqual({ table, some: true });
    const otherRows = await rowsOf(other.workspace.id);
    const laterRows = await rowsOf(removedLater.workspace.id);
    const doomedFiles = await storeCodeOf(doomed.workspace.id);
    const otherFiles = await storeCodeOf(other.workspace.id);
    expect(doomedFiles).toHaveLength(2);
    const before = await totals();

    const result = await purgeExpired(t.db, storage);
    expect(result.workspaces).toBeGreaterThanOrEqual(1);
    expect(await stored(doomedFiles)).toBe(0);
    expect(await stored(otherFiles)).toBe(2);

    expect(Object.values(await rowsOf(doomed.workspace.id)).every((n) => n === 0)).toBe(true);
    expect(await rowsOf(other.workspace.id)).toEqual(otherRows);
    expect(await rowsOf(removedLater.workspace.id)).toEqual(laterRows);
    const after = await totals();
    const expected = Object.fromEntries(Object.entries(before).map(([table, n]) => [table, n - (doomedRows[table] ?? 0)]));
    // The archives' bytes (one row each here) go after the commit, by key, not by a foreign key.
    expected.code_blob -= doomedFiles.length;
    expect(after).toEqual(expected);
    // The people keep their accounts and their sessions.
    expect(await t.ok('{ me { id } }', {}, { as: doomed.owner })).toEqual({ me: { id: doomed.owner.id } });
  });

  it('deletes removed projects whose purgeAt has passed, with their resources, and keeps the rest', async () => {
    const c = await t.cast();
    const live = await projectWithResources(c.workspace.id, c.member);
    const due = await projectWithResources(c.workspace.id, c.member, 'due');
    const later = await projectWithResources(c.workspace.id, c.member, 'later');
    const before = await totals();
    const result = await purgeExpired(t.db);
    expect(result.projects).toBe(1);
    const remaining = (await t.sql('SELECT id FROM project WHERE workspace_id = $1', [c.workspace.id])).map((r) => r.id).sort();
    expect(remaining).toEqual([live, later].sort());
    expect(
      await t.sql(
        'SELECT id FROM variable WHERE project_id = $1 UNION ALL SELECT id FROM job WHERE project_id = $1 UNION ALL SELECT id FROM run WHERE project_id = $1 UNION ALL SELECT id FROM code_version WHERE project_id = $1',
        [due],
      ),
    ).toEqual([]);
    const after = await totals();
    for (const table of ['project', 'variable', 'job', 'run', 'code_version'])
      expect({ table, gone: before[table] - after[table] }).toEqual({ table, gone: 1 });
    for (const table of Object.keys(before).filter((n) => !['project', 'variable', 'job', 'run', 'code_version'].includes(n))) {
      expect({ table, n: after[table] }).toEqual({ table, n: before[table] });
    }
  });

  it('shares the work safely between processes running at the same time', async () => {
    const cs = [];
    for (let i = 0; i < 7; i++) cs.push(await populatedWorkspace());
    for (const c of cs) await remove(c.workspace.id, c.owner);
    await t.sql(`UPDATE workspace SET purge_at = now() - interval '1 second' WHERE id = ANY($1::uuid[])`, [cs.map((c) => c.workspace.id)]);
    const results = await Promise.all([purgeExpired(t.db), purgeExpired(t.db), purgeExpired(t.db)]);
    expect(results.reduce((n, r) => n + r.workspaces, 0)).toBe(7);
    expect(await t.sql('SELECT id FROM workspace WHERE id = ANY($1::uuid[])', [cs.map((c) => c.workspace.id)])).toEqual([]);
    expect(await purgeExpired(t.db)).toEqual({ workspaces: 0, projects: 0 });
  });

  it('logs what it purged, and an archive it could not delete, through the logger it is given', async () => {
    const c = await t.cast();
    const due = await projectWithResources(c.workspace.id, c.member, 'due');
    const [{ storage_key: key }] = await t.sql('SELECT storage_key FROM code_version WHERE project_id = $1', [due]);
    const capture = new LogCapture();
    const logger = createLogger({ level: 'info', destination: capture.stream });
    const failing = {
      delete: async () => {
        throw new Error('disk gone');
      },
    } as unknown as CodeStorage;
    const result = await purgeExpired(t.db, failing, logger);
    expect(result.projects).toBeGreaterThanOrEqual(1);
    // The row is gone all the same: an orphan file, never a dangling row.
    expect(await t.sql('SELECT id FROM project WHERE id = $1', [due])).toEqual([]);
    expect(capture.lines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ level: 50, msg: 'could not delete code archive', storageKey: key, err: expect.objectContaining({ message: 'disk gone' }) }),
        expect.objectContaining({ level: 30, projects: result.projects, workspaces: result.workspaces }),
      ]),
    );
  });

  it('never purges a workspace that was restored in time', async () => {
    const c = await populatedWorkspace();
    await remove(c.workspace.id, c.owner);
    await t.ok(`mutation($id: ID!) { restoreWorkspace(id: $id) { id } }`, { id: c.workspace.id }, { as: c.owner });
    await purgeExpired(t.db);
    expect(await t.sql('SELECT id FROM workspace WHERE id = $1', [c.workspace.id])).toHaveLength(1);
  });
});
