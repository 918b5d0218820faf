import { createHash, randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Pool } from 'pg';
import { cloneTemplateDatabase } from '../test/harness';
import { okAt, signUpAt } from '../resilience/client';
import { startAtriumProcess, type AtriumProcess } from '../resilience/processes';

/**
 * Two real server processes on one database, each with a DATA_DIR of its own, as two hosts behind
 * a load balancer: what one is pushed, the other serves. The second starts on a DATA_DIR holding
 * an archive the way earlier versions kept them (a file under code/), and moves it into the database.
 */

let clone: Awaited<ReturnType<typeof cloneTemplateDatabase>>;
let pool: Pool;
const dirs = [0, 1].map(() => fs.mkdtempSync(path.join(os.tmpdir(), 'atrium-host-')));
const processes: AtriumProcess[] = [];
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

beforeAll(async () => {
  clone = await cloneTemplateDatabase();
  pool = new Pool({ connectionString: clone.url, max: 2 });
}, 60_000);

afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop()));
  await pool?.end();
  await clone?.drop();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
}, 60_000);

const PUSH = `mutation($input: PushCodeInput!) { pushCode(input: $input) { id sha256 } }`;

async function download(graphqlUrl: string, id: string, token: string): Promise<Buffer> {
  const res = await fetch(new URL(`/code-versions/${id}/archive`, graphqlUrl), { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

it('a code version pushed through one process downloads through another with a different DATA_DIR; old archive files move into the database', async () => {
  const b = await startAtriumProcess(clone.url, { DATA_DIR: dirs[1] });
  processes.push(b);
  const owner = await signUpAt(b.url);
  const workspaceId = (
    await okAt(b.url, `mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { id } }`, { input: { name: 'Fleet' } }, owner.token)
  ).createWorkspace.id;
  const projectId = (
    await okAt(b.url, `mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }`, { input: { workspaceId, name: 'P' } }, owner.token)
  ).createProject.id;

  // An archive pushed before this version of Atrium: its row in the database, its bytes in a file on host A.
  const legacy = randomBytes(600_000);
  const legacyId = randomUUID();
  await pool.query(
    `INSERT INTO code_version (id, project_id, filename, size_bytes, sha256, storage_key, created_by_id) VALUES ($1, $2, 'old.zip', $3, $4, $5, $6)`,
    [legacyId, projectId, legacy.length, sha256(legacy), `${projectId}/${legacyId}`, owner.id],
  );
  fs.mkdirSync(path.join(dirs[0], 'code', projectId), { recursive: true });
  fs.writeFileSync(path.join(dirs[0], 'code', projectId, legacyId), legacy);

  const a = await startAtriumProcess(clone.url, { DATA_DIR: dirs[0] });
  processes.push(a);
  // A moved the file into the database at start-up, so B (which never saw it) serves it.
  expect(fs.existsSync(path.join(dirs[0], 'code'))).toBe(false);
  expect(sha256(await download(b.url, legacyId, owner.token))).toBe(sha256(legacy));

  const viaA = randomBytes(1_200_000);
  const pushedA = (await okAt(a.url, PUSH, { input: { projectId, filename: 'a.zip', contentBase64: viaA.toString('base64') } }, owner.token)).pushCode;
  expect(pushedA.sha256).toBe(sha256(viaA));
  expect((await download(b.url, pushedA.id, owner.token)).equals(viaA)).toBe(true);

  const viaB = randomBytes(300_000);
  const pushedB = (await okAt(b.url, PUSH, { input: { projectId, filename: 'b.zip', contentBase64: viaB.toString('base64') } }, owner.token)).pushCode;
  expect((await download(a.url, pushedB.id, owner.token)).equals(viaB)).toBe(true);

  // Nothing of it on either host's disk.
  for (const dir of dirs) expect(fs.existsSync(path.join(dir, 'code'))).toBe(false);
  for (const p of processes) expect(p.output()).not.toMatch(/"level":50|unexpected error/);
}, 400_000);
