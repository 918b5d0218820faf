import { TestServer, type TestUser } from '../test/harness';
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
    for (const [user, role] of [[owner, 'owner'], [admin, 'admin'], [member, 'member'], [viewer, 'viewer']] as const) {
      expect(all.stdout).toMatch(new RegExp(`${user.name}\\s+${user.email.replace(/[.+]/g, '\\$&')}\\s+${role}\\s+active`));
    }
    expect(lines.slice(1).map((l) => l.split(/\s{2,}/)[0])).toEqual(['Adam Admin', 'Mia Member', 'Olive Owner', 'Vic Viewer']);

    const admins = await atrium(['people', 'list', '--workspace', workspace.name, '--role', 'admin,owner', '--sort', 'name:desc', '--json'], as(member));
    expectExit(admins, 0);
    expect(JSON.parse(admins.stdout).map((p: { name: string; role: string }) => [p.name, p.role])).toEqual([['Olive Owner', 'OWNER'], ['Adam Admin', 'ADMIN']]);
  });

  it('shows pending invitations to members, filtered by status', async () => {
    const { workspace, owner, member } = await t.cast();
    await t.ok(`mutation($input: InviteMembersInput!) { inviteMembers(input: $input) { invitedCount } }`, { input: { workspaceId: workspace.id, emails: ['pending@example.com'], role: 'VIEWER' } }, { as: owner });
    const invited = await atrium(['people', 'list', '--workspace', workspace.id, '--status', 'invited'], as(member));
    expectExit(invited, 0);
    expect(invited.stdout.trimEnd().split('\n')).toHaveLength(2);
    expect(invited.stdout).toMatch(/pending@example\.com\s+viewer\s+invited/);
  });

  it('asks which workspace when --workspace is missing', async () => {
    const { workspace, viewer } = await t.cast();
    const result = await atrium(['people', 'list'], { ...as(viewer), answers: [{ when: new RegExp(`Which workspace\\?[\\s\\S]*${workspace.name}`), send: KEY.enter }] });
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
    const result = await atrium(['people', 'invite', 'new.one@example.com', 'new.two@example.com', 'not-an-email', member.email, '--workspace', workspace.id, '--role', 'viewer'], as(admin));
    expectExit(result, 0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^new\.one@example\.com\s+INVITED\s+\S/);
    expect(lines[1]).toMatch(/^new\.two@example\.com\s+INVITED\s+\S/);
    expect(lines[2]).toMatch(/^not-an-email\s+INVALID_EMAIL\s+\S/);
    expect(lines[3]).toMatch(/\s+ALREADY_MEMBER\s+\S/);
    expect(result.stderr).toContain('Invited 2 of 4 as viewer.');
    const rows = await t.sql(`SELECT email, role FROM invitation WHERE workspace_id = $1 AND stored_state = 'PENDING' ORDER BY email`, [workspace.id]);
    expect(rows).toEqual([{ email: 'new.one@example.com', role: 'VIEWER' }, { email: 'new.two@example.com', role: 'VIEWER' }]);
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
    expect(JSON.parse(result.stdout)).toMatchObject({ invitedCount: 2, results: [{ email: 'a@example.com', status: 'INVITED' }, { email: 'b@example.com', status: 'INVITED' }] });
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
