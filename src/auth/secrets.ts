import { createHash, randomBytes } from 'node:crypto';

/**
 * A new bearer secret with 256 random bits. The prefix names its kind (`ats_` session,
 * `atp_` personal access token, `ati_` invitation, `atr_` password reset, `atv_` email verification) so secret scanners
 * and people can tell them apart.
 */
export function newSecret(prefix: 'ats' | 'atp' | 'ati' | 'atr' | 'atv'): { secret: string; hash: Buffer } {
  const secret = `${prefix}_${randomBytes(32).toString('base64url')}`;
  return { secret, hash: hashSecret(secret) };
}

/** The stored form of a secret: its SHA-256 (the secret has enough entropy for a plain hash). */
export function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}
