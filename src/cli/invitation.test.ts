import { TestServer, type TestUser } from '../test/harness';
import { atrium, expectExit, KEY, tempConfigHome } from './testing';

let t: TestServer;
beforeAll(async () => {
  t = await TestServer.start();
});
afterAll(() => t.stop());

const as = (user: TestUser) => ({ env: { XDG_CONFIG_HOME: tempConfigHome(), ATRIUM_URL: t.url, ATRIUM_TOKEN: user.token } });

/** Invites the addresses through the API; returns their invitation ids in order. */
async function invite(workspaceId: string, user: TestUser, emails: string[]): Promise<string[]> {
  const { inviteMembers } = await t.ok(
    `mutation($input: InviteMembersInput!) { inviteMembers(input: $input) { results { invitation { id } } } }`,
    { input: { workspaceId, emails, role: 'MEMBER' } },
    { as: user },
  );
  return inviteMembers.results.map((r: { invitation: { id: string } }) => r.invitation.id);
}
const row = async (id: string) => (await t.sql('SELECT stored_state, sent_count, token_hash FROM invitation WHERE id = $1', [id]))[0];
/** As if the last email went out long ago, past the resend cooldown. */
const sentLongAgo = (id: string) => t.sql(`UPDATE invitation SET last_sent_at = now() - interval '1 day' WHERE id = $1`, [id]);

describe('atrium invitation resend', () => {
  it('sends the invitation picked from the list again with a new link', async () => {
    const { workspace, member } = await t.cast();
    const [, second] = await invite(workspace.id, member, ['first@example.com', 'second@example.com']);
    await sentLongAgo(second);
    const before = await row(second);
    const result = await atrium(['invitation', 'resend', '--workspace', workspace.id], {
      ...as(member),
      answers: [{ when: /Which invitation do you want to send again\?[\s\S]*second@example\.com \(member, expires/, send: `${KEY.down}${KEY.enter}` }],
    });
    expectExit(result, 0);
    expect(result.stdout).toMatch(
      new RegExp(
        `Sent the invitation for second@example\\.com to workspace "${workspace.name}" again \\(2 sends\\); the new link works until \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC`,
      ),
    );
    const after = await row(second);
    expect(after.sent_count).toBe(2);
    expect(after.token_hash).not.toBe(before.token_hash);
  });

  it('resends by address or by id alone with --json, and exits 8 within the cooldown', async () => {
    const { workspace, owner } = await t.cast();
    const [id] = await invite(workspace.id, owner, ['again@example.com']);
    const early = await atrium(['invitation', 'resend', 'again@example.com', '--workspace', workspace.name], as(owner));
    expectExit(early, 8);
    expect(early.stderr).toContain('code: RATE_LIMITED');
    expect(early.stderr).toMatch(/retry after \d+ seconds/);

    await sentLongAgo(id);
    const byEmail = await atrium(['invitation', 'resend', 'AGAIN@example.com', '--workspace', workspace.id, '--json'], as(owner));
    expectExit(byEmail, 0);
    expect(JSON.parse(byEmail.stdout)).toMatchObject({ id, email: 'again@example.com', state: 'PENDING', sentCount: 2, workspace: { id: workspace.id } });
    await sentLongAgo(id);
    expectExit(await atrium(['invitation', 'resend', id], as(owner)), 0);
    expect((await row(id)).sent_count).toBe(3);
  });
});

describe('atrium invitation revoke', () => {
  it('revokes the invitation picked from the list once confirmed, and keeps it when not', async () => {
    const { workspace, member } = await t.cast();
    const [id] = await invite(workspace.id, member, ['doomed@example.com']);
    const pick = { when: /Which invitation do you want to revoke\?[\s\S]*doomed@example\.com/, send: KEY.enter };
    const declined = await atrium(['invitation', 'revoke', '--workspace', workspace.id], {
      ...as(member),
      answers: [pick, { when: /Revoke the invitation\?/, send: KEY.enter }],
    });
    expectExit(declined, 1);
    expect(declined.stderr).toContain('Aborted; the invitation still stands.');
    expect((await row(id)).stored_state).toBe('PENDING');

    const revoked = await atrium(['invitation', 'revoke', '--workspace', workspace.id], {
      ...as(member),
      answers: [pick, { when: /Revoke the invitation\?/, send: `y${KEY.enter}` }],
    });
    expectExit(revoked, 0);
    expect(revoked.stderr).toContain(`This revokes the invitation for doomed@example.com (member, expires`);
    expect(revoked.stdout).toContain(`Revoked the invitation for doomed@example.com to workspace "${workspace.name}"; its link no longer works.`);
    expect((await row(id)).stored_state).toBe('REVOKED');
  });

  it('revokes by id with --yes --json; a second revoke exits 7, a viewer 4 before any question, an unknown address 5', async () => {
    const { workspace, owner, viewer } = await t.cast();
    const [id, other] = await invite(workspace.id, owner, ['once@example.com', 'kept@example.com']);
    const done = await atrium(['invitation', 'revoke', id, '--yes', '--json'], as(owner));
    expectExit(done, 0);
    expect(JSON.parse(done.stdout)).toMatchObject({ id, email: 'once@example.com', state: 'REVOKED' });

    const [again, byViewer, unknown] = await Promise.all([
      atrium(['invitation', 'revoke', id, '--yes'], as(owner)),
      atrium(['invitation', 'revoke', '--workspace', workspace.id], as(viewer)),
      atrium(['invitation', 'revoke', 'nobody@example.com', '--workspace', workspace.id, '--yes'], as(owner)),
    ]);
    expectExit(again, 7);
    expect(again.stderr).toContain('code: CONFLICT, reason: INVITATION_NOT_PENDING');
    expectExit(byViewer, 4);
    expect(byViewer.stderr).toContain('You do not have permission to revoke invitations');
    expect(byViewer.stderr).not.toContain('Which invitation');
    expectExit(unknown, 5);
    expect(unknown.stderr).toContain('has no pending invitation for nobody@example.com');
    expect((await row(other)).stored_state).toBe('PENDING');
  });
});
