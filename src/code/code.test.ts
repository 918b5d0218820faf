import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { codeOf, TestServer } from '../test/harness';
import { LocalDirectoryStorage } from './storage';

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
  it('stores a pushed archive under DATA_DIR/code with its SHA-256 and size', async () => {
    const { c, projectId } = await project();
    const bytes = Buffer.from([0, 1, 2, 250, 255, 80, 75, 3, 4]);
    const v = (await t.ok(PUSH, { input: { projectId, filename: 'code.zip', contentBase64: b64(bytes), description: 'first' } }, { as: c.member })).pushCode;
    expect(v).toMatchObject({ filename: 'code.zip', sizeBytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), description: 'first', createdBy: { id: c.memberIds.member }, project: { id: projectId } });
    const [row] = await t.sql('SELECT storage_key FROM code_version WHERE id = $1', [v.id]);
    expect(row.storage_key).toBe(`${projectId}/${v.id}`);
    expect(readFileSync(path.join(dataDir, 'code', projectId, v.id))).toEqual(bytes);
    expect(await new LocalDirectoryStorage(path.join(dataDir, 'code')).get(row.storage_key)).toEqual(bytes);
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
    expect(existsSync(path.join(dataDir, 'code', projectId)) ? readdirSync(path.join(dataDir, 'code', projectId)) : []).toEqual([]);
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

describe('LocalDirectoryStorage', () => {
  it('puts, gets and deletes by key, and refuses keys that could escape its directory', async () => {
    const storage = new LocalDirectoryStorage(mkdtempSync(path.join(tmpdir(), 'atrium-store-')));
    await storage.put('a/b', Buffer.from('x'));
    expect(await storage.get('a/b')).toEqual(Buffer.from('x'));
    await storage.delete('a/b');
    await storage.delete('a/b');
    expect(await storage.get('a/b')).toBeNull();
    await expect(storage.put('../x', Buffer.from('x'))).rejects.toThrow(/invalid storage key/);
    await expect(storage.get('/etc/passwd')).rejects.toThrow(/invalid storage key/);
  });
});
