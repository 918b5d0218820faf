import { Account } from '../account/account.entity';
import { Visibility } from '../common/enums';
import { createContext } from '../context';
import { codeOf, TestServer } from '../test/harness';
import { recordSuperuserAccess } from './audit.service';

let t: TestServer;
beforeAll(async () => {
  t = await TestServer.start();
});
afterAll(() => t.stop());

const AUDIT = `query($id: ID!, $first: Int, $after: String, $filter: AuditEventFilter) {
  workspace(id: $id) { auditEvents(first: $first, after: $after, filter: $filter) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id action createdAt data actor { id name } } } } } }`;
const RENAME = `mutation($id: ID!, $name: String!) { updateWorkspace(input: { id: $id, name: $name }) { id } }`;

describe('the audit log', () => {
  it('lists events newest first with actor and details, page by page without gaps or repeats', async () => {
    const c = await t.cast();
    for (let i = 1; i <= 5; i++) await t.ok(RENAME, { id: c.workspace.id, name: `Name ${i}` }, { as: i % 2 ? c.owner : c.admin });
    const all = await t.sql<{ id: string }>('SELECT id FROM audit_event WHERE workspace_id = $1 ORDER BY created_at DESC, id DESC', [c.workspace.id]);
    expect(all.length).toBe(6); // workspace.created + 5 renames

    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const data: any = await t.ok(AUDIT, { id: c.workspace.id, first: 4, after }, { as: c.admin });
      const page: any = data.workspace.auditEvents;
      expect(page.totalCount).toBe(6);
      seen.push(...page.edges.map((e: any) => e.node.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual(all.map((r) => r.id));

    const first = (await t.ok(AUDIT, { id: c.workspace.id, first: 1 }, { as: c.owner })).workspace.auditEvents.edges[0].node;
    expect(first).toMatchObject({ action: 'workspace.updated', actor: { id: c.owner.id, name: 'Olive Owner' } });
    expect(JSON.parse(first.data)).toEqual({ changes: { name: { from: 'Name 4', to: 'Name 5' } } });
    const last = (await t.ok(AUDIT, { id: c.workspace.id, first: 100 }, { as: c.owner })).workspace.auditEvents.edges.at(-1).node;
    expect(last.action).toBe('workspace.created');
  });

  it('filters by action', async () => {
    const c = await t.cast();
    await t.ok(RENAME, { id: c.workspace.id, name: 'Renamed' }, { as: c.owner });
    const only = await t.ok(AUDIT, { id: c.workspace.id, filter: { actions: ['workspace.created'] } }, { as: c.owner });
    expect(only.workspace.auditEvents.totalCount).toBe(1);
    expect(only.workspace.auditEvents.edges.map((e: any) => e.node.action)).toEqual(['workspace.created']);
    const both = await t.ok(AUDIT, { id: c.workspace.id, filter: { actions: ['workspace.created', 'workspace.updated'] } }, { as: c.owner });
    expect(both.workspace.auditEvents.totalCount).toBe(2);
    const none = await t.ok(AUDIT, { id: c.workspace.id, filter: { actions: ['no.such.action'] } }, { as: c.owner });
    expect(none.workspace.auditEvents.totalCount).toBe(0);
  });

  it('is read by admins and the owner only', async () => {
    const c = await t.cast();
    for (const who of [c.owner, c.admin, c.superuser])
      expect((await t.ok(AUDIT, { id: c.workspace.id }, { as: who })).workspace.auditEvents.totalCount).toBeGreaterThan(0);
    for (const who of [c.member, c.viewer]) expect(codeOf(await t.gql(AUDIT, { id: c.workspace.id }, { as: who }))).toBe('FORBIDDEN');
    for (const who of [c.outsider, c.platformAdmin]) expect(codeOf(await t.gql(AUDIT, { id: c.workspace.id }, { as: who }))).toBe('NOT_FOUND');
    const pub = await t.cast(Visibility.PUBLIC);
    expect(codeOf(await t.gql(AUDIT, { id: pub.workspace.id }))).toBe('FORBIDDEN');
    expect(codeOf(await t.gql(AUDIT, { id: pub.workspace.id }, { as: pub.outsider }))).toBe('FORBIDDEN');
  });

  it('answers BAD_USER_INPUT for a bad cursor or page size', async () => {
    const c = await t.cast();
    expect(codeOf(await t.gql(AUDIT, { id: c.workspace.id, after: 'garbage' }, { as: c.owner }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await t.gql(AUDIT, { id: c.workspace.id, first: 1000 }, { as: c.owner }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await t.gql(AUDIT, { id: c.workspace.id, filter: { actions: Array(51).fill('a') } }, { as: c.owner }))).toBe('BAD_USER_INPUT');
  });
});

describe('superuser access', () => {
  const accountOf = (id: string) => t.db.getRepository(Account).findOneByOrFail({ id });

  it('recordSuperuserAccess writes one event per workspace and operation in a request, for non-member superusers only', async () => {
    const c = await t.cast();
    const su = createContext({ db: t.db, config: t.config, user: await accountOf(c.superuser.id), requestId: 'req-1' });
    await Promise.all([
      recordSuperuserAccess(su, c.workspace.id, 'Query.workspace'),
      recordSuperuserAccess(su, c.workspace.id, 'Query.workspace'),
      recordSuperuserAccess(su, c.workspace.id, 'Mutation.updateWorkspace'),
    ]);
    await recordSuperuserAccess(su, c.workspace.id, 'Query.workspace');
    const events = await t.sql(
      `SELECT actor_id, details FROM audit_event WHERE workspace_id = $1 AND action = 'superuser.access' ORDER BY details->>'operation'`,
      [c.workspace.id],
    );
    expect(events).toEqual([
      { actor_id: c.superuser.id, details: { operation: 'Mutation.updateWorkspace', requestId: 'req-1' } },
      { actor_id: c.superuser.id, details: { operation: 'Query.workspace', requestId: 'req-1' } },
    ]);

    // Not a superuser, or a superuser who is a member: nothing is written.
    await recordSuperuserAccess(createContext({ db: t.db, config: t.config, user: await accountOf(c.admin.id) }), c.workspace.id, 'Query.workspace');
    await t.addMember(c.workspace.id, c.superuser, 'VIEWER' as any);
    await recordSuperuserAccess(createContext({ db: t.db, config: t.config, user: await accountOf(c.superuser.id) }), c.workspace.id, 'Query.workspace');
    expect(await t.sql(`SELECT count(*)::int AS n FROM audit_event WHERE workspace_id = $1 AND action = 'superuser.access'`, [c.workspace.id])).toEqual([
      { n: 2 },
    ]);
  });

  it('is written to the workspace audit log when a non-member superuser reads or changes it through the API', async () => {
    const c = await t.cast();
    const [project] = await t.sql('INSERT INTO project (workspace_id, name, owner_id) VALUES ($1, $2, $3) RETURNING id', [c.workspace.id, 'P', c.owner.id]);
    await t.ok(`query($id: ID!) { workspace(id: $id) { id } }`, { id: c.workspace.id }, { as: c.superuser });
    await t.ok(`query($id: ID!) { project(id: $id) { id } }`, { id: project.id }, { as: c.superuser });
    await t.ok(RENAME, { id: c.workspace.id, name: 'Touched by a superuser' }, { as: c.superuser });
    // Members' own actions are not superuser access.
    await t.ok(`query($id: ID!) { workspace(id: $id) { id } }`, { id: c.workspace.id }, { as: c.owner });
    const data = await t.ok(AUDIT, { id: c.workspace.id, filter: { actions: ['superuser.access'] } }, { as: c.admin });
    const events = data.workspace.auditEvents.edges.map((e: any) => ({ actor: e.node.actor.id, operation: JSON.parse(e.node.data).operation }));
    expect(events.map((e: any) => e.operation).sort()).toEqual(['Mutation.updateWorkspace', 'Query.project', 'Query.workspace']);
    expect(events.every((e: any) => e.actor === c.superuser.id)).toBe(true);
  });
});
