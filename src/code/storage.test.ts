import { createHash, randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../config';
import { createLogger } from '../hardening/logging';
import { LogCapture } from '../hardening/testing';
import { TestServer } from '../test/harness';
import { purgeExpired } from '../workspace/purge.job';
import { importLocalArchives } from './import';
import { S3CodeStorage } from './s3-storage';
import { BLOB_CHUNK_BYTES, codeStorage, PostgresCodeStorage, readAll } from './storage';
import { parseCodeStorageUrl } from './storage-url';

const MiB = 1024 * 1024;
let t: TestServer;
beforeAll(async () => {
  t = await TestServer.start({ maxCodeBytes: 6 * MiB });
});
afterAll(() => t.stop());

const PUSH = `mutation($input: PushCodeInput!) { pushCode(input: $input) { id sizeBytes sha256 } }`;
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

async function project() {
  const c = await t.cast();
  const { createProject } = await t.ok(
    `mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }`,
    { input: { workspaceId: c.workspace.id, name: 'P' } },
    { as: c.owner },
  );
  return { c, projectId: createProject.id as string };
}

/** Counts the chunk reads PostgresCodeStorage sends through `t.db`, and the largest chunk one returned. */
function watchChunkReads() {
  const original = t.db.query.bind(t.db);
  const seen = { reads: 0, largest: 0 };
  t.db.query = (async (sql: string, params?: unknown[]) => {
    const rows = await original(sql, params);
    if (/^SELECT data FROM code_blob/.test(sql)) {
      seen.reads++;
      for (const row of rows) seen.largest = Math.max(seen.largest, row.data.length);
    }
    return rows;
  }) as typeof t.db.query;
  return { seen, restore: () => void (t.db.query = original) };
}

describe('a multi-megabyte archive', () => {
  const size = 5 * MiB + 123;
  const bytes = randomBytes(size);
  let key: string;
  let version: { id: string; sizeBytes: number; sha256: string };
  let c: Awaited<ReturnType<typeof project>>['c'];

  beforeAll(async () => {
    const p = await project();
    c = p.c;
    version = (await t.ok(PUSH, { input: { projectId: p.projectId, filename: 'big.tar.gz', contentBase64: bytes.toString('base64') } }, { as: c.member }))
      .pushCode;
    key = `${p.projectId}/${version.id}`;
  });

  it('is stored as 256 KiB rows', async () => {
    expect(version).toMatchObject({ sizeBytes: size, sha256: sha256(bytes) });
    const rows = await t.sql('SELECT seq, length(data)::int AS n FROM code_blob WHERE storage_key = $1 ORDER BY seq', [key]);
    expect(rows.map((r) => r.seq)).toEqual([...Array(21).keys()]);
    expect(rows.slice(0, 20).every((r) => r.n === BLOB_CHUNK_BYTES)).toBe(true);
    expect(rows[20].n).toBe(size - 20 * BLOB_CHUNK_BYTES);
  });

  it('is read one row at a time, only as fast as the reader asks', async () => {
    const watch = watchChunkReads();
    try {
      const stream = (await new PostgresCodeStorage(t.db).get(key))!;
      const pieces = stream[Symbol.asyncIterator]();
      const first = await pieces.next();
      expect(first.value.length).toBe(BLOB_CHUNK_BYTES);
      await new Promise((resolve) => setTimeout(resolve, 200));
      // A reader that stopped after the first piece: at most one more row was fetched ahead.
      expect(watch.seen.reads).toBeLessThanOrEqual(2);
      const rest: Buffer[] = [first.value];
      for (let next = await pieces.next(); !next.done; next = await pieces.next()) {
        expect(next.value.length).toBeLessThanOrEqual(BLOB_CHUNK_BYTES);
        rest.push(next.value);
      }
      expect(watch.seen).toEqual({ reads: 21, largest: BLOB_CHUNK_BYTES });
      expect(sha256(Buffer.concat(rest))).toBe(version.sha256);
    } finally {
      watch.restore();
    }
  });

  it('downloads through GET /code-versions/:id/archive, fetched from the database in 256 KiB rows', async () => {
    const watch = watchChunkReads();
    try {
      const res = await fetch(new URL(`/code-versions/${version.id}/archive`, t.url), { headers: { authorization: `Bearer ${c.viewer.token}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-length')).toBe(String(size));
      const hash = createHash('sha256');
      for await (const piece of res.body as unknown as AsyncIterable<Uint8Array>) hash.update(piece);
      expect(hash.digest('hex')).toBe(version.sha256);
      expect(watch.seen).toEqual({ reads: 21, largest: BLOB_CHUNK_BYTES });
    } finally {
      watch.restore();
    }
  });

  it('ends the stream with an error, never a short archive, when it is deleted while being read', async () => {
    const storage = new PostgresCodeStorage(t.db);
    await storage.put('x/deleted-mid-read', bytes);
    const stream = (await storage.get('x/deleted-mid-read'))!;
    const pieces = stream[Symbol.asyncIterator]();
    await pieces.next();
    await storage.delete('x/deleted-mid-read');
    await expect(
      (async () => {
        for (let n = await pieces.next(); !n.done; n = await pieces.next());
      })(),
    ).rejects.toThrow(/changed while it was read/);
  });
});

describe('purging', () => {
  it('deletes the archives of a purged workspace from the database', async () => {
    const { c, projectId } = await project();
    const v = (await t.ok(PUSH, { input: { projectId, filename: 'a.zip', contentBase64: randomBytes(300_000).toString('base64') } }, { as: c.member }))
      .pushCode;
    const blobs = async () => (await t.sql('SELECT count(*)::int AS n FROM code_blob WHERE storage_key = $1', [`${projectId}/${v.id}`]))[0].n;
    expect(await blobs()).toBe(2);
    await t.ok(`mutation($id: ID!) { removeWorkspace(id: $id) { id } }`, { id: c.workspace.id }, { as: c.owner });
    await t.ok(`mutation($id: ID!) { purgeWorkspace(id: $id) }`, { id: c.workspace.id }, { as: c.platformAdmin });
    expect(await blobs()).toBe(0);
  });
  it('deletes the archives of a removed project once the purge job finds its purgeAt passed', async () => {
    const { c, projectId } = await project();
    const v = (await t.ok(PUSH, { input: { projectId, filename: 'a.zip', contentBase64: randomBytes(1000).toString('base64') } }, { as: c.member })).pushCode;
    const blobs = async () => (await t.sql('SELECT count(*)::int AS n FROM code_blob WHERE storage_key = $1', [`${projectId}/${v.id}`]))[0].n;
    await t.ok(`mutation($id: ID!) { removeProject(id: $id) }`, { id: projectId }, { as: c.owner });
    await purgeExpired(t.db, codeStorage(t.config, t.db));
    expect(await blobs()).toBe(1);
    await t.sql(`UPDATE project SET purge_at = now() - interval '1 second' WHERE id = $1`, [projectId]);
    expect((await purgeExpired(t.db, codeStorage(t.config, t.db))).projects).toBe(1);
    expect(await blobs()).toBe(0);
  });
});

describe('importing the files of earlier versions', () => {
  it('moves archives from DATA_DIR/code into the storage when they match their version, and leaves the rest', async () => {
    const { c, projectId } = await project();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'atrium-import-'));
    const dir = path.join(dataDir, 'code', projectId);
    fs.mkdirSync(dir, { recursive: true });
    const good = randomBytes(700_000);
    const [goodId, badId, orphanId] = [randomUUID(), randomUUID(), randomUUID()];
    for (const [id, data, hashOf] of [
      [goodId, good, good],
      [badId, Buffer.from('changed'), Buffer.from('original')],
    ] as const) {
      await t.sql(
        `INSERT INTO code_version (id, project_id, filename, size_bytes, sha256, storage_key, created_by_id) VALUES ($1, $2, 'a.zip', $3, $4, $5, $6)`,
        [id, projectId, hashOf.length, sha256(hashOf), `${projectId}/${id}`, c.owner.id],
      );
      fs.writeFileSync(path.join(dir, id), data);
    }
    fs.writeFileSync(path.join(dir, orphanId), 'no version');
    fs.writeFileSync(path.join(dir, `${goodId}.1a2b3c.tmp`), 'half');
    const capture = new LogCapture();
    const storage = new PostgresCodeStorage(t.db);
    const result = await importLocalArchives(t.db, storage, dataDir, createLogger({ level: 'info', destination: capture.stream }));
    expect(result).toEqual({ imported: 1, orphans: 1, failed: 1 });
    expect(await readAll((await storage.get(`${projectId}/${goodId}`))!)).toEqual(good);
    expect(await storage.get(`${projectId}/${badId}`)).toBeNull();
    expect(fs.readdirSync(dir).sort()).toEqual([badId, orphanId, `${goodId}.1a2b3c.tmp`].sort());
    expect(capture.lines).toEqual(expect.arrayContaining([expect.objectContaining({ level: 50, storageKey: `${projectId}/${badId}` })]));
    // Run again (the next start): nothing more to move, nothing moved twice.
    expect(await importLocalArchives(t.db, storage, dataDir, createLogger({ level: 'silent' }))).toEqual({ imported: 0, orphans: 1, failed: 1 });
    expect(await importLocalArchives(t.db, storage, path.join(dataDir, 'none'), createLogger({ level: 'silent' }))).toEqual({
      imported: 0,
      orphans: 0,
      failed: 0,
    });
  });
});

describe('CODE_STORAGE_URL', () => {
  it('is PostgreSQL when unset or empty', () => {
    expect(parseCodeStorageUrl(undefined)).toEqual({ kind: 'postgres' });
    expect(parseCodeStorageUrl('  ')).toEqual({ kind: 'postgres' });
    expect(loadConfig({}).codeStorage).toEqual({ kind: 'postgres' });
    expect(codeStorage(t.config, t.db)).toBeInstanceOf(PostgresCodeStorage);
  });

  it.each([
    ['s3://atrium-code', {}, { bucket: 'atrium-code', prefix: '', region: 'us-east-1', endpoint: undefined, forcePathStyle: false }],
    [
      's3://atrium-code/prod/archives/',
      { AWS_REGION: 'eu-west-1' },
      { bucket: 'atrium-code', prefix: 'prod/archives/', region: 'eu-west-1', forcePathStyle: false },
    ],
    [
      's3://code.example/a?endpoint=http://127.0.0.1:9000&region=eu-central-1',
      {},
      { bucket: 'code.example', prefix: 'a/', region: 'eu-central-1', endpoint: 'http://127.0.0.1:9000', forcePathStyle: true },
    ],
    [
      's3://b01/x?endpoint=https://s3.example.com&forcePathStyle=false',
      {},
      { bucket: 'b01', prefix: 'x/', region: 'us-east-1', endpoint: 'https://s3.example.com', forcePathStyle: false },
    ],
  ])('reads %s', (url, env, expected) => {
    expect(parseCodeStorageUrl(url, env)).toEqual({ kind: 's3', ...expected });
  });

  it.each([
    ['file:///var/atrium', /must be an s3:\/\/ URL/],
    ['not a url', /must be an s3:\/\/ URL/],
    ['s3://key:secret@bucket', /must not hold credentials/],
    ['s3://Bucket_Name', /must name a bucket/],
    ['s3://bucket:9000', /not a host/],
    ['s3://bucket/a b', /prefix/],
    ['s3://bucket?endpoint=ftp://x', /endpoint that is not an http\(s\) URL/],
    ['s3://bucket?region=Europe West', /region/],
    ['s3://bucket?forcePathStyle=yes', /forcePathStyle/],
    ['s3://bucket?acl=public-read', /unknown parameter "acl"/],
  ])('refuses %s, naming the variable', (url, why) => {
    expect(() => parseCodeStorageUrl(url)).toThrow(why);
    expect(() => loadConfig({ CODE_STORAGE_URL: url })).toThrow(/\n {2}CODE_STORAGE_URL /);
  });
});

/**
 * A stand-in for an S3-compatible service (no real one runs here): single-request and multipart
 * uploads, downloads, deletes, in memory. Enough to show the AWS SDK's requests are the ones
 * S3CodeStorage means, through a path-style endpoint as MinIO's; not a test of AWS itself.
 */
async function fakeS3() {
  const objects = new Map<string, Buffer>();
  const uploads = new Map<string, Map<number, Buffer>>();
  const requests: string[] = [];
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url!, 'http://s3');
    const body: Buffer[] = [];
    for await (const piece of req) body.push(piece as Buffer);
    const data = Buffer.concat(body);
    const name = decodeURIComponent(url.pathname);
    const query = url.searchParams;
    requests.push(`${req.method} ${name}${query.size ? `?${[...query.keys()].join('&')}` : ''}`);
    const xml = (status: number, text: string) =>
      res.writeHead(status, { 'content-type': 'application/xml' }).end(`<?xml version="1.0" encoding="UTF-8"?>${text}`);
    if (req.method === 'POST' && query.has('uploads')) {
      const id = randomUUID();
      uploads.set(id, new Map());
      return xml(200, `<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>${id}</UploadId></InitiateMultipartUploadResult>`);
    }
    if (req.method === 'PUT' && query.has('uploadId')) {
      uploads.get(query.get('uploadId')!)!.set(Number(query.get('partNumber')), data);
      return res.writeHead(200, { etag: `"${sha256(data)}"` }).end();
    }
    if (req.method === 'POST' && query.has('uploadId')) {
      const parts = [...uploads.get(query.get('uploadId')!)!.entries()].sort(([a], [b]) => a - b).map(([, part]) => part);
      objects.set(name, Buffer.concat(parts));
      return xml(200, `<CompleteMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><ETag>"x"</ETag></CompleteMultipartUploadResult>`);
    }
    if (req.method === 'PUT') {
      objects.set(name, data);
      return res.writeHead(200, { etag: `"${sha256(data)}"` }).end();
    }
    if (req.method === 'GET') {
      const object = objects.get(name);
      if (!object) return xml(404, '<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>');
      return res.writeHead(200, { 'content-length': object.length, 'content-type': 'application/octet-stream' }).end(object);
    }
    if (req.method === 'DELETE') {
      objects.delete(name);
      return res.writeHead(204).end();
    }
    res.writeHead(400).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { objects, requests, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((resolve) => server.close(resolve)) };
}

describe('S3CodeStorage', () => {
  const saved = { ...process.env };
  beforeAll(() => {
    process.env.AWS_ACCESS_KEY_ID = 'test-key';
    process.env.AWS_SECRET_ACCESS_KEY = 'test-secret';
  });
  afterAll(() => {
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'])
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
  });

  it('is configured from the URL: region, endpoint, path style, and the prefix on every key', async () => {
    const storage = new S3CodeStorage(parseCodeStorageUrl('s3://atrium-code/prod?endpoint=http://127.0.0.1:9000&region=eu-central-1') as never);
    expect(await storage.client.config.region()).toBe('eu-central-1');
    expect(storage.client.config.forcePathStyle).toBe(true);
    const endpoint = await storage.client.config.endpoint!();
    expect(`${endpoint.protocol}//${endpoint.hostname}:${endpoint.port}`).toBe('http://127.0.0.1:9000');
    expect(storage.objectKey('p/v')).toBe('prod/p/v');
    expect(() => storage.objectKey('../v')).toThrow(/invalid storage key/);
    expect(codeStorage({ codeStorage: storage.location }, {} as never)).toBeInstanceOf(S3CodeStorage);
  });

  it('puts, gets and deletes objects through an S3-compatible endpoint, multipart past 5 MiB', async () => {
    const s3 = await fakeS3();
    try {
      const storage = new S3CodeStorage(parseCodeStorageUrl(`s3://atrium-code/prod?endpoint=${s3.url}`) as never);
      await storage.put('p/small', Buffer.from('tiny archive'));
      expect(await readAll((await storage.get('p/small'))!)).toEqual(Buffer.from('tiny archive'));
      const big = randomBytes(6 * MiB);
      await storage.put(
        'p/big',
        (async function* () {
          for (let at = 0; at < big.length; at += 192 * 1024) yield big.subarray(at, at + 192 * 1024);
        })(),
      );
      expect(sha256(await readAll((await storage.get('p/big'))!))).toBe(sha256(big));
      expect(s3.objects.get('/atrium-code/prod/p/big')?.length).toBe(big.length);
      expect(s3.requests).toEqual([
        'PUT /atrium-code/prod/p/small?x-id',
        'GET /atrium-code/prod/p/small?x-id',
        // Past one 5 MiB part: multipart, the parts sent one after the other.
        'POST /atrium-code/prod/p/big?uploads',
        'PUT /atrium-code/prod/p/big?partNumber&uploadId&x-id',
        'PUT /atrium-code/prod/p/big?partNumber&uploadId&x-id',
        'POST /atrium-code/prod/p/big?uploadId',
        'GET /atrium-code/prod/p/big?x-id',
      ]);
      await storage.delete('p/big');
      await storage.delete('p/big');
      expect(await storage.get('p/big')).toBeNull();
    } finally {
      await s3.close();
    }
  });
});
