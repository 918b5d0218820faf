import { reasonOf, TestServer, type TestUser } from '../test/harness';
import { atrium, expectExit, KEY, tempConfigHome } from './testing';

let t: TestServer;
beforeAll(async () => {
  t = await TestServer.start();
});
afterAll(() => t.stop());

const as = (user: TestUser) => ({ env: { XDG_CONFIG_HOME: tempConfigHome(), ATRIUM_URL: t.url, ATRIUM_TOKEN: user.token } });

describe('atrium people list', () => {
  it('lists the members of a workspace as a table, filtered by role and sorted', async () => {
    const { workspace, owner, admin, member, viewer } = await t.cast();
    const all = await atrium(['people', 'list', '--workspace', workspace.id], as(member));
    expectExit(all, 0);
    const lines = all.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+EMAIL\s+ROLE\s+STATUS\s+SINCE\s+ID$/);
    for (const [user, role] of [
      [owner, 'owner'],
      [admin, 'admin'],
      [member, 'member'],
      [viewer, 'viewer'],
    ] as const) {
      expect(all.stdout).toMatch(new RegExp(`${user.name}\\s+${user.email.replace(/[.+]/g, '\\$&')}\\s+${role}\\s+active`));
    }
    expect(lines.slice(1).map((l) => l.split(/\s{2,}/)[0])).toEqual(['Adam Admin', 'Mia Member', 'Olive Owner', 'Vic Viewer']);

    const admins = await atrium(['people', 'list', '--workspace', workspace.name, '--role', 'admin,owner', '--sort', 'name:desc', '--json'], as(member));
    expectExit(admins, 0);
    expect(JSON.parse(admins.stdout).map((p: { name: string; role: string }) => [p.name, p.role])).toEqual([
      ['Olive Owner', 'OWNER'],
      ['Adam Admin', 'ADMIN'],
    ]);
  });

  it('shows pending invitations to members, filtered by status', async () => {
    const { workspace, owner, member } = await t.cast();
    await t.ok(
      `mutation($input: InviteMembersInput!) { inviteMembers(input: $input) { invitedCount } }`,
      { input: { workspaceId: workspace.id, emails: ['pending@example.com'], role: 'VIEWER' } },
      { as: owner },
    );
    const invited = await atrium(['people', 'list', '--workspace', workspace.id, '--status', 'invited'], as(member));
    expectExit(invited, 0);
    expect(invited.stdout.trimEnd().split('\n')).toHaveLength(2);
    expect(invited.stdout).toMatch(/pending@example\.com\s+viewer\s+invited/);
  });

  it('asks which workspace when --workspace is missing', async () => {
    const { workspace, viewer } = await t.cast();
    const result = await atrium(['people', 'list'], {
      ...as(viewer),
      answers: [{ when: new RegExp(`Which workspace\\?[\\s\\S]*${workspace.name}`), send: KEY.enter }],
    });
    expectExit(result, 0);
    expect(result.stdout).toContain('Vic Viewer');
  });

  it('refuses a bad --status or --sort with exit code 2', async () => {
    const { workspace, member } = await t.cast();
    const [status, sort] = await Promise.all([
      atrium(['people', 'list', '--workspace', workspace.id, '--status', 'sleeping'], as(member)),
      atrium(['people', 'list', '--workspace', workspace.id, '--sort', 'height'], as(member)),
    ]);
    expectExit(status, 2);
    expect(status.stderr).toContain('Use one or more of active, invited, expired');
    expectExit(sort, 2);
    expect(sort.stderr).toContain('Sort by name, email, role, status or created');
  });
});

describe('atrium people invite', () => {
  it('invites several addresses and prints one result line per address', async () => {
    const { workspace, admin, member } = await t.cast();
    const result = await atrium(
      ['people', 'invite', 'new.one@example.com', 'new.two@example.com', 'not-an-email', member.email, '--workspace', workspace.id, '--role', 'viewer'],
      as(admin),
    );
    expectExit(result, 0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^new\.one@example\.com\s+INVITED\s+\S/);
    expect(lines[1]).toMatch(/^new\.two@example\.com\s+INVITED\s+\S/);
    expect(lines[2]).toMatch(/^not-an-email\s+INVALID_EMAIL\s+\S/);
    expect(lines[3]).toMatch(/\s+ALREADY_MEMBER\s+\S/);
    expect(result.stderr).toContain('Invited 2 of 4 as viewer.');
    const rows = await t.sql(`SELECT email, role FROM invitation WHERE workspace_id = $1 AND stored_state = 'PENDING' ORDER BY email`, [workspace.id]);
    expect(rows).toEqual([
      { email: 'new.one@example.com', role: 'VIEWER' },
      { email: 'new.two@example.com', role: 'VIEWER' },
    ]);
  });

  it('asks for the workspace and the addresses when they are missing', async () => {
    const { workspace, owner } = await t.cast();
    const result = await atrium(['people', 'invite', '--json'], {
      ...as(owner),
      answers: [
        { when: new RegExp(`Invite to which workspace\\?[\\s\\S]*${workspace.name}`), send: KEY.enter },
        { when: /Email addresses/, send: `a@example.com, b@example.com${KEY.enter}` },
      ],
    });
    expectExit(result, 0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      invitedCount: 2,
      results: [
        { email: 'a@example.com', status: 'INVITED' },
        { email: 'b@example.com', status: 'INVITED' },
      ],
    });
  });

  it('prints the reason when a member invites an admin, and exits 4', async () => {
    const { workspace, member } = await t.cast();
    const result = await atrium(['people', 'invite', 'boss@example.com', '--workspace', workspace.id, '--role', 'admin'], as(member));
    expectExit(result, 4);
    expect(result.stderr).toContain('code: FORBIDDEN, reason: ROLE_ABOVE_INVITER');
    expect(await t.sql(`SELECT id FROM invitation WHERE workspace_id = $1`, [workspace.id])).toEqual([]);
  });

  it('refuses an unknown role with exit code 2', async () => {
    const { workspace, admin } = await t.cast();
    const result = await atrium(['people', 'invite', 'x@example.com', '--workspace', workspace.id, '--role', 'emperor'], as(admin));
    expectExit(result, 2);
  });
});

const roleOf = async (memberId: string) => ((await t.sql('SELECT role FROM membership WHERE id = $1', [memberId]))[0]?.role as string | undefined) ?? null;
const createProject = async (workspaceId: string, user: TestUser, name: string) =>
  (await t.ok(`mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }`, { input: { workspaceId, name } }, { as: user })).createProject
    .id as string;
const projectOwner = async (id: string) => (await t.sql('SELECT owner_id FROM project WHERE id = $1', [id]))[0].owner_id as string;

describe('atrium people role', () => {
  it('offers the members whose role can change, asks for the role, shows the change and applies it once confirmed', async () => {
    const { workspace, admin, viewer, memberIds } = await t.cast();
    const result = await atrium(['people', 'role', '--workspace', workspace.id], {
      ...as(admin),
      answers: [
        { when: /Whose role do you want to change\?[\s\S]*Vic Viewer/, send: `${KEY.down}${KEY.enter}` },
        { when: /New role for Vic Viewer/, send: `${KEY.down}${KEY.enter}` },
        { when: /Change the role\?/, send: `y${KEY.enter}` },
      ],
    });
    expectExit(result, 0);
    // Neither the caller nor the owner is offered: the server would refuse both.
    expect(result.stderr).not.toMatch(/Adam Admin|Olive Owner/);
    expect(result.stderr).toContain(`Role of Vic Viewer <${viewer.email}> in workspace "${workspace.name}": viewer → member`);
    expect(result.stdout).toContain(`Vic Viewer <${viewer.email}> is now member in workspace "${workspace.name}".`);
    expect(await roleOf(memberIds.viewer)).toBe('MEMBER');
  });

  it('changes a role from arguments with --yes, by email or id, and changes nothing unconfirmed or unchanged', async () => {
    const { workspace, owner, member, memberIds } = await t.cast();
    const byEmail = await atrium(['people', 'role', member.email.toUpperCase(), 'admin', '--workspace', workspace.name, '--yes', '--json'], as(owner));
    expectExit(byEmail, 0);
    expect(JSON.parse(byEmail.stdout)).toMatchObject({ id: memberIds.member, role: 'ADMIN', email: member.email });
    const [declined, same] = await Promise.all([
      atrium(['people', 'role', memberIds.member, 'viewer', '--workspace', workspace.id], {
        ...as(owner),
        answers: [{ when: /Change the role\?/, send: `n${KEY.enter}` }],
      }),
      atrium(['people', 'role', 'Mia Member', 'admin', '--workspace', workspace.id], as(owner)),
    ]);
    expectExit(declined, 1);
    expect(declined.stderr).toContain('Aborted; nothing was changed.');
    expectExit(same, 0);
    expect(same.stdout).toContain('is already admin');
    expect(await roleOf(memberIds.member)).toBe('ADMIN');
  });

  it("refuses as the server does: a member (4), one's own role and the owner's (4, with the reason), owner as a role (2), a stranger (5)", async () => {
    const { workspace, owner, admin, member, viewer, memberIds } = await t.cast();
    const server = await t.gql(
      `mutation($input: ChangeMemberRoleInput!) { changeMemberRole(input: $input) { id } }`,
      { input: { memberId: memberIds.admin, role: 'MEMBER' } },
      { as: admin },
    );
    expect(reasonOf(server)).toBe('CANNOT_CHANGE_OWN_ROLE');
    // At most three processes at a time: each starts a TypeScript toolchain.
    const [byMember, own, ofOwner] = await Promise.all([
      atrium(['people', 'role', '--workspace', workspace.id], as(member)),
      atrium(['people', 'role', admin.email, 'member', '--workspace', workspace.id, '--yes'], as(admin)),
      atrium(['people', 'role', owner.email, 'member', '--workspace', workspace.id, '--yes'], as(admin)),
    ]);
    const [toOwner, stranger] = await Promise.all([
      atrium(['people', 'role', viewer.email, 'owner', '--workspace', workspace.id, '--yes'], as(admin)),
      atrium(['people', 'role', 'nobody@example.com', 'member', '--workspace', workspace.id, '--yes'], as(admin)),
    ]);
    expectExit(byMember, 4);
    expect(byMember.stderr).toContain('You do not have permission to change roles');
    expect(byMember.stderr).not.toContain('Whose role');
    expectExit(own, 4);
    expect(own.stderr).toContain('code: FORBIDDEN, reason: CANNOT_CHANGE_OWN_ROLE');
    expectExit(ofOwner, 4);
    expect(ofOwner.stderr).toContain('code: FORBIDDEN, reason: CANNOT_CHANGE_OWNER_ROLE');
    expectExit(toOwner, 2);
    expect(toOwner.stderr).toContain('the owner transfers ownership');
    expectExit(stranger, 5);
    expect(await t.sql('SELECT role::text FROM membership WHERE workspace_id = $1 ORDER BY role::text', [workspace.id])).toEqual([
      { role: 'ADMIN' },
      { role: 'MEMBER' },
      { role: 'OWNER' },
      { role: 'VIEWER' },
    ]);
  });
});

describe('atrium people remove', () => {
  it('removes the member picked from the list once confirmed, and names the projects that passed to the owner', async () => {
    const { workspace, owner, admin, member, memberIds } = await t.cast();
    const project = await createProject(workspace.id, member, 'Mia Notes');
    const result = await atrium(['people', 'remove', '--workspace', workspace.id], {
      ...as(admin),
      answers: [
        { when: /Whom do you want to remove\?[\s\S]*Mia Member/, send: KEY.enter },
        { when: /Remove Mia Member/, send: `y${KEY.enter}` },
      ],
    });
    expectExit(result, 0);
    expect(result.stderr).toContain(`This removes Mia Member <${member.email}> (member) from workspace "${workspace.name}"`);
    expect(result.stdout).toContain(`Removed Mia Member <${member.email}> from workspace "${workspace.name}".`);
    expect(result.stdout).toContain('Their project now belongs to the workspace owner: "Mia Notes".');
    expect(await roleOf(memberIds.member)).toBeNull();
    expect(await projectOwner(project)).toBe(owner.id);
  });

  it("removes nobody unless confirmed (or --yes), and --json prints the server's payload", async () => {
    const { workspace, owner, viewer, memberIds } = await t.cast();
    const [declined, noInput] = await Promise.all([
      atrium(['people', 'remove', viewer.email, '--workspace', workspace.id], { ...as(owner), answers: [{ when: /Remove Vic Viewer/, send: KEY.enter }] }),
      atrium(['--no-input', 'people', 'remove', viewer.email, '--workspace', workspace.id], as(owner)),
    ]);
    expectExit(declined, 1);
    expect(declined.stderr).toContain('Aborted; nobody was removed.');
    expectExit(noInput, 2);
    expect(noInput.stderr).toContain('Missing --yes');
    expect(await roleOf(memberIds.viewer)).toBe('VIEWER');
    const removed = await atrium(['people', 'remove', 'vic viewer', '--workspace', workspace.id, '--yes', '--json'], as(owner));
    expectExit(removed, 0);
    expect(JSON.parse(removed.stdout)).toEqual({ removedMemberId: memberIds.viewer, reassignedProjects: [] });
    expect(await roleOf(memberIds.viewer)).toBeNull();
  });

  it('refuses a member (4), removing oneself or the owner (4, with the reason), and removes nothing', async () => {
    const { workspace, owner, admin, member } = await t.cast();
    const [byMember, self, ofOwner] = await Promise.all([
      atrium(['people', 'remove', admin.email, '--workspace', workspace.id, '--yes'], as(member)),
      atrium(['people', 'remove', admin.email, '--workspace', workspace.id, '--yes'], as(admin)),
      atrium(['people', 'remove', owner.email, '--workspace', workspace.id, '--yes'], as(admin)),
    ]);
    expectExit(byMember, 4);
    expect(byMember.stderr).toContain('code: FORBIDDEN');
    expectExit(self, 4);
    expect(self.stderr).toContain('reason: CANNOT_REMOVE_SELF');
    expect(self.stderr).toContain('atrium people leave');
    expectExit(ofOwner, 4);
    expect(ofOwner.stderr).toContain('reason: CANNOT_REMOVE_OWNER');
    expect(await t.sql('SELECT count(*)::int AS n FROM membership WHERE workspace_id = $1', [workspace.id])).toEqual([{ n: 4 }]);
  });
});

describe('atrium people leave', () => {
  it('leaves the workspace picked from the list once confirmed', async () => {
    const { workspace, viewer, memberIds } = await t.cast();
    const result = await atrium(['people', 'leave'], {
      ...as(viewer),
      answers: [
        { when: new RegExp(`Which workspace do you want to leave\\?[\\s\\S]*${workspace.name}`), send: KEY.enter },
        { when: /Leave workspace/, send: `y${KEY.enter}` },
      ],
    });
    expectExit(result, 0);
    expect(result.stderr).toContain(`This ends your membership of workspace "${workspace.name}" (viewer)`);
    expect(result.stdout).toContain(`You left workspace "${workspace.name}".`);
    expect(await roleOf(memberIds.viewer)).toBeNull();
    // Gone on the next request: the workspace is no longer there to list.
    expectExit(await atrium(['people', 'list', '--workspace', workspace.id], as(viewer)), 5);
  });

  it("leaves with --yes --json, handing the caller's projects to the owner; the owner is refused (4) and a declined leave changes nothing", async () => {
    const { workspace, owner, member, admin, memberIds } = await t.cast();
    const project = await createProject(workspace.id, member, 'Left Behind');
    const [declined, byOwner] = await Promise.all([
      atrium(['people', 'leave', '--workspace', workspace.id], { ...as(admin), answers: [{ when: /Leave workspace/, send: `n${KEY.enter}` }] }),
      atrium(['people', 'leave', '--workspace', workspace.id, '--yes'], as(owner)),
    ]);
    expectExit(declined, 1);
    expect(declined.stderr).toContain('Aborted; you are still a member.');
    expect(await roleOf(memberIds.admin)).toBe('ADMIN');
    expectExit(byOwner, 4);
    expect(byOwner.stderr).toContain('code: FORBIDDEN, reason: OWNER_CANNOT_LEAVE');

    const left = await atrium(['people', 'leave', '--workspace', workspace.name, '--yes', '--json'], as(member));
    expectExit(left, 0);
    expect(JSON.parse(left.stdout)).toEqual({ workspaceId: workspace.id, reassignedProjects: [{ id: project, name: 'Left Behind' }] });
    expect(await roleOf(memberIds.member)).toBeNull();
    expect(await projectOwner(project)).toBe(owner.id);
  });
});
