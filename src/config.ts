import os from 'node:os';
import path from 'node:path';
import { hashCostFrom } from './auth/passwords';
import { parseCodeStorageUrl, type CodeStorageLocation } from './code/storage-url';

export interface Config {
  port: number;
  /**
   * WEB_CONCURRENCY: HTTP worker processes (index.ts). Default: one per CPU, at most 4, for the
   * compiled server (`npm start`); 1 under ts-node (`npm run dev`, the tests), where each worker
   * would compile the sources again.
   */
  workers: number;
  /** DATABASE_POOL_SIZE: database connections the server may hold, all workers together (each gets its share). */
  databasePoolSize: number;
  host: string;
  databaseUrl?: string;
  dataDir: string;
  publicUrl: string;
  isDevelopment: boolean;
  /** NODE_ENV=production: hides "Did you mean" field suggestions. */
  isProduction?: boolean;
  /** INTROSPECTION=false turns schema introspection (and so the playground's docs) off; on by default. */
  introspection?: boolean;
  /** CORS_ORIGINS, comma-separated: the web origins allowed to call the API; unset allows any origin (no credentials). */
  corsOrigins?: string[];
  /** LOG_LEVEL (pino: trace, debug, info, warn, error, fatal, silent); default info, silent under jest. */
  logLevel?: string;
  /**
   * SHUTDOWN_DRAIN_SECONDS: after SIGTERM, how long /readyz answers 503 while requests are still
   * served, so a load balancer stops sending before the listener closes. Default 5 in production, else 0.
   */
  shutdownDrainSeconds: number;
  /** HTTP server timeouts (index.ts, server.ts): whole headers, whole request, idle keep-alive connection. */
  httpTimeouts: { headersSeconds: number; requestSeconds: number; keepAliveSeconds: number };
  sessionTtlDays: number;
  workspaceRetentionDays: number;
  invitationTtlDays: number;
  maxCodeBytes: number;
  /** CODE_STORAGE_URL: where code archives are kept; PostgreSQL unless it names an S3-compatible bucket (code/storage-url.ts). */
  codeStorage: CodeStorageLocation;
  purgeIntervalSeconds: number;
  smtpUrl?: string;
  mailFrom: string;
  /** Mail worker: seconds between outbox passes, and delivery attempts before a message is given up. */
  mailIntervalSeconds: number;
  mailMaxAttempts: number;
  /** Abuse limits (0 disables one): invitation emails per workspace per day and per inviter per hour. */
  inviteLimitPerWorkspacePerDay: number;
  inviteLimitPerInviterPerHour: number;
  /** Minimum seconds between two sends of one invitation. */
  inviteResendCooldownSeconds: number;
  /**
   * Failed sign-ins per 15 minutes (README "Limits"): per address from one client, per client
   * over all addresses, and per address over all clients. The last is far higher than the first,
   * so a stranger's failures cannot lock a person out of their own account.
   */
  signInFailuresPerEmailAndClient: number;
  signInFailuresPerClient: number;
  signInFailuresPerEmail: number;
  /** Password reset requests per email address per hour. */
  passwordResetLimitPerEmail: number;
  /** Requests per client address per hour: sign-ups, password resets, verification emails. */
  signUpLimitPerClient: number;
  passwordResetLimitPerClient: number;
  verificationEmailLimitPerClient: number;
  /** Verification emails one account may ask for again per hour (the one sign-up sends is free). */
  verificationResendLimitPerHour: number;
  /**
   * TRUST_PROXY: how many reverse proxies in front of the server to trust for the client address
   * (Express's `trust proxy` hop count). 0, the default, takes the connection's own address and
   * ignores X-Forwarded-For, which any client can write.
   */
  trustProxy: number;
  /** METRICS_TOKEN: GET /metrics answers scrapes that send it as a bearer token; unset, /metrics does not exist. */
  metricsToken?: string;
}

/** More hops than any real deployment has; a larger value is a mistake, not a setting. */
const MAX_PROXY_HOPS = 16;
/** What a timer can hold (setTimeout keeps at most 2^31-1 ms, about 24.8 days): 24 days in seconds. */
const MAX_SECONDS = 24 * 24 * 60 * 60;
/** A century: a longer lifetime is a typo, and far longer ones overflow a date. */
const MAX_DAYS = 36_500;
const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/** sysexits.h's EX_CONFIG: the exit code of a start refused for its configuration, so a supervisor can tell it from a crash. */
export const EXIT_CONFIG = 78;

/** A configuration the server cannot start with: every problem found, each naming its variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration; fix these environment variables and start again:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** A value as it appears in a message: quoted, and cut short when long. */
const shown = (raw: string) => JSON.stringify(raw.length > 80 ? `${raw.slice(0, 80)}…` : raw);

/** The URL, when `raw` parses as one with one of `protocols` and a host; otherwise undefined. */
function parseUrl(raw: string, protocols: string[], options: { hostRequired?: boolean } = {}): URL | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (!protocols.includes(url.protocol)) return undefined;
  if ((options.hostRequired ?? true) && !url.hostname) return undefined;
  return url;
}

/**
 * Reads the environment, collecting every problem rather than stopping at the first, so one
 * failed start names every mistake. A blank value counts as unset (as `VAR=` in a compose file
 * means). A value that fails yields the default, only so that the rest can still be read.
 */
class EnvReader {
  readonly problems: string[] = [];
  constructor(private readonly env: NodeJS.ProcessEnv) {}

  raw(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value ? value : undefined;
  }

  int(name: string, fallback: number, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}): number {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    // Digits only: Number() would also take "1e3", "0x10" and "1.0", more likely mistakes than intent.
    const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (Number.isSafeInteger(value) && value >= min && value <= max) return value;
    this.problems.push(`${name} must be a whole number from ${min} to ${max}, got ${shown(raw)}`);
    return fallback;
  }

  seconds(name: string, fallback: number, min = 0): number {
    return this.int(name, fallback, { min, max: MAX_SECONDS });
  }

  days(name: string, fallback: number, min = 0): number {
    return this.int(name, fallback, { min, max: MAX_DAYS });
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = this.raw(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (['true', '1', 'yes', 'on'].includes(raw)) return true;
    if (['false', '0', 'no', 'off'].includes(raw)) return false;
    this.problems.push(`${name} must be true or false, got ${shown(this.raw(name)!)}`);
    return fallback;
  }

  /** Records `check`'s error (a message naming the variable) as a problem. */
  checked<T>(check: () => T, fallback: T): T {
    try {
      return check();
    } catch (error) {
      this.problems.push((error as Error).message);
      return fallback;
    }
  }
}

/**
 * TRUST_PROXY: a hop count. `true` (Express's "trust every hop") is refused: the client would
 * then choose its own address by writing X-Forwarded-For, and so dodge every per-client limit.
 */
function trustProxyEnv(raw: string | undefined): number {
  const value = raw?.trim().toLowerCase();
  if (value === undefined || value === '' || value === 'false' || value === 'off') return 0;
  if (/^\d+$/.test(value) && Number(value) <= MAX_PROXY_HOPS) return Number(value);
  throw new Error(`TRUST_PROXY must be the number of reverse proxies in front of Atrium (0-${MAX_PROXY_HOPS}, 0 or unset: none), got "${raw}"`);
}

/** A guessable token would make the metrics public; 16 characters is the least accepted. */
function metricsToken(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  if (raw.length < 16 || /\s/.test(raw)) throw new Error('METRICS_TOKEN must be at least 16 characters, without spaces (e.g. `openssl rand -hex 32`)');
  return raw;
}

/** DATABASE_URL as pg reads it. Its value never appears in a message: it usually holds a password. */
function databaseUrl(read: EnvReader): string | undefined {
  const raw = read.raw('DATABASE_URL');
  if (raw === undefined) return undefined;
  // `socket:` is pg's form for a Unix socket; `postgres:///db?host=/run/postgresql` has no host either.
  if (parseUrl(raw, ['postgres:', 'postgresql:', 'socket:'], { hostRequired: false })) return raw;
  read.problems.push(
    'DATABASE_URL must be a PostgreSQL URL such as postgres://atrium:secret@db.internal:5432/atrium (value not shown: it may hold a password; a password with @, # or / must be percent-encoded)',
  );
  return undefined;
}

/** PUBLIC_URL: the base of the links in emails, so an http(s) address without a query or fragment. */
function publicUrl(read: EnvReader, fallback: string): string {
  const raw = read.raw('PUBLIC_URL');
  if (raw === undefined) return fallback;
  const url = parseUrl(raw, ['http:', 'https:']);
  if (url && !url.search && !url.hash && !url.username && !url.password) return raw.replace(/\/+$/, '');
  read.problems.push(
    `PUBLIC_URL must be the http:// or https:// address people open Atrium at, such as https://atrium.example.com (no query, fragment or credentials), got ${shown(raw)}`,
  );
  return fallback;
}

/** SMTP_URL, for nodemailer. Not shown in a message either: it may hold the SMTP password. */
function smtpUrl(read: EnvReader): string | undefined {
  const raw = read.raw('SMTP_URL');
  if (raw === undefined) return undefined;
  if (parseUrl(raw, ['smtp:', 'smtps:'])) return raw;
  read.problems.push('SMTP_URL must be an smtp:// or smtps:// URL such as smtp://user:pass@mail.example.com:587 (value not shown: it may hold a password)');
  return undefined;
}

/**
 * CORS_ORIGINS: each entry a browser origin (scheme, host and port only), compared as browsers
 * send it in the Origin header: lower case, without a default port. A path or a `*` never matches
 * one, so it is refused rather than silently allowing nothing.
 */
function corsOrigins(read: EnvReader): string[] | undefined {
  const raw = read.raw('CORS_ORIGINS');
  if (raw === undefined) return undefined;
  const origins: string[] = [];
  for (const entry of raw
    .split(',')
    .map((o) => o.trim().replace(/\/$/, ''))
    .filter(Boolean)) {
    const url = parseUrl(entry, ['http:', 'https:']);
    if (url && url.origin === entry.toLowerCase()) origins.push(url.origin);
    else
      read.problems.push(
        `CORS_ORIGINS must list origins such as https://app.example.com,http://localhost:5173 (scheme, host and port only; unset allows any origin), got ${shown(entry)}`,
      );
  }
  return origins.length ? origins : undefined;
}

/** LOG_LEVEL: one of pino's levels, in any case. */
function logLevel(read: EnvReader): string | undefined {
  const raw = read.raw('LOG_LEVEL');
  if (raw === undefined) return undefined;
  if (LOG_LEVELS.includes(raw.toLowerCase())) return raw.toLowerCase();
  read.problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got ${shown(raw)}`);
  return undefined;
}

/**
 * The process configuration, from the environment (see the README's table). Throws a ConfigError
 * naming every variable that is set to something the server cannot use: a bad value stops the
 * start rather than being ignored or failing later, in the middle of a request.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const read = new EnvReader(env);
  const port = read.int('PORT', 4000, { max: 65_535 });
  const host = read.raw('HOST') || 'localhost';
  const underTsNode = Symbol.for('ts-node.register.instance') in process;
  const production = env.NODE_ENV === 'production';
  const config: Config = {
    port,
    workers: read.int('WEB_CONCURRENCY', underTsNode ? 1 : Math.min(4, os.availableParallelism()), { min: 1, max: 256 }),
    databasePoolSize: read.int('DATABASE_POOL_SIZE', 20, { min: 1, max: 10_000 }),
    host,
    databaseUrl: databaseUrl(read),
    dataDir: path.resolve(read.raw('DATA_DIR') || '.data'),
    publicUrl: publicUrl(read, `http://${host}:${port}`),
    isDevelopment: env.NODE_ENV === 'development',
    isProduction: production,
    introspection: read.bool('INTROSPECTION', true),
    corsOrigins: corsOrigins(read),
    logLevel: logLevel(read),
    shutdownDrainSeconds: read.seconds('SHUTDOWN_DRAIN_SECONDS', production ? 5 : 0),
    httpTimeouts: {
      headersSeconds: read.seconds('HTTP_HEADERS_TIMEOUT_SECONDS', 20),
      requestSeconds: read.seconds('HTTP_REQUEST_TIMEOUT_SECONDS', 120),
      // Longer than the 60-second idle timeout of common load balancers, so they close idle connections, not Atrium.
      keepAliveSeconds: read.seconds('HTTP_KEEP_ALIVE_TIMEOUT_SECONDS', 65),
    },
    sessionTtlDays: read.days('SESSION_TTL_DAYS', 30, 1),
    workspaceRetentionDays: read.days('WORKSPACE_RETENTION_DAYS', 30),
    invitationTtlDays: read.days('INVITATION_TTL_DAYS', 7, 1),
    // PostgreSQL holds at most 1 GiB in one value.
    maxCodeBytes: read.int('MAX_CODE_BYTES', 10 * 1024 * 1024, { min: 1, max: 1024 * 1024 * 1024 }),
    codeStorage: read.checked(() => parseCodeStorageUrl(env.CODE_STORAGE_URL, env), { kind: 'postgres' }),
    purgeIntervalSeconds: read.seconds('PURGE_INTERVAL_SECONDS', 300),
    smtpUrl: smtpUrl(read),
    mailFrom: read.raw('MAIL_FROM') || 'Atrium <no-reply@atrium.local>',
    mailIntervalSeconds: read.seconds('MAIL_INTERVAL_SECONDS', 5),
    mailMaxAttempts: read.int('MAIL_MAX_ATTEMPTS', 12, { min: 1, max: 1000 }),
    inviteLimitPerWorkspacePerDay: read.int('INVITE_LIMIT_PER_WORKSPACE_PER_DAY', 500),
    inviteLimitPerInviterPerHour: read.int('INVITE_LIMIT_PER_INVITER_PER_HOUR', 100),
    inviteResendCooldownSeconds: read.seconds('INVITE_RESEND_COOLDOWN_SECONDS', 60),
    // SIGN_IN_LIMIT_PER_EMAIL, the older name, counted every client together; it now sets the per-client share.
    signInFailuresPerEmailAndClient: read.int('SIGN_IN_FAILURES_PER_EMAIL_AND_CLIENT', read.int('SIGN_IN_LIMIT_PER_EMAIL', 10)),
    signInFailuresPerClient: read.int('SIGN_IN_FAILURES_PER_CLIENT', 100),
    signInFailuresPerEmail: read.int('SIGN_IN_FAILURES_PER_EMAIL', 500),
    passwordResetLimitPerEmail: read.int('PASSWORD_RESET_LIMIT_PER_EMAIL', 5),
    signUpLimitPerClient: read.int('SIGN_UP_LIMIT_PER_CLIENT', 20),
    passwordResetLimitPerClient: read.int('PASSWORD_RESET_LIMIT_PER_CLIENT', 20),
    verificationEmailLimitPerClient: read.int('VERIFICATION_EMAIL_LIMIT_PER_CLIENT', 20),
    trustProxy: read.checked(() => trustProxyEnv(env.TRUST_PROXY), 0),
    verificationResendLimitPerHour: read.int('VERIFICATION_RESEND_LIMIT_PER_HOUR', 5),
    metricsToken: read.checked(() => metricsToken(env.METRICS_TOKEN), undefined),
  };
  // Read by the password hashing itself (auth/passwords.ts) on each hash; checked here so a bad value stops the start, not the first sign-up.
  read.checked(() => hashCostFrom(env.PASSWORD_HASH_COST), 0);
  // Read by the OpenTelemetry SDK (observability/register.ts), which would only log a bad one and trace nothing.
  const otlp = read.raw('OTEL_EXPORTER_OTLP_ENDPOINT');
  if (otlp !== undefined && !parseUrl(otlp, ['http:', 'https:'])) {
    read.problems.push(`OTEL_EXPORTER_OTLP_ENDPOINT must be an http:// or https:// URL such as http://otel-collector:4318, got ${shown(otlp)}`);
  }
  if (read.problems.length) throw new ConfigError(read.problems);
  return config;
}
