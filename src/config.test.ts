import { ConfigError, loadConfig } from './config';

/** loadConfig reads only the environment it is given, and refuses what the server could not use, naming the variable. */

/** The problems loadConfig reports for `env`; none when it accepts it. */
function problems(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
}

describe('loadConfig', () => {
  it('reads numbers from the environment it is given, not from the process', () => {
    const saved = process.env.PORT;
    process.env.PORT = 'not a port';
    try {
      expect(loadConfig({ PORT: '8080', SESSION_TTL_DAYS: '3' })).toMatchObject({ port: 8080, sessionTtlDays: 3, publicUrl: 'http://localhost:8080' });
      expect(loadConfig({}).port).toBe(4000);
    } finally {
      if (saved === undefined) delete process.env.PORT;
      else process.env.PORT = saved;
    }
  });

  it('takes blank values as unset, as `VAR=` in a compose file means', () => {
    const config = loadConfig({ PORT: '', DATABASE_URL: ' ', LOG_LEVEL: '', CORS_ORIGINS: '', SMTP_URL: '', PUBLIC_URL: '' });
    expect(config).toMatchObject({
      port: 4000,
      databaseUrl: undefined,
      logLevel: undefined,
      corsOrigins: undefined,
      smtpUrl: undefined,
      publicUrl: 'http://localhost:4000',
    });
  });

  it('accepts good values and normalizes them', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://atrium:s%40cret@db:5432/atrium?sslmode=require',
      PUBLIC_URL: 'https://atrium.example.com/',
      SMTP_URL: 'smtp://user:pass@mailpit:1025',
      CORS_ORIGINS: 'https://App.example.com, http://localhost:5173/',
      LOG_LEVEL: 'WARN',
      INTROSPECTION: 'false',
      HTTP_REQUEST_TIMEOUT_SECONDS: ' 30 ',
      PASSWORD_HASH_COST: '12',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318',
    });
    expect(config).toMatchObject({
      databaseUrl: 'postgres://atrium:s%40cret@db:5432/atrium?sslmode=require',
      publicUrl: 'https://atrium.example.com',
      smtpUrl: 'smtp://user:pass@mailpit:1025',
      corsOrigins: ['https://app.example.com', 'http://localhost:5173'],
      logLevel: 'warn',
      introspection: false,
      httpTimeouts: { headersSeconds: 20, requestSeconds: 30, keepAliveSeconds: 65 },
    });
    expect(loadConfig({ DATABASE_URL: 'postgresql:///atrium?host=/run/postgresql' }).databaseUrl).toBe('postgresql:///atrium?host=/run/postgresql');
    expect(loadConfig({ PUBLIC_URL: 'https://example.com/atrium' }).publicUrl).toBe('https://example.com/atrium');
    expect(loadConfig({ PORT: '0' }).port).toBe(0);
  });

  it.each([
    ['PORT', '80a'],
    ['PORT', '65536'],
    ['PORT', '-1'],
    ['WEB_CONCURRENCY', '0'],
    ['DATABASE_POOL_SIZE', '1.5'],
    ['SESSION_TTL_DAYS', '0'],
    ['SESSION_TTL_DAYS', '1e3'],
    ['INVITATION_TTL_DAYS', '7d'],
    ['WORKSPACE_RETENTION_DAYS', '99999999'],
    ['MAX_CODE_BYTES', '10MB'],
    ['PURGE_INTERVAL_SECONDS', '0x10'],
    ['MAIL_INTERVAL_SECONDS', 'five'],
    ['MAIL_MAX_ATTEMPTS', '0'],
    ['SHUTDOWN_DRAIN_SECONDS', '3000000'],
    ['HTTP_HEADERS_TIMEOUT_SECONDS', '20s'],
    ['HTTP_REQUEST_TIMEOUT_SECONDS', '-5'],
    ['HTTP_KEEP_ALIVE_TIMEOUT_SECONDS', 'NaN'],
    ['INVITE_LIMIT_PER_WORKSPACE_PER_DAY', 'unlimited'],
    ['INVITE_LIMIT_PER_INVITER_PER_HOUR', '1,000'],
    ['INVITE_RESEND_COOLDOWN_SECONDS', 'Infinity'],
    ['SIGN_IN_LIMIT_PER_EMAIL', 'x'],
    ['SIGN_IN_FAILURES_PER_EMAIL_AND_CLIENT', 'x'],
    ['SIGN_IN_FAILURES_PER_CLIENT', 'x'],
    ['SIGN_IN_FAILURES_PER_EMAIL', 'x'],
    ['PASSWORD_RESET_LIMIT_PER_EMAIL', 'x'],
    ['SIGN_UP_LIMIT_PER_CLIENT', 'x'],
    ['PASSWORD_RESET_LIMIT_PER_CLIENT', 'x'],
    ['VERIFICATION_EMAIL_LIMIT_PER_CLIENT', 'x'],
    ['VERIFICATION_RESEND_LIMIT_PER_HOUR', 'x'],
    ['PASSWORD_HASH_COST', '40'],
    ['INTROSPECTION', 'flase'],
  ])('refuses %s=%j, naming it and the value', (name, value) => {
    const found = problems({ [name]: value });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(new RegExp(`^${name} must be `));
    expect(found[0]).toContain(JSON.stringify(value));
  });

  it.each([
    ['PUBLIC_URL', 'atrium.example.com'],
    ['PUBLIC_URL', 'ftp://atrium.example.com'],
    ['PUBLIC_URL', 'https://atrium.example.com/?x=1'],
    ['PUBLIC_URL', 'https://'],
    ['CORS_ORIGINS', 'https://app.example.com/path'],
    ['CORS_ORIGINS', '*'],
    ['CORS_ORIGINS', 'app.example.com'],
    ['CORS_ORIGINS', 'https://app.example.com:443'],
    ['LOG_LEVEL', 'verbose'],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'otel-collector:4318'],
    ['TRUST_PROXY', 'true'],
  ])('refuses %s=%j, naming it', (name, value) => {
    const found = problems({ [name]: value });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(new RegExp(`^${name} must `));
  });

  it.each([
    ['DATABASE_URL', 'mysql://root:hunter2@db/atrium'],
    ['DATABASE_URL', 'localhost:5432/atrium'],
    ['DATABASE_URL', 'postgres://atrium:hunter2@db:99999/atrium'],
    ['DATABASE_URL', 'postgres://atrium:hun#ter2@db/atrium'],
    ['SMTP_URL', 'http://user:hunter2@mail:1025'],
    ['SMTP_URL', 'mailpit:1025'],
  ])('refuses %s=%j without showing it (it may hold a password)', (name, value) => {
    const found = problems({ [name]: value });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(new RegExp(`^${name} must be `));
    expect(found[0]).not.toContain('hunter2');
    expect(found[0]).not.toContain(value);
  });

  it('names every bad variable at once, one per line', () => {
    try {
      loadConfig({ PORT: 'http', LOG_LEVEL: 'loud', PUBLIC_URL: 'example.com', CORS_ORIGINS: 'https://ok.example.com,nope' });
      throw new Error('accepted');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const lines = (error as Error).message.split('\n');
      expect(lines[0]).toMatch(/^Invalid configuration/);
      expect(lines.slice(1).map((l) => l.trim().split(' ')[0])).toEqual(['PORT', 'PUBLIC_URL', 'CORS_ORIGINS', 'LOG_LEVEL']);
    }
  });
});
