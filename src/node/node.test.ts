import { randomUUID } from 'node:crypto';
import type { Logger } from 'typeorm';
import { Visibility } from '../common/enums';
import { codeOf, TestServer, type TestUser } from '../test/harness';
import { relayCast } from '../test/relay-fixture';

/**
 * node(id) and nodes(ids): every type with an id comes back, and each caller gets exactly what the
 * typed queries and lists show them — null with NOT_FOUND otherwise, the same as for an id that
 * does not exist.
 */
let t: TestServer;
let c: Awaited<ReturnType<typeof relayCast>>;
let counting = false;
const statements: string[] = [];
const logger: Logger = {
  logQuery: (query) => void (counting && statements.push(query)),
  logQueryError: () => undefined,
  logQuerySlow: () => undefined,
  logSchemaBuild: () => undefined,
  logMigration: () => undefined,
  log: () => undefined,
};
/** A private workspace the cast does not belong to, with its own member and project. */
let other: { workspace: string; owner: TestUser; memberId: string; project: string };
/** A removed project (of the cast's workspace) and its job. */
let removed: { project: string; job: string };

beforeAll(async () => {
  t = await TestServer.start({}, { sqlLogger: logger });
  c = await relayCast(t, Visibility.PUBLIC);
  const owner = await t.signUp({ name: 'Private Pia' });
  const ws = await t.createWorkspace(owner, { visibility: Visibility.PRIVATE });
  const [m] = await t.sql(`SELECT id FROM membership WHERE workspace_id = $1`, [ws.id]);
  const p = await t.ok(
    `mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }`,
    { input: { workspaceId: ws.id, name: 'Hidden', visibility: 'PUBLIC' } },
    { as: owner },
  );
  other = { workspace: ws.id, owner, memberId: m.id, project: p.createProject.id };
  const gone = await t.ok(
    `mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }`,
    { input: { workspaceId: c.workspace.id, name: 'Gone', visibility: 'PUBLIC' } },
    { as: c.owner },
  );
  const job = await t.ok(
    `mutation($input: CreateJobInput!) { createJob(input: $input) { id } }`,
    { input: { projectId: gone.createProject.id, name: 'old', command: 'x' } },
    { as: c.owner },
  );
  await t.ok(`mutation($id: ID!) { removeProject(id: $id) }`, { id: gone.createProject.id }, { as: c.owner });
  removed = { project: gone.createProject.id, job: job.createJob.id };
});
afterAll(() => t.stop());

const NODE = `query($id: ID!) { node(id: $id) { __typename id } }`;

it('gives every type back by the id its typed field answered', async () => {
  const expected: [string, string][] = [
    [c.workspace.id, 'Workspace'],
    [c.publicProject, 'Project'],
    [c.memberIds.viewer, 'Member'],
    [c.invitationIds[0], 'Invitation'],
    [c.auditEventIds[0], 'AuditEvent'],
    [c.variableIds[0], 'Variable'],
    [c.jobIds[0], 'Job'],
    [c.runIds[0], 'Run'],
    [c.codeVersionIds[0], 'CodeVersion'],
    [c.member.id, 'User'],
    [c.accessTokenId, 'AccessToken'],
  ];
  for (const [id, type] of expected) {
    const data = await t.ok(NODE, { id }, { as: c.owner });
    expect({ id, node: data.node }).toEqual({ id, node: { __typename: type, id } });
  }
  // The typed field of each, reached again through node with its own fields.
  const data = await t.ok(
    `query($p: ID!, $v: ID!, $m: ID!) {
      p: node(id: $p) { ... on Project { name workspace { id } variables(first: 1) { nodes { id } } } }
      v: node(id: $v) { ... on Variable { name project { id } } }
      m: node(id: $m) { ... on Person { role } ... on Member { user { id name } } }
    }`,
    { p: c.publicProject, v: c.variableIds[0], m: c.memberIds.member },
    { as: c.viewer },
  );
  expect(data.p).toEqual({ name: 'Alpha', workspace: { id: c.workspace.id }, variables: { nodes: [{ id: c.variableIds[0] }] } });
  expect(data.v).toEqual({ name: 'A_VAR', project: { id: c.publicProject } });
  expect(data.m).toEqual({ role: 'MEMBER', user: { id: c.member.id, name: 'Mia Member' } });
});

it("answers NOT_FOUND for a private workspace's member to an outsider exactly as for a random id", async () => {
  for (const as of [c.outsider, null]) {
    const hidden = await t.gql(NODE, { id: other.memberId }, { as });
    const random = await t.gql(NODE, { id: randomUUID() }, { as });
    const garbage = await t.gql(NODE, { id: 'not-an-id' }, { as });
    expect(hidden.data).toEqual({ node: null });
    expect(codeOf(hidden)).toBe('NOT_FOUND');
    expect(hidden.errors).toEqual(random.errors);
    expect(hidden.errors).toEqual(garbage.errors);
  }
  // Its owner sees it.
  expect((await t.ok(NODE, { id: other.memberId }, { as: other.owner })).node).toEqual({ __typename: 'Member', id: other.memberId });
});

/** What the typed queries and lists show `as`: the ids it can reach there. */
async function typedVisible(as: TestUser | null): Promise<Set<string>> {
  const seen = new Set<string>();
  const ws = await t.gql(
    `query($id: ID!) { workspace(id: $id) { id
      people(first: 100) { nodes { id ... on Member { user { id } } } }
      auditEvents(first: 100) { nodes { id } } } }`,
    { id: c.workspace.id },
    { as },
  );
  const w = ws.data?.workspace;
  if (w) {
    seen.add(w.id);
    for (const p of w.people?.nodes ?? []) {
      seen.add(p.id);
      if (p.user) seen.add(p.user.id);
    }
    for (const e of w.auditEvents?.nodes ?? []) seen.add(e.id);
  }
  for (const id of [...c.projectIds, removed.project, other.project]) {
    const p = await t.gql(
      `query($id: ID!) { project(id: $id) { id
        variables(first: 100) { nodes { id } } jobs(first: 100) { nodes { id } } runs(first: 100) { nodes { id } } codeVersions(first: 100) { nodes { id } } } }`,
      { id },
      { as },
    );
    const project = p.data?.project;
    if (!project) continue;
    seen.add(project.id);
    for (const list of ['variables', 'jobs', 'runs', 'codeVersions']) for (const n of project[list].nodes) seen.add(n.id);
  }
  for (const id of [other.workspace]) if ((await t.gql(`query($id: ID!) { workspace(id: $id) { id } }`, { id }, { as })).data?.workspace) seen.add(id);
  if (as) {
    const me = await t.ok(`{ me { id accessTokens { id } pendingInvitations { id } } }`, {}, { as });
    seen.add(me.me.id);
    for (const tok of me.me.accessTokens) seen.add(tok.id);
    for (const inv of me.me.pendingInvitations) seen.add(inv.id);
  }
  return seen;
}

it('shows each role exactly what the typed queries show it, and NOT_FOUND for the rest', async () => {
  const ids = [
    c.workspace.id,
    ...c.projectIds,
    ...Object.values(c.memberIds),
    ...c.invitationIds,
    ...c.auditEventIds,
    ...c.variableIds,
    ...c.jobIds,
    ...c.runIds.slice(0, 4),
    ...c.runIds.slice(-2),
    ...c.codeVersionIds,
    c.accessTokenId,
    ...[c.owner, c.admin, c.member, c.viewer, c.outsider].map((u) => u.id),
    other.workspace,
    other.memberId,
    other.project,
    other.owner.id,
    removed.project,
    removed.job,
    randomUUID(),
  ];
  expect(ids.length).toBeLessThanOrEqual(100);
  const roles: [string, TestUser | null][] = [
    ['owner', c.owner],
    ['admin', c.admin],
    ['member', c.member],
    ['viewer', c.viewer],
    ['outsider', c.outsider],
    ['guest', null],
  ];
  for (const [role, as] of roles) {
    const expected = await typedVisible(as);
    const result = await t.gql(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids }, { as });
    const got = result.data!.nodes as ({ id: string } | null)[];
    const shown = ids.filter((_, i) => got[i] !== null);
    expect({ role, shown: shown.sort() }).toEqual({ role, shown: ids.filter((id) => expected.has(id)).sort() });
    // In the order given, each hidden one with its own NOT_FOUND at its index.
    got.forEach((n, i) => n && expect(n.id).toBe(ids[i]));
    const hidden = ids.map((_, i) => i).filter((i) => got[i] === null);
    expect((result.errors ?? []).map((e) => [e.path, e.extensions?.code])).toEqual(hidden.map((i) => [['nodes', i], 'NOT_FOUND']));
  }
});

it('lets the invitee see an invitation addressed to them, and a platform admin every account but no workspace content', async () => {
  const invitee = await t.signUp({ email: 'newcomer@example.com' });
  expect((await t.ok(NODE, { id: c.invitationIds[0] }, { as: invitee })).node).toEqual({ __typename: 'Invitation', id: c.invitationIds[0] });
  expect((await t.gql(NODE, { id: c.invitationIds[1] }, { as: invitee })).data?.node).toBeNull();
  const admin = await t.gql(
    `query($ids: [ID!]!) { nodes(ids: $ids) { __typename } }`,
    { ids: [c.outsider.id, other.memberId, other.project] },
    { as: c.platformAdmin },
  );
  expect(admin.data?.nodes).toEqual([{ __typename: 'User' }, null, null]);
});

it('refuses more than 100 ids as BAD_USER_INPUT', async () => {
  const result = await t.gql(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids: Array.from({ length: 101 }, () => randomUUID()) }, { as: c.owner });
  expect(codeOf(result)).toBe('BAD_USER_INPUT');
  expect(result.errors?.[0]?.extensions?.fields).toEqual([{ field: 'ids', message: 'ids may list at most 100 ids.' }]);
});

it('answers 100 ids of mixed types in at most 6 statements', async () => {
  const known = [
    c.workspace.id,
    ...c.projectIds,
    ...Object.values(c.memberIds),
    ...c.invitationIds,
    ...c.auditEventIds,
    ...c.variableIds,
    ...c.jobIds,
    ...c.runIds,
    ...c.codeVersionIds,
    c.accessTokenId,
    ...[c.owner, c.admin, c.member, c.viewer, c.outsider].map((u) => u.id),
    other.workspace,
    other.memberId,
    other.project,
    removed.project,
    removed.job,
  ];
  const ids = [...known, ...Array.from({ length: 100 - known.length }, () => randomUUID())];
  expect(ids).toHaveLength(100);
  const query = `query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }`;
  await t.gql(query, { ids }, { as: c.admin }); // warm-up: token bookkeeping writes happen at most once a minute
  statements.length = 0;
  counting = true;
  const result = await t.gql(query, { ids }, { as: c.admin });
  counting = false;
  const types = new Set((result.data!.nodes as ({ __typename: string } | null)[]).filter(Boolean).map((n) => n!.__typename));
  expect(types).toEqual(new Set(['Workspace', 'Project', 'Member', 'Invitation', 'AuditEvent', 'Variable', 'Job', 'Run', 'CodeVersion', 'User']));
  expect(statements.length).toBeLessThanOrEqual(6);
  // Children without their parents in the list: their projects and workspaces cost a statement each, not one per child.
  const children = [
    ...c.runIds,
    ...c.variableIds,
    ...c.codeVersionIds,
    ...c.jobIds,
    ...Object.values(c.memberIds),
    ...c.invitationIds,
    ...c.auditEventIds,
    c.member.id,
  ];
  statements.length = 0;
  counting = true;
  const second = await t.gql(query, { ids: children }, { as: c.admin });
  counting = false;
  expect(second.data!.nodes.every(Boolean)).toBe(true);
  expect(statements.length).toBeLessThanOrEqual(6);
});

it('shows a superuser everything live, and a platform admin every account but only what a guest sees of workspaces', async () => {
  const live = [
    c.workspace.id,
    ...c.projectIds,
    c.memberIds.owner,
    c.invitationIds[0],
    c.auditEventIds[0],
    c.runIds[0],
    other.workspace,
    other.memberId,
    other.project,
    other.owner.id,
  ];
  const hidden = [removed.project, removed.job, c.accessTokenId, randomUUID()];
  const su = await t.gql(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids: [...live, ...hidden] }, { as: c.superuser });
  expect(su.data?.nodes).toEqual([...live.map((id) => ({ id })), ...hidden.map(() => null)]);
  const admin = await t.gql(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids: [...live, ...hidden] }, { as: c.platformAdmin });
  // A guest's view of the public workspace (it, its public projects and their runs), and every account.
  const asGuest = new Set([c.workspace.id, c.projectIds[0], c.projectIds[2], c.runIds[0], other.owner.id]);
  expect(admin.data?.nodes).toEqual([...live.map((id) => (asGuest.has(id) ? { id } : null)), ...hidden.map(() => null)]);
});

it('prices nodes(ids:) per id, as a page is priced per item', async () => {
  const query = `query($ids: [ID!]!) { nodes(ids: $ids) { ... on Project { runs(first: 100) { nodes { id } } } } }`;
  const one = await t.gql(query, { ids: [c.publicProject] }, { as: c.owner });
  expect(one.errors).toBeUndefined();
  const many = await t.gql(query, { ids: Array.from({ length: 100 }, () => c.publicProject) }, { as: c.owner });
  expect(many.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'MAX_COST', cost: 100 * (1 + 100 * 3) });
  const literal = `{ nodes(ids: [${Array.from({ length: 100 }, () => `"${c.publicProject}"`).join(', ')}]) { ... on Project { runs(first: 100) { nodes { id } } } } }`;
  expect((await t.gql(literal, {}, { as: c.owner })).errors?.[0]?.extensions?.reason).toBe('MAX_COST');
});

it('answers each object with the same fields as the typed lists do', async () => {
  const F = {
    Workspace: '__typename id name description descriptionHtml visibility createdAt modifiedAt removedAt purgeAt viewerRole viewerPermissions owner { id }',
    Project: '__typename id name description visibility createdAt modifiedAt viewerRole viewerPermissions owner { id } workspace { id }',
    Member: '__typename id name email role status createdAt joinedAt jobTitle avatarUrl useAccountProfile isViewer user { id email } workspace { id }',
    Invitation: '__typename id name invitedEmail: email role status state createdAt expiresAt lastSentAt sentCount invitedBy { id } workspace { id }',
    AuditEvent: '__typename id action data createdAt actor { id name }',
    Variable: '__typename id name value isMasked createdAt modifiedAt project { id }',
    Job: '__typename id name description command createdAt modifiedAt project { id }',
    Run: '__typename id name description status payload createdAt startedAt finishedAt job { id } createdBy { id } codeVersion { id }',
    CodeVersion: '__typename id filename sizeBytes sha256 description createdAt createdBy { id } project { id }',
    AccessToken: '__typename id name scope createdAt expiresAt lastUsedAt',
  };
  const typed = await t.ok(
    `query($ws: ID!, $p: ID!) {
      me { accessTokens { ${F.AccessToken} } }
      workspace(id: $ws) { ${F.Workspace}
        projects(first: 1) { nodes { ${F.Project} } }
        people(first: 100) { nodes { ... on Member { ${F.Member} } ... on Invitation { ${F.Invitation} } } }
        auditEvents(first: 100) { nodes { ${F.AuditEvent} } } }
      project(id: $p) { variables(first: 100) { nodes { ${F.Variable} } } jobs(first: 100) { nodes { ${F.Job} } }
        runs(first: 100) { nodes { ${F.Run} } } codeVersions(first: 100) { nodes { ${F.CodeVersion} } } }
    }`,
    { ws: c.workspace.id, p: c.publicProject },
    { as: c.owner },
  );
  const objects = [
    ...typed.me.accessTokens,
    typed.workspace,
    ...typed.workspace.projects.nodes,
    ...typed.workspace.people.nodes,
    ...typed.workspace.auditEvents.nodes,
    ...typed.project.variables.nodes,
    ...typed.project.jobs.nodes,
    ...typed.project.runs.nodes,
    ...typed.project.codeVersions.nodes,
  ].map((o) => {
    const { projects: _p, people: _pe, auditEvents: _a, ...rest } = o;
    return rest;
  });
  // One nodes call per type (the types' fields of one name differ in nullability, which one selection may not mix).
  const types = Object.keys(F) as (keyof typeof F)[];
  for (const type of types) {
    const ofType = objects.filter((o) => o.__typename === type);
    expect({ type, found: ofType.length > 0 }).toEqual({ type, found: true });
    const viaNodes = await t.ok(
      `query($ids: [ID!]!) { nodes(ids: $ids) { __typename ... on ${type} { ${F[type]} } } }`,
      { ids: ofType.map((o) => o.id) },
      { as: c.owner },
    );
    expect(viaNodes.nodes).toEqual(ofType);
  }
});
