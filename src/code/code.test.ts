import { createHash } from 'node:crypto';
import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { codeOf, TestServer } from '../test/harness';
import { LocalDirectoryStorage, PostgresCodeStorage, readAll } from './storage';

let t: TestServer;
const dataDir = mkdtempSync(path.join(tmpdir(), 'atrium-code-'));
const MAX = 1000;
beforeAll(async () => {
  t = await TestServer.start({ dataDir, maxCodeBytes: MAX });
});
afterAll(() => t.stop());

const CREATE_PROJECT = `mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }`;
const PUSH = `mutation($input: PushCodeInput!) { pushCode(input: $input) { id filename sizeBytes sha256 description createdAt createdBy { id } project { id } } }`;
const VERSIONS = `query($id: ID!, $first: Int, $after: String) { project(id: $id) { codeVersions(first: $first, after: $after) {
  totalCount pageInfo { hasNextPage endCursor } edges { node { id filename } } } } }`;
const fieldsOf = (r: any) => r.errors?.[0]?.extensions?.fields?.map((f: any) => f.field);
const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');

async function project() {
  const c = await t.cast();
  const { createProject } = await t.ok(CREATE_PROJECT, { input: { workspaceId: c.workspace.id, name: 'P' } }, { as: c.owner });
  return { c, projectId: createProject.id as string };
}

describe('code versions', () => {
  it('stores a pushed archive in PostgreSQL, not under DATA_DIR, with its SHA-256 and size', async () => {
    const { c, projectId } = await project();
    const bytes = Buffer.from([0, 1, 2, 250, 255, 80, 75, 3, 4]);
    const v = (await t.ok(PUSH, { input: { projectId, filename: 'code.zip', contentBase64: b64(bytes), description: 'first' } }, { as: c.member })).pushCode;
    expect(v).toMatchObject({
      filename: 'code.zip',
      sizeBytes: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      description: 'first',
      createdBy: { id: c.memberIds.member },
      project: { id: projectId },
    });
    const [row] = await t.sql('SELECT storage_key FROM code_version WHERE id = $1', [v.id]);
    expect(row.storage_key).toBe(`${projectId}/${v.id}`);
    expect(existsSync(path.join(dataDir, 'code'))).toBe(false);
    expect(await t.sql('SELECT seq, data FROM code_blob WHERE storage_key = $1', [row.storage_key])).toEqual([{ seq: 0, data: bytes }]);
    expect(await readAll((await new PostgresCodeStorage(t.db).get(row.storage_key))!)).toEqual(bytes);
    const events = await t.sql(`SELECT details FROM audit_event WHERE workspace_id = $1 AND action = 'code.pushed'`, [c.workspace.id]);
    expect(events).toHaveLength(1);
  });

  it('accepts exactly the size limit and refuses one byte more, checked before decoding', async () => {
    const { c, projectId } = await project();
    const ok = await t.ok(PUSH, { input: { projectId, filename: 'max.zip', contentBase64: b64(Buffer.alloc(MAX, 7)) } }, { as: c.member });
    expect(ok.pushCode.sizeBytes).toBe(MAX);
    const over = await t.gql(PUSH, { input: { projectId, filename: 'big.zip', contentBase64: b64(Buffer.alloc(MAX + 1, 7)) } }, { as: c.member });
    expect(codeOf(over)).toBe('BAD_USER_INPUT');
    expect(fieldsOf(over)).toEqual(['contentBase64']);
    // Far too long: refused by length alone (it is not even valid base64).
    const huge = await t.gql(PUSH, { input: { projectId, filename: 'huge.zip', contentBase64: '!'.repeat(MAX * 2) } }, { as: c.member });
    expect(fieldsOf(huge)).toEqual(['contentBase64']);
    expect(huge.errors![0].message).toMatch(/at most 1000 bytes/);
    expect(await t.sql('SELECT count(*)::int AS n FROM code_version WHERE project_id = $1', [projectId])).toEqual([{ n: 1 }]);
  });

  it.each([
    [{ contentBase64: 'not base64!' }, 'contentBase64'],
    [{ contentBase64: 'abc' }, 'contentBase64'],
    [{ contentBase64: 'ab=c' }, 'contentBase64'],
    [{ contentBase64: '' }, 'contentBase64'],
    [{ filename: '' }, 'filename'],
    [{ filename: '../etc/passwd' }, 'filename'],
    [{ filename: 'f'.repeat(256) }, 'filename'],
    [{ description: 'd'.repeat(10_001) }, 'description'],
  ])('refuses bad pushCode input %# naming the field, storing nothing', async (input, field) => {
    const { c, projectId } = await project();
    const result = await t.gql(PUSH, { input: { projectId, filename: 'a.zip', contentBase64: b64('hello'), ...input } }, { as: c.member });
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    expect(fieldsOf(result)).toEqual([field]);
    expect(await t.sql('SELECT id FROM code_version WHERE project_id = $1', [projectId])).toEqual([]);
    expect(await t.sql(`SELECT storage_key FROM code_blob WHERE storage_key LIKE $1 || '/%'`, [projectId])).toEqual([]);
  });

  it('ignores the line breaks base64 tools insert', async () => {
    const { c, projectId } = await project();
    const bytes = Buffer.alloc(200, 9);
    const wrapped = b64(bytes).replace(/(.{76})/g, '$1\r\n');
    const v = (await t.ok(PUSH, { input: { projectId, filename: 'w.zip', contentBase64: wrapped } }, { as: c.member })).pushCode;
    expect(v).toMatchObject({ sizeBytes: 200, sha256: createHash('sha256').update(bytes).digest('hex') });
  });

  it('lists code versions newest first, with pagination', async () => {
    const { c, projectId } = await project();
    for (const name of ['v1.zip', 'v2.zip', 'v3.zip']) await t.ok(PUSH, { input: { projectId, filename: name, contentBase64: b64(name) } }, { as: c.member });
    const first = await t.ok(VERSIONS, { id: projectId, first: 2 }, { as: c.viewer });
    expect(first.project.codeVersions.edges.map((e: any) => e.node.filename)).toEqual(['v3.zip', 'v2.zip']);
    expect(first.project.codeVersions.totalCount).toBe(3);
    const second = await t.ok(VERSIONS, { id: projectId, first: 2, after: first.project.codeVersions.pageInfo.endCursor }, { as: c.viewer });
    expect(second.project.codeVersions.edges.map((e: any) => e.node.filename)).toEqual(['v1.zip']);
    expect(codeOf(await t.gql(PUSH, { input: { projectId: 'nope', filename: 'a', contentBase64: b64('x') } }, { as: c.member }))).toBe('NOT_FOUND');
  });
});

describe('GET /code-versions/:id/archive', () => {
  const download = (id: string, token?: string) =>
    fetch(new URL(`/code-versions/${id}/archive`, t.url), { headers: token ? { authorization: `Bearer ${token}` } : {} });

  it("streams the archive to whoever may see the project's code versions, with its name, size and digest", async () => {
    const { c, projectId } = await project();
    const bytes = Buffer.from([80, 75, 3, 4, 0, 255, 1, 2, 3]);
    const v = (await t.ok(PUSH, { input: { projectId, filename: 'släpp 1.zip', contentBase64: b64(bytes) } }, { as: c.member })).pushCode;
    for (const who of [c.owner, c.member, c.viewer, c.superuser]) {
      const res = await download(v.id, who.token);
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer())).toEqual(bytes);
      expect(res.headers.get('content-type')).toBe('application/octet-stream');
      expect(res.headers.get('content-length')).toBe(String(bytes.length));
      expect(res.headers.get('content-disposition')).toBe(`attachment; filename="sl?pp 1.zip"; filename*=UTF-8''sl%C3%A4pp%201.zip`);
      expect(res.headers.get('etag')).toBe(`"${v.sha256}"`);
      expect(res.headers.get('cache-control')).toBe('private, no-store');
    }
    const head = await fetch(new URL(`/code-versions/${v.id}/archive`, t.url), { method: 'HEAD', headers: { authorization: `Bearer ${c.viewer.token}` } });
    expect([head.status, head.headers.get('content-length'), head.headers.get('etag')]).toEqual([200, String(bytes.length), `"${v.sha256}"`]);
  });

  it('answers 404 alike for an unknown id and for a version the caller may not see, 401 for a bad token', async () => {
    const { c, projectId } = await project();
    const v = (await t.ok(PUSH, { input: { projectId, filename: 'a.zip', contentBase64: b64('secret') } }, { as: c.member })).pushCode;
    const answers = [];
    for (const [id, token] of [
      [v.id, c.outsider.token],
      [v.id, undefined],
      ['00000000-0000-4000-8000-000000000000', c.owner.token],
      ['not-a-uuid', c.owner.token],
    ] as const) {
      const res = await download(id, token);
      answers.push([res.status, ((await res.json()) as any).errors[0].extensions.code]);
    }
    expect(answers).toEqual(Array(4).fill([404, 'NOT_FOUND']));
    const bad = await download(v.id, 'nope');
    expect(bad.status).toBe(401);
    expect(((await bad.json()) as any).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    // A removed project's code is gone with it, for everyone but its restoration.
    await t.sql("UPDATE project SET removed_at = now(), purge_at = now() + interval '1 day' WHERE id = $1", [projectId]);
    expect((await download(v.id, c.owner.token)).status).toBe(404);
  });

  it("answers 404 when the version's bytes are missing from the storage", async () => {
    const { c, projectId } = await project();
    const v = (await t.ok(PUSH, { input: { projectId, filename: 'a.zip', contentBase64: b64('gone') } }, { as: c.member })).pushCode;
    await t.sql(`DELETE FROM code_blob WHERE storage_key = $1`, [`${projectId}/${v.id}`]);
    const res = await download(v.id, c.member.token);
    expect(res.status).toBe(404);
    expect(((await res.json()) as any).errors[0]).toEqual({
      message: "The code version's archive is missing from the code storage.",
      extensions: { code: 'NOT_FOUND' },
    });
  });
});

describe.each([
  ['LocalDirectoryStorage', () => new LocalDirectoryStorage(mkdtempSync(path.join(tmpdir(), 'atrium-store-')))],
  ['PostgresCodeStorage', () => new PostgresCodeStorage(t.db, 4)],
])('%s', (_name, make) => {
  it('puts, gets and deletes by key, replaces on a second put, and refuses keys that could escape', async () => {
    const storage = make();
    await storage.put('a/b', Buffer.from('first version'));
    await storage.put(
      'a/b',
      (async function* () {
        yield Buffer.from('x');
        yield Buffer.from('yz0123');
      })(),
    );
    expect(await readAll((await storage.get('a/b'))!)).toEqual(Buffer.from('xyz0123'));
    await storage.delete('a/b');
    await storage.delete('a/b');
    expect(await storage.get('a/b')).toBeNull();
    await expect(storage.put('../x', Buffer.from('x'))).rejects.toThrow(/invalid storage key/);
    await expect(storage.get('/etc/passwd')).rejects.toThrow(/invalid storage key/);
  });
});
