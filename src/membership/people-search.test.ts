import { WorkspaceRole } from '../common/enums';
import { TestServer } from '../test/harness';

/**
 * The people page's search and name order read the names the page shows: an invitation is found
 * by the name it shows (only where the caller may see it), and a renamed account or a changed
 * workspace profile moves the person in the order at once.
 */
let t: TestServer;
beforeAll(async () => {
  t = await TestServer.start();
});
afterAll(() => t.stop());

const PEOPLE = `query($id: ID!, $filter: PeopleFilter, $orderBy: PeopleOrder) {
  workspace(id: $id) { people(first: 100, filter: $filter, orderBy: $orderBy) { totalCount edges { node { __typename name email } } } } }`;

const invite = (workspaceId: string, emails: string[], as: Parameters<TestServer['ok']>[2]) =>
  t.ok(
    `mutation($id: ID!, $e: [String!]!) { inviteMembers(input: { workspaceId: $id, emails: $e, role: VIEWER }) { invitedCount } }`,
    { id: workspaceId, e: emails },
    as,
  );

describe('people search', () => {
  it('finds an invitation by the name it shows, and only where the caller may see that name', async () => {
    const c = await t.cast();
    // Ann shares another workspace with the member, so her invitation shows her name to the member.
    const ann = await t.signUp({ name: 'Ann Lee' });
    const shared = await t.createWorkspace(c.member);
    await t.addMember(shared.id, ann, WorkspaceRole.VIEWER);
    const stranger = await t.signUp({ name: 'Bob Leeward' });
    await invite(c.workspace.id, [ann.email, stranger.email], { as: c.member });

    const asMember = await t.ok(PEOPLE, { id: c.workspace.id, filter: { search: 'Lee' } }, { as: c.member });
    expect(asMember.workspace.people.edges.map((e: any) => [e.node.__typename, e.node.name])).toEqual([['Invitation', 'Ann Lee']]);
    expect(asMember.workspace.people.totalCount).toBe(1);

    // The admin shares no workspace with Ann outside this one: her invitation shows no name, and is not found by it.
    const asAdmin = await t.ok(PEOPLE, { id: c.workspace.id, filter: { search: 'Lee' } }, { as: c.admin });
    expect(asAdmin.workspace.people.edges).toEqual([]);
    // Platform admins see every name.
    await t.addMember(c.workspace.id, c.platformAdmin, WorkspaceRole.ADMIN);
    const asPlatformAdmin = await t.ok(PEOPLE, { id: c.workspace.id, filter: { search: 'lee' } }, { as: c.platformAdmin });
    expect(asPlatformAdmin.workspace.people.edges.map((e: any) => e.node.name).sort()).toEqual(['Ann Lee', 'Bob Leeward']);
  });

  it('matches members by the name shown, case-insensitively, and treats % and _ as text', async () => {
    const c = await t.cast();
    const pct = await t.signUp({ name: '100% Sure' });
    await t.addMember(c.workspace.id, pct, WorkspaceRole.VIEWER);
    const names = async (search: string) =>
      (await t.ok(PEOPLE, { id: c.workspace.id, filter: { search } }, { as: c.owner })).workspace.people.edges.map((e: any) => e.node.name);
    expect(await names('MIA')).toEqual(['Mia Member']);
    expect(await names('0%')).toEqual(['100% Sure']);
    expect(await names('_')).toEqual([]);
  });
});

describe('people order by name', () => {
  it('follows a renamed account and a workspace profile name at once', async () => {
    const c = await t.cast();
    const order = async () => (await t.ok(PEOPLE, { id: c.workspace.id }, { as: c.owner })).workspace.people.edges.map((e: any) => e.node.name);
    expect(await order()).toEqual(['Adam Admin', 'Mia Member', 'Olive Owner', 'Vic Viewer']);

    await t.ok(`mutation { updateMe(input: { name: "Zed Viewer" }) { name } }`, {}, { as: c.viewer });
    expect(await order()).toEqual(['Adam Admin', 'Mia Member', 'Olive Owner', 'Zed Viewer']);

    await t.ok(
      `mutation($id: ID!) { updateMyMembership(input: { workspaceId: $id, useAccountProfile: false, name: "Aaron" }) { name } }`,
      { id: c.workspace.id },
      { as: c.member },
    );
    expect(await order()).toEqual(['Aaron', 'Adam Admin', 'Olive Owner', 'Zed Viewer']);
    const found = await t.ok(PEOPLE, { id: c.workspace.id, filter: { search: 'aaron' } }, { as: c.owner });
    expect(found.workspace.people.edges.map((e: any) => e.node.name)).toEqual(['Aaron']);
  });
});
