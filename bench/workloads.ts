/**
 * The benchmark's read workloads (W1–W3) and abusive queries (W5): the GraphQL text each system
 * receives and the check every response body must pass. A response counts as a failure when it
 * carries `errors` (HTTP 200 may) or its data differ from what the seed says the caller must see.
 */
import { projectCodes, workspaceCodes } from '../src/auth/permissions';
import { abusiveQueries as abusiveW5, W1_QUERY, W2_QUERY, W3_QUERY } from '../src/perf/workloads';

export type SystemName = 'atrium' | 'floor' | 'postgraphile';
export type WorkloadName = 'W1' | 'W2' | 'W3';

/** What the seeded database says each workload must answer (computed with SQL after seeding). */
export interface Expected {
  target: {
    workspaceId: string;
    name: string;
    memberAccountId: string;
    memberToken: string;
    /** project id → owner's display name and whether the benchmark member owns it. */
    projects: Map<string, { ownerName: string; ownedByMember: boolean }>;
    /** Emails of everyone on the people page (members and pending invitations). */
    peopleEmails: Set<string>;
    /** Members and pending invitations. */
    peopleTotal: number;
    /** Members only (PostGraphile's people page has no invitations). */
    memberTotal: number;
  };
  publicTarget: { workspaceId: string; name: string; publicProjectIds: Set<string> };
}

export interface Request {
  body: string;
  headers: Record<string, string>;
  /** null when the body is right, else why it is not. */
  check: (body: string) => string | null;
}

/** PostGraphile's closest equivalents over its generated schema (no roles, no permissions, no invitations). */
const PG_W1 = `query W1($id: UUID!, $me: UUID!) {
  workspaceById(id: $id) {
    name
    viewer: membershipsByWorkspaceId(condition: { accountId: $me }) { nodes { role } }
    projects: projectsByWorkspaceId(first: 50, orderBy: NAME_ASC) { edges { node { id name owner: accountByOwnerId { name } } } }
    people: membershipsByWorkspaceId(first: 100) { edges { node { role account: accountByAccountId { name email } } } }
  }
}`;
const PG_W2 = `query W2($id: UUID!) {
  workspaceById(id: $id) {
    name
    projects: projectsByWorkspaceId(first: 50, orderBy: NAME_ASC, condition: { visibility: "PUBLIC" }) { edges { node { id name } } }
  }
}`;
const PG_W3 = `query W3($id: UUID!, $me: UUID!) { me: accountById(id: $me) { id } workspace: workspaceById(id: $id) { name } }`;

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && new Set(a).size === a.length && a.every((x) => b.includes(x));
const ROLES = new Set(['VIEWER', 'MEMBER', 'ADMIN', 'OWNER']);

function parsed(body: string): { data?: any; errors?: { message: string; extensions?: { code?: string } }[] } | string {
  try {
    return JSON.parse(body);
  } catch {
    return `not JSON: ${body.slice(0, 120)}`;
  }
}

/** Wraps a data check: errors or unparsable bodies fail first. */
function checker(check: (data: any) => string | null): (body: string) => string | null {
  return (body) => {
    const r = parsed(body);
    if (typeof r === 'string') return r;
    if (r.errors?.length)
      return `errors: ${r.errors
        .map((e) => `${e.extensions?.code ?? ''} ${e.message}`)
        .join('; ')
        .slice(0, 300)}`;
    if (!r.data) return 'no data';
    try {
      return check(r.data);
    } catch (e) {
      return `unexpected shape: ${(e as Error).message}`;
    }
  };
}

const json = (query: string, variables: Record<string, unknown>) => JSON.stringify({ query, variables });
const bearer = (token: string) => ({ 'content-type': 'application/json', authorization: `Bearer ${token}` });
const anonymous = { 'content-type': 'application/json' };

export function request(system: SystemName, workload: WorkloadName, x: Expected): Request {
  const t = x.target;
  const pub = x.publicTarget;
  const memberCodes = workspaceCodes('MEMBER');
  const projectMember = projectCodes('MEMBER');
  const projectAdmin = projectCodes('ADMIN');
  const pagePeople = Math.min(100, t.peopleTotal);

  if (system === 'postgraphile') {
    switch (workload) {
      case 'W1':
        return {
          body: json(PG_W1, { id: t.workspaceId, me: t.memberAccountId }),
          headers: anonymous,
          check: checker((d) => {
            const w = d.workspaceById;
            if (w?.name !== t.name) return 'wrong workspace';
            if (w.viewer.nodes[0]?.role !== 'MEMBER') return 'wrong viewer role';
            const edges = w.projects.edges;
            if (edges.length !== t.projects.size) return `projects: ${edges.length}`;
            for (const { node } of edges) if (t.projects.get(node.id)?.ownerName !== node.owner?.name) return `wrong owner of ${node.id}`;
            if (w.people.edges.length !== Math.min(100, t.memberTotal)) return `people: ${w.people.edges.length}`;
            for (const { node } of w.people.edges) if (!t.peopleEmails.has(node.account.email)) return `unknown person ${node.account.email}`;
            return null;
          }),
        };
      case 'W2':
        return {
          body: json(PG_W2, { id: pub.workspaceId }),
          headers: anonymous,
          check: checker((d) => {
            const w = d.workspaceById;
            if (w?.name !== pub.name) return 'wrong workspace';
            if (
              !sameSet(
                w.projects.edges.map((e: any) => e.node.id),
                [...pub.publicProjectIds],
              )
            )
              return 'wrong projects';
            return null;
          }),
        };
      case 'W3':
        return {
          body: json(PG_W3, { id: t.workspaceId, me: t.memberAccountId }),
          headers: anonymous,
          check: checker((d) => (d.me?.id !== t.memberAccountId ? 'wrong me' : d.workspace?.name !== t.name ? 'wrong workspace' : null)),
        };
    }
  }

  switch (workload) {
    case 'W1':
      return {
        body: json(W1_QUERY, { id: t.workspaceId }),
        headers: bearer(t.memberToken),
        check: checker((d) => {
          const w = d.workspace;
          if (w?.name !== t.name) return 'wrong workspace';
          if (w.viewerRole !== 'MEMBER') return `viewerRole ${w.viewerRole}`;
          if (!sameSet(w.viewerPermissions, memberCodes)) return 'wrong workspace viewerPermissions';
          const edges = w.projects.edges;
          if (edges.length !== t.projects.size) return `projects: ${edges.length} instead of ${t.projects.size}`;
          for (const { node } of edges) {
            const e = t.projects.get(node.id);
            if (!e) return `unexpected project ${node.id}`;
            if (node.owner?.name !== e.ownerName) return `owner of ${node.id}: ${node.owner?.name} instead of ${e.ownerName}`;
            if (!sameSet(node.viewerPermissions, e.ownedByMember ? projectAdmin : projectMember)) return `wrong viewerPermissions on ${node.id}`;
          }
          const people = w.people.edges;
          if (people.length !== pagePeople) return `people: ${people.length} instead of ${pagePeople}`;
          const seen = new Set<string>();
          for (const { node } of people) {
            if (typeof node.email !== 'string' || !t.peopleEmails.has(node.email.toLowerCase())) return `person email ${node.email}`;
            if (seen.has(node.email)) return `duplicate person ${node.email}`;
            seen.add(node.email);
            if (!ROLES.has(node.role)) return `role ${node.role}`;
            if (node.status !== 'ACTIVE' && node.status !== 'INVITED') return `status ${node.status}`;
          }
          return null;
        }),
      };
    case 'W2':
      return {
        body: json(W2_QUERY, { id: pub.workspaceId }),
        headers: anonymous,
        check: checker((d) => {
          const w = d.workspace;
          if (w?.name !== pub.name) return 'wrong workspace';
          if (w.viewerRole !== null) return `viewerRole ${w.viewerRole} for a guest`;
          if (!sameSet(w.viewerPermissions, workspaceCodes('GUEST'))) return 'wrong guest viewerPermissions';
          const ids = w.projects.edges.map((e: any) => e.node.id);
          if (!sameSet(ids, [...pub.publicProjectIds])) return `projects: ${ids.length} (expected the ${pub.publicProjectIds.size} public ones)`;
          for (const { node } of w.projects.edges) {
            if (node.owner !== null) return 'a guest sees a project owner';
            if (!sameSet(node.viewerPermissions, projectCodes('GUEST'))) return 'wrong guest project viewerPermissions';
          }
          return null;
        }),
      };
    case 'W3':
      return {
        body: json(W3_QUERY, { id: t.workspaceId }),
        headers: bearer(t.memberToken),
        check: checker((d) => (d.me?.id !== t.memberAccountId ? 'wrong me' : d.workspace?.name !== t.name ? 'wrong workspace' : null)),
      };
  }
}

/** W5: queries a hardened server must refuse before doing the work. */
export function abusiveQueries(x: Expected): { name: string; body: string }[] {
  return abusiveW5(x.target.workspaceId).map((q) => ({ name: q.name, body: json(q.query, q.variables) }));
}

/** A W5 response is a rejection when it carries errors (not an internal error) and no executed data. */
export function rejection(body: string): { rejected: boolean; code: string } {
  const r = parsed(body);
  if (typeof r === 'string') return { rejected: false, code: 'not JSON' };
  const executed = r.data && Object.values(r.data).some((v) => v !== null);
  const code = r.errors?.[0] ? `${r.errors[0].extensions?.code ?? '-'}: ${r.errors[0].message.slice(0, 90)}` : 'no error';
  // An internal error is a crash, not a refusal.
  const crashed = r.errors?.some((e) => e.extensions?.code === 'INTERNAL_SERVER_ERROR') ?? false;
  return { rejected: Boolean(r.errors?.length) && !executed && !crashed, code };
}
