import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import type { GraphQLSchema } from 'graphql';
import type { DataSource, Logger as TypeOrmLogger } from 'typeorm';
import { loadConfig, type Config } from '../config';
import { createDataSource } from '../db/data-source';
import { createServer, type AtriumServer } from '../server';
import { seedDatabase, type SeedManifest } from '../scripts/seed';
import { Visibility, WorkspaceRole } from '../common/enums';

export interface GqlError {
  message: string;
  path?: string[];
  extensions?: { code?: string; reason?: string; fields?: { field: string; message: string }[]; [k: string]: unknown };
}
export interface GqlResult<T = any> {
  data?: T;
  errors?: GqlError[];
  status: number;
}
export interface TestUser {
  id: string;
  email: string;
  name: string;
  token: string;
  password: string;
}
export type As = TestUser | { token: string } | null | undefined;

export const ADMIN_DB_URL = () => {
  const url = process.env.ATRIUM_TEST_DB_URL;
  if (!url) throw new Error('ATRIUM_TEST_DB_URL is not set: run the tests through jest (globalSetup starts the database)');
  return url;
};

const dbUrl = (name: string) => ADMIN_DB_URL().replace(/\/[^/?]*(\?|$)/, `/${name}$1`);

/** Creates a fresh database cloned from the migrated template; returns its URL. */
export async function cloneTemplateDatabase(): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: ADMIN_DB_URL() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name} TEMPLATE atrium_template`);
  await admin.end();
  return {
    url: dbUrl(name),
    name,
    drop: async () => {
      const c = new Client({ connectionString: ADMIN_DB_URL() });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/**
 * A data source on its own clone of the template database, for the tests of one file: opened
 * before them (after `configure`, e.g. to set a logger) and closed and dropped after them.
 */
export function clonedDataSource(configure?: (db: DataSource) => void): { db: DataSource } {
  const fixture = {} as { db: DataSource };
  let drop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const clone = await cloneTemplateDatabase();
    drop = clone.drop;
    fixture.db = createDataSource({ url: clone.url, poolSize: 2 });
    configure?.(fixture.db);
    await fixture.db.initialize();
  });
  afterAll(async () => {
    await fixture.db?.destroy();
    await drop?.();
  });
  return fixture;
}

/** What a test may change about the server besides its configuration. */
export interface StartOptions {
  /** Receives every unexpected error the server logs. */
  log?: (error: unknown) => void;
  /** The server's request logger (default: silent under jest). */
  logger?: Parameters<typeof createServer>[0]['logger'];
  /** Sees every SQL statement the server runs. */
  sqlLogger?: TypeOrmLogger;
  /** Another schema (e.g. with a field missing from the permission matrix). */
  schema?: GraphQLSchema;
  /** Rewrites the database URL, e.g. to go through a proxy the test can cut. */
  databaseUrl?: (cloneUrl: string) => string | Promise<string>;
  poolSize?: number;
}

let counter = 0;

/**
 * Every test request comes from 127.0.0.1, so the per-client limits would make one test file a
 * single client signing up hundreds of accounts. They are off unless a test sets them
 * (src/auth/rate-limit.test.ts does); the per-address limits keep their defaults.
 */
export const PER_CLIENT_LIMITS_OFF = {
  signUpLimitPerClient: 0,
  passwordResetLimitPerClient: 0,
  verificationEmailLimitPerClient: 0,
  signInFailuresPerClient: 0,
} satisfies Partial<Config>;

/**
 * A running Atrium on its own database and port, with helpers that read like the product:
 * `await t.gql(RENAME, { id, name }, { as: viewer })`.
 */
export class TestServer {
  constructor(
    readonly url: string,
    readonly db: DataSource,
    readonly server: AtriumServer,
    readonly config: Config,
    private readonly dropDb: () => Promise<void>,
    readonly databaseUrl: string,
  ) {}

  static async start(overrides: Partial<Config> = {}, options: StartOptions = {}): Promise<TestServer> {
    const clone = await cloneTemplateDatabase();
    // Files (code archives, mail) go to a directory of this server's own, never the project's .data.
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'atrium-data-'));
    const config = { ...loadConfig({}), port: 0, host: '127.0.0.1', dataDir, ...PER_CLIENT_LIMITS_OFF, ...overrides };
    const url = options.databaseUrl ? await options.databaseUrl(clone.url) : clone.url;
    const db = createDataSource({ url, poolSize: options.poolSize ?? 10 });
    if (options.sqlLogger) db.setOptions({ logging: ['query'], logger: options.sqlLogger });
    await db.initialize();
    // Queries run compiled from their first use (those execution.ts lets compile: no string
    // literals, …), so the tests exercise graphql-jit's path; the interpreted one is graphql-js's
    // own, and src/execution.test.ts compares the two.
    const server = await createServer({
      db,
      config,
      schema: options.schema,
      logger: options.logger,
      log: options.log ?? (() => undefined),
      execution: { compileAt: 1 },
    });
    const endpoint = await server.listen(0, '127.0.0.1');
    return new TestServer(endpoint, db, server, config, clone.drop, clone.url);
  }

  async stop(): Promise<void> {
    await this.server.stop();
    await this.db.destroy();
    await this.dropDb();
  }

  /** Sends a GraphQL operation over HTTP as `as` (a user, a token, or a guest). */
  async gql<T = any>(
    query: string,
    variables: Record<string, unknown> = {},
    options: { as?: As; headers?: Record<string, string>; operationName?: string } = {},
  ): Promise<GqlResult<T>> {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
    if (options.as) headers.authorization = `Bearer ${options.as.token}`;
    const res = await fetch(this.url, { method: 'POST', headers, body: JSON.stringify({ query, variables, operationName: options.operationName }) });
    const body = (await res.json()) as GqlResult<T>;
    return { ...body, status: res.status };
  }

  /** Like gql, but fails the test on any error and returns `data`. */
  async ok<T = any>(query: string, variables: Record<string, unknown> = {}, options: { as?: As } = {}): Promise<T> {
    const result = await this.gql<T>(query, variables, options);
    if (result.errors?.length) throw new Error(`unexpected errors: ${JSON.stringify(result.errors, null, 2)}`);
    return result.data as T;
  }

  sql<T = any>(query: string, params: unknown[] = []): Promise<T[]> {
    return this.db.query(query, params);
  }

  /**
   * Signs up a new account through the API and, unless `verified: false`, verifies its address
   * the way its owner would: with the link of the verification email, read from the outbox. That
   * email then counts as delivered (and its body is erased, as the mail worker does), so tests
   * about other mail see only theirs.
   */
  async signUp(input: { name?: string; email?: string; password?: string; verified?: boolean } = {}): Promise<TestUser> {
    const n = ++counter;
    const name = input.name ?? `User ${n}`;
    const email = input.email ?? `user${n}-${randomBytes(3).toString('hex')}@example.com`;
    const password = input.password ?? 'correct horse battery';
    const data = await this.ok(`mutation($input: SignUpInput!) { signUp(input: $input) { token me { id email name } } }`, { input: { name, email, password } });
    const user = { id: data.signUp.me.id, email: data.signUp.me.email, name, token: data.signUp.token, password };
    if (input.verified !== false) await this.verifyFromOutbox(user.email);
    return user;
  }

  /** The token of the newest undelivered verification email to `email`, marked delivered. */
  async takeVerificationToken(email: string): Promise<string> {
    const [mail] = await this.sql<{ id: string; text_body: string }>(
      `SELECT id, text_body FROM outbox_email WHERE kind = 'email_verification' AND to_address = $1 AND sent_at IS NULL ORDER BY created_at DESC LIMIT 1`,
      [email],
    );
    const match = mail && /\/verify-email\?token=([A-Za-z0-9_%-]+)/.exec(mail.text_body);
    if (!match) throw new Error(`no verification email for ${email} in the outbox`);
    await this.sql(`UPDATE outbox_email SET sent_at = now(), text_body = '', html_body = '' WHERE id = $1`, [mail.id]);
    return decodeURIComponent(match[1]);
  }

  /** Verifies an address with the link of its verification email (see signUp). */
  async verifyFromOutbox(email: string): Promise<void> {
    const token = await this.takeVerificationToken(email);
    const data = await this.ok(`mutation($token: String!) { verifyEmail(token: $token) }`, { token });
    if (data.verifyEmail !== true) throw new Error(`verifyEmail answered ${data.verifyEmail} for ${email}`);
  }

  /** Creates a workspace through the API, owned by `owner`. */
  async createWorkspace(owner: TestUser, input: { name?: string; visibility?: Visibility; description?: string } = {}): Promise<{ id: string; name: string }> {
    const data = await this.ok(
      `mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { id name } }`,
      { input: { name: input.name ?? `Workspace ${++counter}`, visibility: input.visibility ?? Visibility.PRIVATE, description: input.description ?? '' } },
      { as: owner },
    );
    return data.createWorkspace;
  }

  /** Adds a membership directly (a fixture shortcut: invitations are tested on their own). Returns the member id. */
  async addMember(workspaceId: string, user: TestUser, role: Exclude<WorkspaceRole, WorkspaceRole.OWNER>): Promise<string> {
    const [row] = await this.sql<{ id: string }>('INSERT INTO membership (workspace_id, account_id, role) VALUES ($1, $2, $3) RETURNING id', [
      workspaceId,
      user.id,
      role,
    ]);
    return row.id;
  }

  /**
   * A workspace with one person in every role, plus an outsider, a platform admin and a superuser
   * who are not members.
   */
  async cast(visibility: Visibility = Visibility.PRIVATE) {
    const owner = await this.signUp({ name: 'Olive Owner' });
    const admin = await this.signUp({ name: 'Adam Admin' });
    const member = await this.signUp({ name: 'Mia Member' });
    const viewer = await this.signUp({ name: 'Vic Viewer' });
    const outsider = await this.signUp({ name: 'Oscar Outsider' });
    const platformAdmin = await this.signUp({ name: 'Pat Platform' });
    const superuser = await this.signUp({ name: 'Sue Super' });
    await this.sql(`UPDATE account SET platform_role = 'ADMIN' WHERE id = $1`, [platformAdmin.id]);
    await this.sql(`UPDATE account SET is_superuser = true WHERE id = $1`, [superuser.id]);
    const workspace = await this.createWorkspace(owner, { visibility });
    const memberIds = {
      owner: (await this.sql('SELECT id FROM membership WHERE workspace_id = $1 AND account_id = $2', [workspace.id, owner.id]))[0].id as string,
      admin: await this.addMember(workspace.id, admin, WorkspaceRole.ADMIN),
      member: await this.addMember(workspace.id, member, WorkspaceRole.MEMBER),
      viewer: await this.addMember(workspace.id, viewer, WorkspaceRole.VIEWER),
    };
    return { workspace, owner, admin, member, viewer, outsider, platformAdmin, superuser, memberIds };
  }
}

/** The first error's code, for `expect(codeOf(result)).toBe('FORBIDDEN')`. */
export const codeOf = (result: GqlResult) => result.errors?.[0]?.extensions?.code ?? null;
export const reasonOf = (result: GqlResult) => result.errors?.[0]?.extensions?.reason ?? null;

/** A test server on a database holding the benchmark's small seed (src/scripts/seed.ts). */
export async function startSeededServer(): Promise<{ server: TestServer; manifest: SeedManifest }> {
  const server = await TestServer.start();
  const client = new Client({ connectionString: server.databaseUrl });
  await client.connect();
  try {
    return { server, manifest: await seedDatabase(client, 'small') };
  } finally {
    await client.end();
  }
}
