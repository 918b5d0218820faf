import os from 'node:os';
import path from 'node:path';
import { parseCodeStorageUrl, type CodeStorageLocation } from './code/storage-url';

/** Reads an integer environment variable, falling back to `fallback` when unset or malformed. */
function intEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return value;
}

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

/** The process configuration, from the environment (see the README's table). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = intEnv('PORT', 4000);
  const host = env.HOST || 'localhost';
  const underTsNode = Symbol.for('ts-node.register.instance') in process;
  return {
    port,
    workers: Math.max(1, intEnv('WEB_CONCURRENCY', underTsNode ? 1 : Math.min(4, os.availableParallelism()))),
    databasePoolSize: Math.max(1, intEnv('DATABASE_POOL_SIZE', 20)),
    host,
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: path.resolve(env.DATA_DIR || '.data'),
    publicUrl: (env.PUBLIC_URL || `http://${host}:${port}`).replace(/\/$/, ''),
    isDevelopment: env.NODE_ENV === 'development',
    isProduction: env.NODE_ENV === 'production',
    introspection: env.INTROSPECTION !== 'false',
    corsOrigins: env.CORS_ORIGINS ? env.CORS_ORIGINS.split(',').map((o) => o.trim().replace(/\/$/, '')).filter(Boolean) : undefined,
    logLevel: env.LOG_LEVEL || undefined,
    shutdownDrainSeconds: intEnv('SHUTDOWN_DRAIN_SECONDS', env.NODE_ENV === 'production' ? 5 : 0),
    httpTimeouts: {
      headersSeconds: intEnv('HTTP_HEADERS_TIMEOUT_SECONDS', 20),
      requestSeconds: intEnv('HTTP_REQUEST_TIMEOUT_SECONDS', 120),
      // Longer than the 60-second idle timeout of common load balancers, so they close idle connections, not Atrium.
      keepAliveSeconds: intEnv('HTTP_KEEP_ALIVE_TIMEOUT_SECONDS', 65),
    },
    sessionTtlDays: intEnv('SESSION_TTL_DAYS', 30),
    workspaceRetentionDays: intEnv('WORKSPACE_RETENTION_DAYS', 30),
    invitationTtlDays: intEnv('INVITATION_TTL_DAYS', 7),
    maxCodeBytes: intEnv('MAX_CODE_BYTES', 10 * 1024 * 1024),
    codeStorage: parseCodeStorageUrl(env.CODE_STORAGE_URL, env),
    purgeIntervalSeconds: intEnv('PURGE_INTERVAL_SECONDS', 300),
    smtpUrl: env.SMTP_URL || undefined,
    mailFrom: env.MAIL_FROM || 'Atrium <no-reply@atrium.local>',
    mailIntervalSeconds: intEnv('MAIL_INTERVAL_SECONDS', 5),
    mailMaxAttempts: intEnv('MAIL_MAX_ATTEMPTS', 12),
    inviteLimitPerWorkspacePerDay: intEnv('INVITE_LIMIT_PER_WORKSPACE_PER_DAY', 500),
    inviteLimitPerInviterPerHour: intEnv('INVITE_LIMIT_PER_INVITER_PER_HOUR', 100),
    inviteResendCooldownSeconds: intEnv('INVITE_RESEND_COOLDOWN_SECONDS', 60),
    // SIGN_IN_LIMIT_PER_EMAIL, the older name, counted every client together; it now sets the per-client share.
    signInFailuresPerEmailAndClient: intEnv('SIGN_IN_FAILURES_PER_EMAIL_AND_CLIENT', intEnv('SIGN_IN_LIMIT_PER_EMAIL', 10)),
    signInFailuresPerClient: intEnv('SIGN_IN_FAILURES_PER_CLIENT', 100),
    signInFailuresPerEmail: intEnv('SIGN_IN_FAILURES_PER_EMAIL', 500),
    passwordResetLimitPerEmail: intEnv('PASSWORD_RESET_LIMIT_PER_EMAIL', 5),
    signUpLimitPerClient: intEnv('SIGN_UP_LIMIT_PER_CLIENT', 20),
    passwordResetLimitPerClient: intEnv('PASSWORD_RESET_LIMIT_PER_CLIENT', 20),
    verificationEmailLimitPerClient: intEnv('VERIFICATION_EMAIL_LIMIT_PER_CLIENT', 20),
    trustProxy: trustProxyEnv(env.TRUST_PROXY),
    verificationResendLimitPerHour: intEnv('VERIFICATION_RESEND_LIMIT_PER_HOUR', 5),
    metricsToken: metricsToken(env.METRICS_TOKEN),
  };
}
