import path from 'node:path';

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
  host: string;
  databaseUrl?: string;
  dataDir: string;
  publicUrl: string;
  isDevelopment: boolean;
  sessionTtlDays: number;
  workspaceRetentionDays: number;
  invitationTtlDays: number;
  maxCodeBytes: number;
  purgeIntervalSeconds: number;
  smtpUrl?: string;
  mailFrom: string;
}

/** The process configuration, from the environment (see the README's table). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = intEnv('PORT', 4000);
  const host = env.HOST || 'localhost';
  return {
    port,
    host,
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: path.resolve(env.DATA_DIR || '.data'),
    publicUrl: (env.PUBLIC_URL || `http://${host}:${port}`).replace(/\/$/, ''),
    isDevelopment: env.NODE_ENV === 'development',
    sessionTtlDays: intEnv('SESSION_TTL_DAYS', 30),
    workspaceRetentionDays: intEnv('WORKSPACE_RETENTION_DAYS', 30),
    invitationTtlDays: intEnv('INVITATION_TTL_DAYS', 7),
    maxCodeBytes: intEnv('MAX_CODE_BYTES', 10 * 1024 * 1024),
    purgeIntervalSeconds: intEnv('PURGE_INTERVAL_SECONDS', 300),
    smtpUrl: env.SMTP_URL || undefined,
    mailFrom: env.MAIL_FROM || 'Atrium <no-reply@atrium.local>',
  };
}
