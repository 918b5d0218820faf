import { InvalidArgumentError, type Command } from 'commander';
import { Api } from './client';
import { currentSession, type Session } from './config';
import { CliError, EXIT, UsageError } from './errors';
import type { Prompter } from './prompts';

/** What every command gets: where to write, the environment, how to ask, and an API client on demand. */
export interface Cli {
  env: NodeJS.ProcessEnv;
  prompter: Prompter;
  /** The command's result: tables, JSON, "Updated …" lines. */
  out(text: string): void;
  /** Notes around the result (previews, warnings), kept off stdout so --json stays parseable. */
  note(text: string): void;
  session(): Session;
  /** A client with the current credentials; fails with exit code 3 when there are none. */
  api(): Api;
}

export function createCli(io: { env: NodeJS.ProcessEnv; prompter: Prompter; out(text: string): void; note(text: string): void }): Cli {
  return {
    ...io,
    session: () => currentSession(io.env),
    api() {
      const session = currentSession(io.env);
      if (!session.token) throw new CliError('You are not signed in. Run `atrium login`, or set ATRIUM_TOKEN.', EXIT.UNAUTHENTICATED);
      return new Api(session.url, session.token);
    },
  };
}

export interface Connection<T> {
  edges: { node: T }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount: number;
}

/** Reads every page of a connection (100 at a time), up to `limit` nodes. */
export async function allPages<T>(fetchPage: (after: string | null) => Promise<Connection<T>>, limit = 10_000): Promise<T[]> {
  const nodes: T[] = [];
  let after: string | null = null;
  for (;;) {
    const page: Connection<T> = await fetchPage(after);
    nodes.push(...page.edges.map((e) => e.node));
    if (!page.pageInfo.hasNextPage || !page.pageInfo.endCursor || nodes.length >= limit) return nodes.slice(0, limit);
    after = page.pageInfo.endCursor;
  }
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `ADMIN` → `admin`; a missing value → `-`. */
export const lower = (s: string | null | undefined): string => (s ? s.toLowerCase() : '-');

/** Whether the command was run with the global --json. */
export const wantsJson = (cmd: Command): boolean => !!cmd.optsWithGlobals().json;

export interface WorkspaceDetails {
  id: string;
  name: string;
  description: string;
  visibility: 'PRIVATE' | 'PUBLIC';
  viewerRole: string | null;
  viewerPermissions: string[];
}

const WORKSPACE = `query($id: ID!) { workspace(id: $id) { id name description visibility viewerRole viewerPermissions } }`;

/** A workspace with the caller's role and permission codes there (NOT_FOUND, exit 5, when it cannot be seen). */
export async function workspaceDetails(api: Api, id: string): Promise<WorkspaceDetails> {
  const { workspace } = await api.request(WORKSPACE, { id });
  if (!workspace) throw new CliError('The workspace was not found.', EXIT.NOT_FOUND);
  return workspace;
}

/** A refusal the CLI decides itself, printed like the server's (exit 4, with the same reason name). */
export function refusal(message: string, reason?: string): CliError {
  return new CliError(message, EXIT.FORBIDDEN, [`code: FORBIDDEN${reason ? `, reason: ${reason}` : ''}`]);
}

/**
 * Refuses before anything is asked or sent when the caller lacks `permission` in the workspace
 * (docs/RULES.md §2): destructive commands must never run unconfirmed, and questions whose
 * answers the server will refuse help nobody.
 */
export function requirePermission(workspace: WorkspaceDetails, permission: string, what: string, takes: string): void {
  if (workspace.viewerPermissions.includes(permission)) return;
  throw refusal(`You do not have permission to ${what} (your role: ${lower(workspace.viewerRole ?? 'guest')}; it takes ${takes}).`);
}

export interface WorkspaceSummary {
  id: string;
  name: string;
  visibility: string;
  viewerRole: string | null;
  createdAt: string;
}

const MY_WORKSPACES = `query($after: String, $search: String) {
  workspaces(first: 100, after: $after, filter: { isMember: true, search: $search }, orderBy: { field: NAME, direction: ASC }) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id name visibility viewerRole createdAt } }
  }
}`;

/** The caller's workspaces, by name. */
export function myWorkspaces(api: Api, search?: string): Promise<WorkspaceSummary[]> {
  return allPages(async (after) => (await api.request(MY_WORKSPACES, { after, search: search ?? null })).workspaces);
}

/**
 * The workspace a command acts on: `ref` is an id, or the exact name (ignoring case) of one of the
 * caller's workspaces; without it, a pick-list of the caller's workspaces.
 */
export async function chooseWorkspace(cli: Cli, api: Api, ref: string | undefined, flag: string, message = 'Which workspace?'): Promise<string> {
  if (ref !== undefined) {
    const wanted = ref.trim();
    if (!wanted) throw new UsageError(`${flag} needs a workspace id or name.`);
    if (UUID.test(wanted)) return wanted;
    const matches = (await myWorkspaces(api, wanted)).filter((w) => w.name.toLowerCase() === wanted.toLowerCase());
    if (matches.length === 1) return matches[0].id;
    if (matches.length === 0) throw new CliError(`You are not a member of a workspace named "${wanted}".`, EXIT.NOT_FOUND);
    throw new UsageError(`You are a member of ${matches.length} workspaces named "${wanted}"; pass its id with ${flag} (see \`atrium workspace list\`).`);
  }
  const mine = await myWorkspaces(api);
  if (mine.length === 0) throw new CliError('You are not a member of any workspace yet. Create one with `atrium workspace create`.', EXIT.NOT_FOUND);
  return cli.prompter.select({
    message,
    flag,
    choices: mine.map((w) => ({ name: `${w.name} (${(w.viewerRole ?? 'guest').toLowerCase()})`, value: w.id, description: w.id })),
  });
}

/** Commander argument parsers that turn a bad value into a usage error (exit code 2). */
export const parse = {
  visibility(value: string): 'PRIVATE' | 'PUBLIC' {
    const v = value.trim().toUpperCase();
    if (v !== 'PRIVATE' && v !== 'PUBLIC') throw new InvalidArgumentError('Use private or public.');
    return v;
  },
  role(value: string): string {
    const v = value.trim().toUpperCase();
    if (!['VIEWER', 'MEMBER', 'ADMIN', 'OWNER'].includes(v)) throw new InvalidArgumentError('Use viewer, member, admin or owner.');
    return v;
  },
  /** A role a member can be given; the owner is made only by transferring ownership. */
  memberRole(value: string): string {
    const v = value.trim().toUpperCase();
    if (v === 'OWNER') throw new InvalidArgumentError('Nobody is made the owner by a role change; the owner transfers ownership. Use viewer, member or admin.');
    if (!['VIEWER', 'MEMBER', 'ADMIN'].includes(v)) throw new InvalidArgumentError('Use viewer, member or admin.');
    return v;
  },
  /** Comma-separated and repeatable: `--role admin,member --role viewer`. */
  list(allowed: string[], label: string) {
    return (value: string, previous: string[] = []): string[] => {
      const items = value
        .split(',')
        .map((s) => s.trim().toUpperCase())
        .filter(Boolean);
      const bad = items.filter((s) => !allowed.includes(s));
      if (bad.length || !items.length)
        throw new InvalidArgumentError(`Use one or more of ${allowed.map((s) => s.toLowerCase()).join(', ')} (comma-separated) for ${label}.`);
      return [...previous, ...items];
    };
  },
};
