import { createHash, randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { Account } from '../account/account.entity';
import { recordAudit } from '../audit/audit.service';
import { invalid } from '../errors';
import { lockProject } from '../project/project.service';
import { CodeVersion } from './code-version.entity';
import type { CodeStorage } from './storage';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Decodes a pushed archive (standard base64, padded; line breaks ignored). The length of the
 * text is checked before decoding, so an oversized push costs no memory beyond the request body.
 */
export function decodeArchive(raw: string, maxBytes: number): Buffer {
  const tooLarge = () => invalid('contentBase64', `The archive must be at most ${maxBytes} bytes.`);
  const encodedMax = 4 * Math.ceil(maxBytes / 3);
  // Line breaks as `base64` tools write them (CRLF every 76 characters) are allowed, and ignored.
  if (raw.length > encodedMax + 2 * Math.ceil(encodedMax / 76)) throw tooLarge();
  const contentBase64 = raw.replace(/\r?\n/g, '');
  if (contentBase64.length > encodedMax) throw tooLarge();
  if (contentBase64.length === 0) throw invalid('contentBase64', 'The archive must not be empty.');
  if (contentBase64.length % 4 !== 0 || !BASE64.test(contentBase64)) throw invalid('contentBase64', 'contentBase64 must be base64-encoded.');
  const data = Buffer.from(contentBase64, 'base64');
  if (data.length > maxBytes) throw tooLarge();
  if (data.length === 0) throw invalid('contentBase64', 'The archive must not be empty.');
  return data;
}

/**
 * Records a pushed code version whose bytes are already stored under `storageKey`; the caller
 * deletes the bytes again if this transaction fails.
 */
export async function recordCodeVersion(
  db: EntityManager,
  actor: Account,
  input: { id: string; projectId: string; filename: string; description?: string | null; storageKey: string; data: Buffer },
): Promise<CodeVersion> {
  const project = await lockProject(db, input.projectId, 'pessimistic_read');
  const repo = db.getRepository(CodeVersion);
  const version = await repo.save(
    repo.create({
      id: input.id,
      projectId: project.id,
      filename: input.filename.trim(),
      description: input.description ?? '',
      sizeBytes: input.data.length,
      sha256: createHash('sha256').update(input.data).digest('hex'),
      storageKey: input.storageKey,
      createdById: actor.id,
    }),
  );
  await recordAudit(db, {
    workspaceId: project.workspaceId,
    actorId: actor.id,
    action: 'code.pushed',
    details: { projectId: project.id, codeVersionId: version.id, filename: version.filename, sizeBytes: version.sizeBytes, sha256: version.sha256 },
  });
  return version;
}

/** Pushes an archive: decodes and stores the bytes, then records the version in one transaction. */
export async function pushCode(
  db: { transaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> },
  storage: CodeStorage,
  actor: Account,
  input: { projectId: string; filename: string; contentBase64: string; description?: string | null },
  maxBytes: number,
): Promise<CodeVersion> {
  const data = decodeArchive(input.contentBase64, maxBytes);
  const id = randomUUID();
  const storageKey = `${input.projectId}/${id}`;
  await storage.put(storageKey, data);
  try {
    return await db.transaction((tx) => recordCodeVersion(tx, actor, { ...input, id, storageKey, data }));
  } catch (error) {
    await storage.delete(storageKey).catch(() => undefined);
    throw error;
  }
}
