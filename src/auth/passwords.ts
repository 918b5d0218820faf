import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** scrypt's cost parameters: N = 2^logN, block size r, parallelism p. */
export interface ScryptParams {
  logN: number;
  r: number;
  p: number;
}

/**
 * OWASP's floor for scrypt (Password Storage Cheat Sheet): N=2^17, r=8, p=1, i.e. 128 MiB and
 * roughly a few hundred milliseconds per hash. PASSWORD_HASH_COST (log2 of N) lowers it for tests
 * only, where a thousand sign-ups at 128 MiB each would take minutes.
 */
export const DEFAULT_LOG_N = 17;
const KEYLEN = 32;
/** 2^20 with r=8 is 1 GiB per hash: anything above is a mistake, in the configuration or in a stored hash. */
const MAX_LOG_N = 20;

/** PASSWORD_HASH_COST's value (log2 of N), or the default when unset; also checked at start-up (config.ts). */
export function hashCostFrom(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return DEFAULT_LOG_N;
  const logN = /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(logN) || logN < 1 || logN > MAX_LOG_N)
    throw new Error(`PASSWORD_HASH_COST must be a whole number from 1 to ${MAX_LOG_N}, got "${raw}"`);
  return logN;
}

/** The parameters new hashes get: read on every call, so a test may change PASSWORD_HASH_COST. */
export function currentParams(): ScryptParams {
  return { logN: hashCostFrom(process.env.PASSWORD_HASH_COST), r: 8, p: 1 };
}

/**
 * The memory scrypt needs for these parameters (OpenSSL's own bound, 128·r·(N + p + 2) bytes),
 * plus slack. Node refuses by default past 32 MiB, which N=2^17 with r=8 (128 MiB) exceeds.
 */
const maxmemFor = ({ logN, r, p }: ScryptParams) => 128 * r * (2 ** logN + p + 2) + 1024 * 1024;

function derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    // scrypt runs on libuv's thread pool, off the event loop.
    scrypt(password.normalize('NFKC'), salt, KEYLEN, { N: 2 ** params.logN, r: params.r, p: params.p, maxmem: maxmemFor(params) }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

interface ParsedHash {
  params: ScryptParams;
  salt: Buffer;
  key: Buffer;
  /** The first format (`scrypt$<logN>$salt$key`), which did not record r and p. */
  legacy: boolean;
}

/**
 * Reads a stored hash: the PHC string format `$scrypt$ln=17,r=8,p=1$<salt>$<key>` (base64), or
 * the first format `scrypt$15$<salt>$<key>`, whose r and p were always 8 and 1. Null when unreadable.
 */
function parse(stored: string): ParsedHash | null {
  const phc = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(stored);
  if (phc) {
    const [, logN, r, p, salt, key] = phc;
    return { params: { logN: Number(logN), r: Number(r), p: Number(p) }, salt: Buffer.from(salt, 'base64'), key: Buffer.from(key, 'base64'), legacy: false };
  }
  const legacy = /^scrypt\$(\d{1,2})\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(stored);
  if (legacy) {
    const [, logN, salt, key] = legacy;
    return { params: { logN: Number(logN), r: 8, p: 1 }, salt: Buffer.from(salt, 'base64'), key: Buffer.from(key, 'base64'), legacy: true };
  }
  return null;
}

/** Hashes a password with scrypt (memory-hard); the result records its own parameters. */
export async function hashPassword(password: string, params: ScryptParams = currentParams()): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, params);
  return `$scrypt$ln=${params.logN},r=${params.r},p=${params.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** Checks a password against a stored hash (either format) in constant time. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parse(stored);
  // Parameters past anything hashPassword makes could only exhaust the server's memory.
  if (!parsed || parsed.params.logN < 1 || parsed.params.logN > MAX_LOG_N || parsed.params.r > 16 || parsed.params.p > 4) return false;
  const actual = await derive(password, parsed.salt, parsed.params);
  return actual.length === parsed.key.length && timingSafeEqual(actual, parsed.key);
}

/**
 * Whether a stored hash is weaker than what hashPassword makes now (or in the first format), so
 * the next successful sign-in should store a new one. A hash stronger than the current
 * parameters (a test or development cost) is kept: re-hashing never weakens it.
 */
export function needsRehash(stored: string, target: ScryptParams = currentParams()): boolean {
  const parsed = parse(stored);
  if (!parsed) return false;
  return parsed.legacy || parsed.params.logN < target.logN || parsed.params.r < target.r || parsed.params.p < target.p;
}

/** A hash of a random password, for comparing against when the account does not exist (equal timing). */
let dummy: { logN: number; hash: Promise<string> } | undefined;
export const dummyHash = (): Promise<string> => {
  const params = currentParams();
  if (dummy?.logN !== params.logN) dummy = { logN: params.logN, hash: hashPassword(randomBytes(16).toString('hex'), params) };
  return dummy.hash;
};
