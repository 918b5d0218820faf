import fs from 'node:fs';
import path from 'node:path';
import { buildSchema, GraphQLObjectType, parse, type FieldNode, type FragmentDefinitionNode, type GraphQLResolveInfo, type OperationDefinitionNode } from 'graphql';
import { Visibility } from './enums';
import { ALL_COLUMNS, columnsRead, selectedFields } from './selection';
import { MEMBER_ALWAYS, MEMBER_READS } from '../membership/membership.resolver';
import { PROJECT_READS } from '../project/project.resolver';
import { TestServer } from '../test/harness';

/*
 * The people page and the projects page read only the columns their items' selected fields need
 * (columnsRead over MEMBER_READS and PROJECT_READS). A wrong entry would answer null where a value
 * exists: each field is asked alone here and must answer exactly as when every field is asked.
 */

const schema = buildSchema(fs.readFileSync(path.join(__dirname, '..', '..', 'schema.graphql'), 'utf8'));

/** A resolve info for the first field of `query`'s operation, enough for selectedFields. */
function infoOf(query: string): GraphQLResolveInfo {
  const document = parse(query);
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition')!;
  const fragments = Object.fromEntries(
    document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === 'FragmentDefinition').map((d) => [d.name.value, d]),
  );
  return { schema, fragments, fieldNodes: [operation.selectionSet.selections[0] as FieldNode] } as unknown as GraphQLResolveInfo;
}

describe('selectedFields and columnsRead', () => {
  it('collects the fields at a path through fragments whose type condition can match, and no others', () => {
    const info = infoOf(`{ people(first: 5) { edges { ...E } } }
      fragment E on PersonEdge { node { id ... on Member { name } ... on Invitation { expiresAt } ... on Person { role } ...M } }
      fragment M on Member { email }`);
    expect([...selectedFields(info, ['edges', 'node'], 'Member')].sort()).toEqual(['email', 'id', 'name', 'role']);
    expect([...selectedFields(info, ['edges', 'node'], 'Invitation')].sort()).toEqual(['expiresAt', 'id', 'role']);
  });

  it('reads the always columns plus each selected field\'s, and every column for a field it does not know', () => {
    const narrow = columnsRead(infoOf('{ people { edges { node { id ... on Member { name email } } } } }'), ['edges', 'node'], 'Member', MEMBER_READS, MEMBER_ALWAYS);
    expect(narrow.membership).toEqual(['account_id', 'id', 'profile_name', 'role', 'use_account_profile', 'workspace_id']);
    expect(narrow.account).toEqual(['email', 'id', 'name']);
    const user = columnsRead(infoOf('{ people { edges { node { ... on Member { user { id } } } } } }'), ['edges', 'node'], 'Member', MEMBER_READS, MEMBER_ALWAYS);
    expect(user).toEqual({ membership: [...MEMBER_ALWAYS.membership].sort(), account: undefined });
    const unknown = columnsRead(infoOf('{ people { edges { node { ... on Member { notAField } } } } }'), ['edges', 'node'], 'Member', MEMBER_READS, MEMBER_ALWAYS);
    expect(unknown).toEqual({ membership: undefined, account: undefined });
  });

  it('lists every field of Member and Project, so a new field is a decision, not a silent full read', () => {
    for (const [type, reads] of [['Member', MEMBER_READS], ['Project', PROJECT_READS]] as const) {
      const fields = Object.keys((schema.getType(type) as GraphQLObjectType).getFields());
      expect([type, fields.filter((field) => !(field in reads))]).toEqual([type, []]);
    }
    // The child lists' permission rules look the project up by id, which only whole projects may answer.
    for (const list of ['variables', 'jobs', 'runs', 'codeVersions']) expect(PROJECT_READS[list].project).toBe(ALL_COLUMNS);
  });
});

describe('pages that read only what is selected', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await TestServer.start();
  });
  afterAll(() => t.stop());

  const MEMBER_FIELDS = 'id name email role status jobTitle avatarUrl joinedAt createdAt isViewer useAccountProfile workspace { id } user { id name email jobTitle avatarUrl createdAt }';

  /** Asks `page(fields)` once with every field and once per field, and expects each field's answers to agree. */
  async function eachFieldAsWhole(page: (fields: string) => Promise<Record<string, any>[]>, fields: string) {
    const whole = await page(fields);
    expect(whole.length).toBeGreaterThan(2);
    const names = fields.replace(/\{[^}]*\}/g, '').trim().split(/\s+/);
    for (const name of names) {
      const selection = fields.match(new RegExp(`\\b${name}\\b( \\{[^}]*\\})?`))![0];
      const alone = await page(`id ${selection}`);
      expect([name, alone.map((node) => node[name])]).toEqual([name, whole.map((node) => node[name])]);
    }
  }

  async function profiles() {
    const c = await t.cast(Visibility.PUBLIC);
    await t.ok(`mutation($input: UpdateMeInput!) { updateMe(input: $input) { id } }`, { input: { jobTitle: 'Analyst', avatarUrl: 'https://example.com/m.png' } }, { as: c.member });
    await t.ok(`mutation($input: UpdateMyMembershipInput!) { updateMyMembership(input: $input) { id } }`,
      { input: { workspaceId: c.workspace.id, useAccountProfile: false, name: 'Adam at work', jobTitle: 'Lead' } }, { as: c.admin });
    return c;
  }

  it('answers each Member field of the people page as when every field is asked', async () => {
    const c = await profiles();
    const page = async (fields: string): Promise<Record<string, any>[]> =>
      (await t.ok(`query($id: ID!) { workspace(id: $id) { people(first: 100) { edges { node { ... on Member { ${fields} } } } } } }`, { id: c.workspace.id }, { as: c.member }))
        .workspace.people.edges.map((e: { node: unknown }) => e.node);
    await eachFieldAsWhole(page, MEMBER_FIELDS);
    const adam = (await page('name jobTitle user { name jobTitle }')).find((p) => p.name === 'Adam at work');
    expect(adam).toEqual({ name: 'Adam at work', jobTitle: 'Lead', user: { name: 'Adam Admin', jobTitle: null } });
  });

  it('answers each Project field, and each field of its owner, of the projects page as when every field is asked', async () => {
    const c = await profiles();
    const create = (as: typeof c.member, name: string, description: string) =>
      t.ok(`mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }`, { input: { workspaceId: c.workspace.id, name, description, visibility: 'PUBLIC' } }, { as });
    await create(c.member, 'one', 'First *one*');
    await create(c.admin, 'two', '');
    await create(c.owner, 'three', 'Third');
    const stranger = await t.signUp();
    await t.sql(`INSERT INTO project (workspace_id, name, visibility, owner_id) VALUES ($1, 'four', 'PRIVATE', $2)`, [c.workspace.id, stranger.id]);
    for (const orderBy of [{ field: 'NAME', direction: 'ASC' }, { field: 'CREATED_AT', direction: 'DESC' }]) {
      const page = async (fields: string): Promise<Record<string, any>[]> =>
        (await t.ok(`query($id: ID!, $orderBy: ProjectOrder) { workspace(id: $id) { projects(first: 50, orderBy: $orderBy) { edges { node { ${fields} } } } } }`,
          { id: c.workspace.id, orderBy }, { as: c.member })).workspace.projects.edges.map((e: { node: unknown }) => e.node);
      await eachFieldAsWhole(page, 'id name description descriptionHtml visibility createdAt modifiedAt viewerRole viewerPermissions workspace { id } variables { totalCount }');
      const owners = async (fields: string) => (await page(`id owner { ${fields} }`)).map((node) => ({ id: node.id, ...node.owner }));
      await eachFieldAsWhole(owners, MEMBER_FIELDS);
    }
  });

  it('shows owners\' emails on a projects page read narrowly to whoever may see them (SPEC.md §2: people of the workspace, superusers)', async () => {
    // The superuser is no member: the page does not know beforehand that they may see the address.
    const c = await profiles();
    await t.ok(`mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }`, { input: { workspaceId: c.workspace.id, name: 'mine' } }, { as: c.member });
    for (const as of [c.member, c.viewer, c.superuser]) {
      const data = await t.ok(`query($id: ID!) { workspace(id: $id) { projects(first: 5) { edges { node { owner { email } } } } } }`, { id: c.workspace.id }, { as });
      expect(data.workspace.projects.edges.map((e: any) => e.node.owner)).toEqual([{ email: c.member.email }]);
    }
  });

  it('never hands a partly read account to another field of the same request', async () => {
    // The people page reads its members' names only; the invitation's inviter is the same person,
    // looked up later in the request, and must show the columns the page did not read.
    const c = await profiles();
    await t.ok(`mutation($input: InviteMembersInput!) { inviteMembers(input: $input) { invitedCount } }`,
      { input: { workspaceId: c.workspace.id, emails: ['invitee@example.com'], role: 'VIEWER' } }, { as: c.member });
    const data = await t.ok(`query($id: ID!) { workspace(id: $id) { people(first: 100) { edges { node {
        ... on Member { name } ... on Invitation { invitedBy { jobTitle avatarUrl user { jobTitle avatarUrl createdAt } } } } } } } }`, { id: c.workspace.id }, { as: c.member });
    const invitation = data.workspace.people.edges.map((e: { node: any }) => e.node).find((n: any) => n.invitedBy);
    expect(invitation.invitedBy).toMatchObject({ jobTitle: 'Analyst', avatarUrl: 'https://example.com/m.png', user: { jobTitle: 'Analyst', avatarUrl: 'https://example.com/m.png' } });
    expect(invitation.invitedBy.user.createdAt).toEqual(expect.any(String));
  });

  it('plans per set of field nodes: a field gathered differently by directives or by operation reads what each needs', async () => {
    const c = await profiles();
    const names = (data: any, key = 'people') => data.workspace[key].edges.map((e: any) => e.node.name ?? null);
    const expected = names(await t.ok(`query($id: ID!) { workspace(id: $id) { people(first: 50) { edges { node { ... on Member { name } } } } } }`, { id: c.workspace.id }, { as: c.member }));
    expect(expected).toContain('Adam at work');
    // A literal id keeps the document on graphql-js, which resolves a field with only the nodes its
    // directives keep; a variable id compiles it (graphql-jit). Both must answer the same.
    for (const id of [`"${c.workspace.id}"`, '$id']) {
      const declare = id === '$id' ? '$id: ID!' : '';
      const DIRECTED = `query(${declare} $full: Boolean!) { workspace(id: ${id}) {
        people(first: 50) { edges { node { __typename } } }
        people(first: 50) @include(if: $full) { edges { node { ... on Member { name email joinedAt } } } } } }`;
      const vars = (full: boolean) => (declare ? { id: c.workspace.id, full } : { full });
      await t.ok(DIRECTED, vars(false), { as: c.member });
      expect(names(await t.ok(DIRECTED, vars(true), { as: c.member }))).toEqual(expected);
      const SHARED = `query A${declare && `(${declare})`} { workspace(id: ${id}) { ...P } }
        query B${declare && `(${declare})`} { workspace(id: ${id}) { ...P people(first: 50) { edges { node { ... on Member { name } } } } } }
        fragment P on Workspace { people(first: 50) { edges { node { __typename } } } }`;
      const run = (operationName: string) => t.gql(SHARED, declare ? { id: c.workspace.id } : {}, { as: c.member, operationName });
      expect((await run('A')).errors).toBeUndefined();
      const b = await run('B');
      expect(b.errors).toBeUndefined();
      expect(names(b.data)).toEqual(expected);
    }
  });

  it('gives listed members and owners the ids the database holds, though a narrow page does not read them (columnsLess)', async () => {
    const c = await profiles();
    await t.ok(`mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }`, { input: { workspaceId: c.workspace.id, name: 'owned' } }, { as: c.member });
    const rows = await t.sql<{ id: string; workspace_id: string; account_id: string }>('SELECT id, workspace_id, account_id FROM membership WHERE workspace_id = $1', [c.workspace.id]);
    const held = Object.fromEntries(rows.map((r) => [r.id, { id: r.id, workspace: { id: r.workspace_id }, user: { id: r.account_id } }]));
    const people = await t.ok(`query($id: ID!) { workspace(id: $id) { people(first: 100) { edges { node { ... on Member { id workspace { id } user { id } } } } } } }`, { id: c.workspace.id }, { as: c.member });
    const listed = people.workspace.people.edges.map((e: any) => e.node).filter((n: any) => n.id);
    expect(listed).toHaveLength(rows.length);
    for (const node of listed) expect(node).toEqual(held[node.id]);
    const projects = await t.ok(`query($id: ID!) { workspace(id: $id) { projects(first: 5) { edges { node { workspace { id } owner { id workspace { id } user { id } } } } } } }`, { id: c.workspace.id }, { as: c.member });
    const [project] = projects.workspace.projects.edges.map((e: any) => e.node);
    expect(project.workspace).toEqual({ id: c.workspace.id });
    expect(project.owner).toEqual(held[c.memberIds.member]);
  });

  it('never puts a project with a partly read owner where another field finds it (projectById)', async () => {
    const c = await profiles();
    const { createProject } = await t.ok(`mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }`,
      { input: { workspaceId: c.workspace.id, name: 'with a job' } }, { as: c.member });
    await t.ok(`mutation($input: CreateJobInput!) { createJob(input: $input) { id } }`, { input: { projectId: createProject.id, name: 'train', command: 'python train.py' } }, { as: c.member });
    // The page reads its owners' names only, and its projects whole (the job list's rule needs
    // them); Job.project finds the same project again and asks its owner for more.
    const data = await t.ok(`query($id: ID!) { workspace(id: $id) { projects(first: 5) { edges { node { owner { name }
        jobs(first: 1) { edges { node { project { owner { jobTitle createdAt user { createdAt } } } } } } } } } } }`, { id: c.workspace.id }, { as: c.member });
    const owner = data.workspace.projects.edges[0].node.jobs.edges[0].node.project.owner;
    expect(owner).toMatchObject({ jobTitle: 'Analyst', createdAt: expect.any(String), user: { createdAt: expect.any(String) } });
  });
});
