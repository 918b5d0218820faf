import { createHash, randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { Account } from '../account/account.entity';
import { recordAudit } from '../audit/audit.service';
import { invalid } from '../errors';
import { lockProject } from '../project/project.service';
import { CodeVersion } from './code-version.entity';
import type { CodeStorage } from './storage';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** A pushed archive, checked but not yet decoded: its base64 text (line breaks removed) and decoded size. */
export interface CheckedArchive {
  base64: string;
  sizeBytes: number;
}

/**
 * Checks a pushed archive (standard base64, padded; line breaks ignored) without decoding it. The
 * length of the text is checked first, so an oversized push costs no memory beyond the request body.
 */
export function checkArchive(raw: string, maxBytes: number): CheckedArchive {
  const tooLarge = () => invalid('contentBase64', `The archive must be at most ${maxBytes} bytes.`);
  const encodedMax = 4 * Math.ceil(maxBytes / 3);
  // Line breaks as `base64` tools write them (CRLF every 76 characters) are allowed, and ignored.
  if (raw.length > encodedMax + 2 * Math.ceil(encodedMax / 76)) throw tooLarge();
  const base64 = raw.replace(/\r?\n/g, '');
  if (base64.length > encodedMax) throw tooLarge();
  if (base64.length === 0) throw invalid('contentBase64', 'The archive must not be empty.');
  if (base64.length % 4 !== 0 || !BASE64.test(base64)) throw invalid('contentBase64', 'contentBase64 must be base64-encoded.');
  const padding = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
  const sizeBytes = (base64.length / 4) * 3 - padding;
  if (sizeBytes > maxBytes) throw tooLarge();
  if (sizeBytes === 0) throw invalid('contentBase64', 'The archive must not be empty.');
  return { base64, sizeBytes };
}

/** Characters of base64 decoded at a time: a multiple of 4, so every slice decodes on its own (192 KiB of bytes). */
const DECODE_SLICE = 4 * 64 * 1024;

/**
 * The archive's bytes, decoded a slice at a time as storage asks for them, and their SHA-256
 * once the last slice is out: the decoded archive is never held whole in memory.
 */
export function decodedPieces(archive: CheckedArchive): { pieces: AsyncIterable<Buffer>; sha256: () => string } {
  const hash = createHash('sha256');
  let digest: string | undefined;
  async function* pieces(): AsyncGenerator<Buffer> {
    for (let at = 0; at < archive.base64.length; at += DECODE_SLICE) {
      const piece = Buffer.from(archive.base64.slice(at, at + DECODE_SLICE), 'base64');
      hash.update(piece);
      yield piece;
    }
    digest = hash.digest('hex');
  }
  return {
    pieces: pieces(),
    sha256: () => {
      if (digest === undefined) throw new Error('the archive was not read to its end');
      return digest;
    },
  };
}

/**
 * Records a pushed code version whose bytes are already stored under `storageKey`; the caller
 * deletes the bytes again if this transaction fails.
 */
export async function recordCodeVersion(
  db: EntityManager,
  actor: Account,
  input: { id: string; projectId: string; filename: string; description?: string | null; storageKey: string; sizeBytes: number; sha256: string },
): Promise<CodeVersion> {
  const project = await lockProject(db, input.projectId, 'pessimistic_read');
  const repo = db.getRepository(CodeVersion);
  const version = await repo.save(
    repo.create({
      id: input.id,
      projectId: project.id,
      filename: input.filename.trim(),
      description: input.description ?? '',
      sizeBytes: input.sizeBytes,
      sha256: input.sha256,
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

/** Pushes an archive: decodes and stores the bytes piece by piece, then records the version in one transaction. */
export async function pushCode(
  db: { transaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> },
  storage: CodeStorage,
  actor: Account,
  input: { projectId: string; filename: string; contentBase64: string; description?: string | null },
  maxBytes: number,
): Promise<CodeVersion> {
  const archive = checkArchive(input.contentBase64, maxBytes);
  const id = randomUUID();
  const storageKey = `${input.projectId}/${id}`;
  const decoded = decodedPieces(archive);
  await storage.put(storageKey, decoded.pieces);
  try {
    return await db.transaction((tx) => recordCodeVersion(tx, actor, { ...input, id, storageKey, sizeBytes: archive.sizeBytes, sha256: decoded.sha256() }));
  } catch (error) {
    await storage.delete(storageKey).catch(() => undefined);
    throw error;
  }
}
