import { codeOf, TestServer } from '../test/harness';
import { Visibility } from '../common/enums';

let t: TestServer;
beforeAll(async () => {
  t = await TestServer.start();
});
afterAll(() => t.stop());

const WORKSPACE = `query($id: ID!) { workspace(id: $id) { id name description descriptionHtml visibility viewerRole viewerPermissions viewerMembership { id role } owner { id role } } }`;
const CREATE = `mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { id name visibility viewerRole descriptionHtml } }`;
const UPDATE = `mutation($input: UpdateWorkspaceInput!) { updateWorkspace(input: $input) { id name description descriptionHtml visibility } }`;
const LIST = `query($first: Int, $after: String, $filter: WorkspaceFilter, $orderBy: WorkspaceOrder) {
  workspaces(first: $first, after: $after, filter: $filter, orderBy: $orderBy) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id name } } } }`;

describe('creating workspaces', () => {
  it('makes the creator the one owner and records the creation', async () => {
    const owner = await t.signUp();
    const data = await t.ok(CREATE, { input: { name: '  Data Team ', description: '**bold**', visibility: 'PUBLIC' } }, { as: owner });
    expect(data.createWorkspace).toMatchObject({
      name: 'Data Team',
      visibility: 'PUBLIC',
      viewerRole: 'OWNER',
      descriptionHtml: '<p><strong>bold</strong></p>\n',
    });
    const id = data.createWorkspace.id;
    expect(await t.sql(`SELECT account_id, role FROM membership WHERE workspace_id = $1`, [id])).toEqual([{ account_id: owner.id, role: 'OWNER' }]);
    expect(await t.sql(`SELECT action, actor_id FROM audit_event WHERE workspace_id = $1`, [id])).toEqual([
      { action: 'workspace.created', actor_id: owner.id },
    ]);
    const read = await t.ok(WORKSPACE, { id }, { as: owner });
    expect(read.workspace.owner.role).toBe('OWNER');
    expect(read.workspace.viewerMembership.id).toBe(read.workspace.owner.id);
  });

  it.each([
    [{ name: '' }, 'name'],
    [{ name: '   ' }, 'name'],
    [{ name: 'x'.repeat(256) }, 'name'],
    [{ name: 'ok', description: 'd'.repeat(10_001) }, 'description'],
  ])('rejects bad input %# with BAD_USER_INPUT and writes nothing', async (input, field) => {
    const owner = await t.signUp();
    const result = await t.gql(CREATE, { input }, { as: owner });
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    expect(result.errors![0].extensions!.fields![0].field).toBe(field);
    expect(await t.sql(`SELECT 1 FROM membership WHERE account_id = $1`, [owner.id])).toEqual([]);
  });

  it('rejects an unknown visibility as BAD_USER_INPUT', async () => {
    const owner = await t.signUp();
    expect(codeOf(await t.gql(CREATE, { input: { name: 'w', visibility: 'SECRET' } }, { as: owner }))).toBe('BAD_USER_INPUT');
  });

  it('sanitizes the Markdown description: no scripts, handlers or javascript: links', async () => {
    const owner = await t.signUp();
    const description = '<script>alert(1)</script> <img src=x onerror=alert(1)> [click](javascript:alert(1)) [ok](https://example.com)';
    const data = await t.ok(CREATE, { input: { name: 'md', description } }, { as: owner });
    const html: string = data.createWorkspace.descriptionHtml;
    expect(html).not.toMatch(/<script|<[^>]+\son\w+=|href="javascript:/i);
    expect(html).toContain('&lt;script&gt;');
    expect(html).toContain('<a href="https://example.com" rel="nofollow noopener">ok</a>');
  });
});

describe('visibility (RULES.md §1)', () => {
  it('answers NOT_FOUND to outsiders and guests for a private workspace, exactly like a missing one', async () => {
    const { workspace, outsider } = await t.cast(Visibility.PRIVATE);
    const missing = '00000000-0000-4000-8000-000000000000';
    for (const as of [outsider, null]) {
      const hidden = await t.gql(WORKSPACE, { id: workspace.id }, { as });
      const absent = await t.gql(WORKSPACE, { id: missing }, { as });
      expect(codeOf(hidden)).toBe('NOT_FOUND');
      expect(hidden.errors![0].message).toBe(absent.errors![0].message);
    }
    expect(codeOf(await t.gql(WORKSPACE, { id: 'not-a-uuid' }, { as: outsider }))).toBe('NOT_FOUND');
  });

  it('shows a public workspace to guests with no role, no people and no owner', async () => {
    const { workspace, outsider } = await t.cast(Visibility.PUBLIC);
    for (const as of [outsider, null]) {
      const data = await t.ok(WORKSPACE, { id: workspace.id }, { as });
      expect(data.workspace).toMatchObject({ viewerRole: null, viewerMembership: null, owner: null });
      expect(data.workspace.viewerPermissions).toEqual(['workspace.info.view', 'workspace.projects.list']);
    }
  });

  it('gives each member role its role and permission codes', async () => {
    const cast = await t.cast(Visibility.PRIVATE);
    const roles = { owner: 'OWNER', admin: 'ADMIN', member: 'MEMBER', viewer: 'VIEWER' } as const;
    for (const [who, role] of Object.entries(roles)) {
      const data = await t.ok(WORKSPACE, { id: cast.workspace.id }, { as: cast[who as keyof typeof roles] });
      expect(data.workspace.viewerRole).toBe(role);
      expect(data.workspace.viewerPermissions).toContain('workspace.info.view');
      expect(data.workspace.viewerPermissions.includes('workspace.info.edit')).toBe(role === 'OWNER' || role === 'ADMIN');
      expect(data.workspace.viewerPermissions.includes('workspace.me.leave')).toBe(role !== 'OWNER');
      expect(data.workspace.owner.id).toBe(cast.memberIds.owner);
    }
  });
});

describe('updating workspaces', () => {
  it('lets admins and the owner rename; members and viewers get FORBIDDEN; outsiders NOT_FOUND', async () => {
    const cast = await t.cast(Visibility.PRIVATE);
    const id = cast.workspace.id;
    for (const who of ['owner', 'admin'] as const) {
      const data = await t.ok(UPDATE, { input: { id, name: `by ${who}`, description: '# Hi', visibility: 'PUBLIC' } }, { as: cast[who] });
      expect(data.updateWorkspace).toMatchObject({ name: `by ${who}`, description: '# Hi', descriptionHtml: '<h1>Hi</h1>\n', visibility: 'PUBLIC' });
    }
    await t.ok(UPDATE, { input: { id, visibility: 'PRIVATE' } }, { as: cast.owner });
    expect(codeOf(await t.gql(UPDATE, { input: { id, name: 'nope' } }, { as: cast.member }))).toBe('FORBIDDEN');
    expect(codeOf(await t.gql(UPDATE, { input: { id, name: 'nope' } }, { as: cast.viewer }))).toBe('FORBIDDEN');
    expect(codeOf(await t.gql(UPDATE, { input: { id, name: 'nope' } }, { as: cast.outsider }))).toBe('NOT_FOUND');
    expect(codeOf(await t.gql(UPDATE, { input: { id, name: 'nope' } }))).toBe('UNAUTHENTICATED');
    const [row] = await t.sql('SELECT name FROM workspace WHERE id = $1', [id]);
    expect(row.name).toBe('by admin');
    const events = await t.sql(`SELECT action FROM audit_event WHERE workspace_id = $1 AND action = 'workspace.updated'`, [id]);
    expect(events).toHaveLength(3);
  });

  it('rejects bad input and leaves the workspace unchanged', async () => {
    const cast = await t.cast();
    const id = cast.workspace.id;
    for (const input of [
      { id, name: '' },
      { id, name: 'n'.repeat(256) },
      { id, description: 'x'.repeat(10_001) },
    ]) {
      expect(codeOf(await t.gql(UPDATE, { input }, { as: cast.owner }))).toBe('BAD_USER_INPUT');
    }
    const [row] = await t.sql('SELECT name, description FROM workspace WHERE id = $1', [id]);
    expect(row).toEqual({ name: cast.workspace.name, description: '' });
  });
});

describe('listing workspaces', () => {
  it('lists memberships and public workspaces, filters, orders and pages without repeats', async () => {
    const me = await t.signUp();
    const stranger = await t.signUp();
    const mine = [];
    for (const name of ['delta', 'Alpha', 'charlie', 'bravo', 'echo']) mine.push(await t.createWorkspace(me, { name: `${name}-${me.id.slice(0, 4)}` }));
    const pub = await t.createWorkspace(stranger, { name: `public-${me.id.slice(0, 4)}`, visibility: Visibility.PUBLIC });
    await t.createWorkspace(stranger, { name: `private-${me.id.slice(0, 4)}` });
    const search = me.id.slice(0, 4);

    const all = await t.ok(LIST, { first: 100, filter: { search } }, { as: me });
    expect(all.workspaces.edges.map((e: any) => e.node.name.split('-')[0])).toEqual(['Alpha', 'bravo', 'charlie', 'delta', 'echo', 'public']);
    expect(all.workspaces.totalCount).toBe(6);

    const members = await t.ok(LIST, { filter: { search, isMember: true }, orderBy: { field: 'NAME', direction: 'DESC' } }, { as: me });
    expect(members.workspaces.edges.map((e: any) => e.node.name.split('-')[0])).toEqual(['echo', 'delta', 'charlie', 'bravo', 'Alpha']);
    const others = await t.ok(LIST, { filter: { search, isMember: false } }, { as: me });
    expect(others.workspaces.edges.map((e: any) => e.node.id)).toEqual([pub.id]);

    for (const field of ['NAME', 'CREATED_AT', 'MODIFIED_AT']) {
      for (const direction of ['ASC', 'DESC']) {
        const seen: string[] = [];
        let after: string | null = null;
        for (;;) {
          const page: any = await t.ok(LIST, { first: 2, after, filter: { search }, orderBy: { field, direction } }, { as: me });
          seen.push(...page.workspaces.edges.map((e: any) => e.node.id));
          if (!page.workspaces.pageInfo.hasNextPage) break;
          after = page.workspaces.pageInfo.endCursor;
        }
        expect(seen).toHaveLength(6);
        expect(new Set(seen).size).toBe(6);
      }
    }
    // A guest sees public workspaces only.
    const guest = await t.ok(LIST, { first: 100, filter: { search } });
    expect(guest.workspaces.edges.map((e: any) => e.node.id)).toEqual([pub.id]);
  });

  it('rejects a bad page size or cursor with BAD_USER_INPUT', async () => {
    const me = await t.signUp();
    expect(codeOf(await t.gql(LIST, { first: 101 }, { as: me }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await t.gql(LIST, { first: -1 }, { as: me }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await t.gql(LIST, { after: 'garbage' }, { as: me }))).toBe('BAD_USER_INPUT');
  });
});

describe('forged cursors', () => {
  it('answers BAD_USER_INPUT, not an internal error, for a cursor holding values of the wrong type', async () => {
    const me = await t.signUp();
    await t.createWorkspace(me);
    const forged = (values: unknown[]) => Buffer.from(JSON.stringify(values)).toString('base64url');
    for (const [after, orderBy] of [
      [forged(['a', 'not-a-uuid']), undefined],
      [forged(['not a date', '00000000-0000-4000-8000-000000000000']), { field: 'CREATED_AT', direction: 'ASC' }],
      [forged(['nul\u0000', '00000000-0000-4000-8000-000000000000']), undefined],
    ] as const) {
      const result = await t.gql(LIST, { after, orderBy }, { as: me });
      expect(codeOf(result)).toBe('BAD_USER_INPUT');
    }
  });
});
