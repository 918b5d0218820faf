/**
 * The practical floor: the smallest honest server for the benchmark's read workloads (W1–W3).
 * graphql 16 + pg + DataLoader on node:http, with the same authorization as Atrium — bearer
 * session lookup, member/guest role per workspace, PUBLIC visibility of workspaces and projects,
 * per-project roles (a member owning a project is its admin), people only for viewers and up,
 * invitations only for members and up, email visibility — and nothing else: no framework, no ORM,
 * no middleware, parse+validate cached per query text (as Apollo does).
 *
 * Env: DATABASE_URL, PORT (HOST defaults to 127.0.0.1).
 */
import http from 'node:http';
import { createHash } from 'node:crypto';
import DataLoader from 'dataloader';
import { buildSchema, DocumentNode, execute, GraphQLError, GraphQLInterfaceType, GraphQLObjectType, GraphQLSchema, parse, validate } from 'graphql';
import { Pool } from 'pg';
import { projectCodes, workspaceCodes, type ProjectGrantee, type WorkspaceGrantee } from '../src/auth/permissions';

const SDL = /* GraphQL */ `
  enum WorkspaceRole {
    VIEWER
    MEMBER
    ADMIN
    OWNER
  }
  enum PersonStatus {
    ACTIVE
    INVITED
    EXPIRED
  }
  interface Person {
    id: ID!
    name: String
    email: String
    role: WorkspaceRole!
    status: PersonStatus!
  }
  type Member implements Person {
    id: ID!
    name: String
    email: String
    role: WorkspaceRole!
    status: PersonStatus!
  }
  type Invitation implements Person {
    id: ID!
    name: String
    email: String
    role: WorkspaceRole!
    status: PersonStatus!
  }
  type PersonEdge {
    cursor: String!
    node: Person!
  }
  type PageInfo {
    hasNextPage: Boolean!
    endCursor: String
  }
  type PersonConnection {
    edges: [PersonEdge!]!
    pageInfo: PageInfo!
  }
  type Project {
    id: ID!
    name: String!
    owner: Member
    viewerRole: String
    viewerPermissions: [String!]!
  }
  type ProjectEdge {
    cursor: String!
    node: Project!
  }
  type ProjectConnection {
    edges: [ProjectEdge!]!
    pageInfo: PageInfo!
  }
  type Workspace {
    id: ID!
    name: String!
    viewerRole: WorkspaceRole
    viewerPermissions: [String!]!
    projects(first: Int, after: String): ProjectConnection!
    people(first: Int, after: String): PersonConnection!
  }
  type Me {
    id: ID!
    name: String!
    email: String!
  }
  type Query {
    me: Me
    workspace(id: ID!): Workspace
  }
`;

interface Caller {
  id: string;
  name: string;
  email: string;
  isSuperuser: boolean;
  platformRole: string;
}
interface Ctx {
  caller: Caller | null;
  pool: Pool;
  ownerLoader: DataLoader<string, MemberRow | null>;
}
interface WorkspaceRow {
  id: string;
  name: string;
  visibility: string;
  role: WorkspaceGrantee | null;
  superuser: boolean;
}
interface ProjectRow {
  id: string;
  name: string;
  visibility: string;
  owner_id: string | null;
  workspace_id: string;
  ws: WorkspaceRow;
}
interface MemberRow {
  id: string;
  kind: 'member' | 'invitation';
  name: string | null;
  email: string | null;
  account_id: string | null;
  role: string;
  status: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const err = (message: string, code: string) => new GraphQLError(message, { extensions: { code } });
const clamp = (first: unknown, max = 100) => Math.min(Math.max(typeof first === 'number' ? first : 20, 0), max);
const cursor = (id: string) => Buffer.from(id).toString('base64url');
const has = (role: WorkspaceGrantee | null, superuser: boolean, action: string) =>
  superuser || (role !== null && (workspaceCodes(role) as string[]).includes(action));

function projectRole(ws: WorkspaceRow, p: ProjectRow, userId: string | undefined): ProjectGrantee | null {
  switch (ws.role) {
    case 'OWNER':
    case 'ADMIN':
      return 'ADMIN';
    case 'MEMBER':
      return p.owner_id && p.owner_id === userId ? 'ADMIN' : 'MEMBER';
    case 'VIEWER':
      return 'VIEWER';
    case 'GUEST':
      return p.visibility === 'PUBLIC' ? 'GUEST' : null;
    default:
      return null;
  }
}

/** Whether the caller may read a person's email (RULES.md §2): themself, viewer+ of a shared workspace, platform admins. */
const emailVisible = (ctx: Ctx, ws: WorkspaceRow, accountId: string | null) =>
  Boolean(ctx.caller) && (ctx.caller!.id === accountId || ws.superuser || ctx.caller!.platformRole === 'ADMIN' || (ws.role !== null && ws.role !== 'GUEST'));

const DISPLAY_NAME = `CASE WHEN m.use_account_profile THEN a.name ELSE coalesce(m.profile_name, a.name) END`;

export function buildFloorSchema(): GraphQLSchema {
  const schema = buildSchema(SDL);
  const fields = (type: string) => (schema.getType(type) as GraphQLObjectType).getFields();
  (schema.getType('Person') as GraphQLInterfaceType).resolveType = (p: MemberRow) => (p.kind === 'invitation' ? 'Invitation' : 'Member');

  fields('Query').me.resolve = (_root, _args, ctx: Ctx) => ctx.caller;
  fields('Query').workspace.resolve = async (_root, args: { id: string }, ctx: Ctx) => {
    if (!UUID.test(args.id)) throw err('The workspace was not found.', 'NOT_FOUND');
    const { rows } = await ctx.pool.query({
      name: 'floor_workspace',
      text: `SELECT w.id, w.name, w.visibility, m.role FROM workspace w
       LEFT JOIN membership m ON m.workspace_id = w.id AND m.account_id = $2
       WHERE w.id = $1 AND w.removed_at IS NULL`,
      values: [args.id, ctx.caller?.id ?? null],
    });
    const w = rows[0];
    if (!w) throw err('The workspace was not found.', 'NOT_FOUND');
    const superuser = Boolean(ctx.caller?.isSuperuser);
    const role: WorkspaceGrantee | null = w.role ?? (w.visibility === 'PUBLIC' ? 'GUEST' : null);
    if (!role && !superuser) throw err('The workspace was not found.', 'NOT_FOUND');
    return { id: w.id, name: w.name, visibility: w.visibility, role, superuser } satisfies WorkspaceRow;
  };

  const ws = fields('Workspace');
  ws.viewerRole.resolve = (w: WorkspaceRow) => (w.role === 'GUEST' ? null : w.role);
  ws.viewerPermissions.resolve = (w: WorkspaceRow) => workspaceCodes(w.role, w.superuser);
  ws.projects.resolve = async (w: WorkspaceRow, args: { first?: number }, ctx: Ctx) => {
    if (!has(w.role, w.superuser, 'workspace.projects.list')) throw err('You do not have permission to do this.', 'FORBIDDEN');
    const first = clamp(args.first);
    const guestOnly = w.role === 'GUEST' && !w.superuser;
    const { rows } = await ctx.pool.query({
      name: 'floor_projects',
      text: `SELECT id, name, visibility, owner_id, workspace_id FROM project
       WHERE workspace_id = $1 AND removed_at IS NULL AND ($2::boolean IS FALSE OR visibility = 'PUBLIC')
       ORDER BY lower(name), id LIMIT $3`,
      values: [w.id, guestOnly, first + 1],
    });
    const page = rows.slice(0, first).map((p) => ({ ...p, ws: w }) as ProjectRow);
    return {
      edges: page.map((p) => ({ cursor: cursor(p.id), node: p })),
      pageInfo: { hasNextPage: rows.length > first, endCursor: page.length ? cursor(page[page.length - 1].id) : null },
    };
  };
  ws.people.resolve = async (w: WorkspaceRow, args: { first?: number }, ctx: Ctx) => {
    if (!has(w.role, w.superuser, 'workspace.people.list')) throw err('You do not have permission to do this.', 'FORBIDDEN');
    const first = clamp(args.first);
    const withInvitations = has(w.role, w.superuser, 'workspace.invitation.view');
    const { rows } = await ctx.pool.query({
      name: 'floor_people',
      text: `SELECT * FROM (
         SELECT m.id, 'member' AS kind, ${DISPLAY_NAME} AS name, a.email, m.account_id, m.role, 'ACTIVE' AS status
         FROM membership m JOIN account a ON a.id = m.account_id WHERE m.workspace_id = $1
         UNION ALL
         SELECT i.id, 'invitation', a.name, i.email, NULL, i.role, CASE WHEN i.expires_at > now() THEN 'INVITED' ELSE 'EXPIRED' END
         FROM invitation i LEFT JOIN account a ON a.email = i.email_normalized
         WHERE i.workspace_id = $1 AND i.stored_state = 'PENDING' AND $2::boolean
       ) p ORDER BY lower(name) NULLS LAST, id LIMIT $3`,
      values: [w.id, withInvitations, first + 1],
    });
    const page = (rows as MemberRow[]).slice(0, first).map((p) => ({
      ...p,
      email: p.kind === 'invitation' || emailVisible(ctx, w, p.account_id) ? p.email : null,
    }));
    return {
      edges: page.map((p) => ({ cursor: cursor(p.id), node: p })),
      pageInfo: { hasNextPage: rows.length > first, endCursor: page.length ? cursor(page[page.length - 1].id) : null },
    };
  };

  const project = fields('Project');
  project.viewerRole.resolve = (p: ProjectRow, _a, ctx: Ctx) => (p.ws.role === 'GUEST' ? null : projectRole(p.ws, p, ctx.caller?.id));
  project.viewerPermissions.resolve = (p: ProjectRow, _a, ctx: Ctx) => projectCodes(projectRole(p.ws, p, ctx.caller?.id), p.ws.superuser);
  project.owner.resolve = async (p: ProjectRow, _a, ctx: Ctx) => {
    // Guests never see people, owners included.
    if (!p.owner_id || !has(p.ws.role, p.ws.superuser, 'workspace.member.profile.view')) return null;
    const owner = await ctx.ownerLoader.load(`${p.workspace_id}:${p.owner_id}`);
    return owner && { ...owner, email: emailVisible(ctx, p.ws, owner.account_id) ? owner.email : null };
  };
  return schema;
}

function ownerLoader(pool: Pool) {
  return new DataLoader<string, MemberRow | null>(async (keys) => {
    const pairs = keys.map((k) => k.split(':'));
    const { rows } = await pool.query({
      name: 'floor_owners',
      text: `SELECT m.id, 'member' AS kind, ${DISPLAY_NAME} AS name, a.email, m.account_id, m.role, 'ACTIVE' AS status, m.workspace_id
       FROM membership m JOIN account a ON a.id = m.account_id
       WHERE (m.workspace_id, m.account_id) IN (SELECT * FROM unnest($1::uuid[], $2::uuid[]))`,
      values: [pairs.map((p) => p[0]), pairs.map((p) => p[1])],
    });
    const map = new Map(rows.map((r) => [`${r.workspace_id}:${r.account_id}`, r]));
    return keys.map((k) => map.get(k) ?? null);
  });
}

async function authenticate(pool: Pool, header: string | undefined): Promise<Caller | null | GraphQLError> {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) return err('The Authorization header must be "Bearer <token>".', 'UNAUTHENTICATED');
  const { rows } = await pool.query({
    name: 'floor_auth',
    text: `SELECT a.id, a.name, a.email, a.is_superuser AS "isSuperuser", a.platform_role AS "platformRole"
     FROM token t JOIN account a ON a.id = t.account_id
     WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())`,
    values: [createHash('sha256').update(match[1]).digest()],
  });
  return rows[0] ?? err('The token is invalid, expired or revoked.', 'UNAUTHENTICATED');
}

export function startFloorServer(databaseUrl: string, port: number, host = '127.0.0.1'): Promise<http.Server> {
  const pool = new Pool({ connectionString: databaseUrl, max: 20, application_name: 'atrium-floor' });
  const schema = buildFloorSchema();
  const documents = new Map<string, DocumentNode | readonly GraphQLError[]>();
  const send = (res: http.ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };

  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/healthz') return send(res, 200, { status: 'ok' });
    if (req.method !== 'POST' || !req.url?.startsWith('/graphql')) return send(res, 404, { errors: [{ message: 'Not found' }] });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      try {
        let body: { query?: string; variables?: Record<string, unknown>; operationName?: string };
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          return send(res, 400, { errors: [{ message: 'The body must be JSON.', extensions: { code: 'BAD_REQUEST' } }] });
        }
        if (typeof body.query !== 'string') return send(res, 400, { errors: [{ message: 'query is required', extensions: { code: 'BAD_REQUEST' } }] });
        let document = documents.get(body.query);
        if (!document) {
          try {
            const parsed = parse(body.query);
            const errors = validate(schema, parsed);
            document = errors.length ? errors : parsed;
          } catch (e) {
            document = [e as GraphQLError];
          }
          if (documents.size > 1000) documents.clear();
          documents.set(body.query, document);
        }
        if (Array.isArray(document)) return send(res, 400, { errors: document.map((e) => e.toJSON()) });
        const caller = await authenticate(pool, req.headers.authorization);
        if (caller instanceof GraphQLError) return send(res, 401, { errors: [caller.toJSON()] });
        const result = await execute({
          schema,
          document: document as DocumentNode,
          variableValues: body.variables,
          operationName: body.operationName,
          contextValue: { caller, pool, ownerLoader: ownerLoader(pool) } satisfies Ctx,
        });
        send(res, 200, result);
      } catch (error) {
        console.error(error);
        send(res, 500, { errors: [{ message: 'Internal error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
      }
    });
  });
  return new Promise((resolve) => server.listen(port, host, () => resolve(server)));
}

if (require.main === module) {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is required');
  const port = Number(process.env.PORT || 4100);
  startFloorServer(url, port, process.env.HOST || '127.0.0.1').then(() => console.log(`floor server on http://127.0.0.1:${port}/graphql`));
  process.on('SIGTERM', () => process.exit(0));
}
