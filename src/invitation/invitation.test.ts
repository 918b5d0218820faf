import { codeOf, reasonOf, TestServer, type TestUser } from '../test/harness';
import { deliverDue } from '../mail/mail.worker';
import { SmtpSink, tokenFrom, type ReceivedMail } from '../test/smtp-sink';

let smtp: SmtpSink;
let t: TestServer;
beforeAll(async () => {
  smtp = await SmtpSink.start();
  t = await TestServer.start({ smtpUrl: smtp.url, publicUrl: 'https://atrium.example.com', inviteResendCooldownSeconds: 0 });
});
afterAll(async () => {
  await t.stop();
  await smtp.stop();
});

const INVITE = `mutation($input: InviteMembersInput!) {
  inviteMembers(input: $input) {
    invitedCount
    results { email status message invitation { id email role state sentCount expiresAt } }
  }
}`;
const PREVIEW = `query($token: String!) { invitationPreview(token: $token) { workspaceName invitedByName email role state expiresAt accountExists } }`;
const ACCEPT = `mutation($token: String!) { acceptInvitation(token: $token) { id role user { id } workspace { id } } }`;
const SIGN_UP_ACCEPT = `mutation($input: SignUpAndAcceptInvitationInput!) { signUpAndAcceptInvitation(input: $input) { token me { id email name } } }`;
const DECLINE = `mutation($token: String!) { declineInvitation(token: $token) }`;
const RESEND = `mutation($id: ID!) { resendInvitation(id: $id) { id state sentCount expiresAt lastSentAt } }`;
const REVOKE = `mutation($id: ID!) { revokeInvitation(id: $id) { id state } }`;
const MY_INVITATIONS = `{ me { pendingInvitations { id email role state workspace { id name } invitedBy { id role } } } }`;

/** Runs one mail worker pass and returns the messages that arrived during it. */
async function deliver(): Promise<ReceivedMail[]> {
  const before = smtp.messages.length;
  await deliverDue(t.db, t.config);
  return smtp.messages.slice(before);
}

async function invite(as: TestUser, workspaceId: string, emails: string[], role = 'MEMBER', message?: string) {
  return t.gql(INVITE, { input: { workspaceId, emails, role, message } }, { as });
}

/** Invites one address and returns the token from the email that arrives. */
async function invitedToken(as: TestUser, workspaceId: string, email: string, role = 'MEMBER'): Promise<{ id: string; token: string }> {
  const data = await t.ok(INVITE, { input: { workspaceId, emails: [email], role } }, { as });
  expect(data.inviteMembers.results[0].status).toBe('INVITED');
  const mails = (await deliver()).filter((m) => m.to.some((to) => to.toLowerCase() === email.trim().toLowerCase()));
  expect(mails).toHaveLength(1);
  return { id: data.inviteMembers.results[0].invitation.id, token: tokenFrom(mails[0], '/invitations/accept') };
}

describe('inviting', () => {
  it('answers each address in order: invited, invalid, already member, already invited, duplicate', async () => {
    const c = await t.cast();
    await invite(c.owner, c.workspace.id, ['pending@example.com']);
    const result = await invite(
      c.admin,
      c.workspace.id,
      [
        'new.one@example.com',
        'not an email',
        ` ${c.member.email.toUpperCase()} `,
        'PENDING@example.com',
        '  New.One@Example.com',
        'new.two@example.com',
        'new.two@example.com',
      ],
      'ADMIN',
      'Welcome <b>aboard</b> & "hi"',
    );
    expect(result.errors).toBeUndefined();
    const payload = result.data.inviteMembers;
    expect(payload.results.map((r: any) => [r.email, r.status])).toEqual([
      ['new.one@example.com', 'INVITED'],
      ['not an email', 'INVALID_EMAIL'],
      [` ${c.member.email.toUpperCase()} `, 'ALREADY_MEMBER'],
      ['PENDING@example.com', 'ALREADY_INVITED'],
      ['  New.One@Example.com', 'DUPLICATE_IN_REQUEST'],
      ['new.two@example.com', 'INVITED'],
      ['new.two@example.com', 'DUPLICATE_IN_REQUEST'],
    ]);
    expect(payload.invitedCount).toBe(2);
    expect(payload.results.every((r: any) => r.message.length > 0)).toBe(true);
    expect(payload.results[0].invitation).toMatchObject({ email: 'new.one@example.com', role: 'ADMIN', state: 'PENDING', sentCount: 1 });
    expect(payload.results[3].invitation).toMatchObject({ email: 'pending@example.com', state: 'PENDING' });
    for (const i of [1, 2, 4, 6]) expect(payload.results[i].invitation).toBeNull();
    const expiresInDays = (Date.parse(payload.results[0].invitation.expiresAt) - Date.now()) / 86_400_000;
    expect(expiresInDays).toBeGreaterThan(6.9);
    expect(expiresInDays).toBeLessThanOrEqual(7);

    const audit = await t.sql(`SELECT details FROM audit_event WHERE workspace_id = $1 AND action = 'invitation.created' ORDER BY created_at`, [
      c.workspace.id,
    ]);
    expect(audit.map((a) => a.details.email)).toEqual(['pending@example.com', 'new.one@example.com', 'new.two@example.com']);

    const mails = await deliver();
    expect(mails.map((m) => m.to[0]).sort()).toEqual(['new.one@example.com', 'new.two@example.com', 'pending@example.com']);
    const mail = mails.find((m) => m.to[0] === 'new.one@example.com')!;
    expect(mail.subject).toBe(`Adam Admin invited you to ${c.workspace.name} on Atrium`);
    expect(mail.text).toContain('as an admin');
    expect(mail.text).toContain('Welcome <b>aboard</b> & "hi"');
    expect(mail.text).toMatch(/works until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
    expect(mail.html).toContain('Welcome &lt;b&gt;aboard&lt;/b&gt; &amp; &quot;hi&quot;');
    expect(mail.html).not.toContain('<b>aboard</b>');
    expect(mail.html).toContain('Adam Admin');
    const token = tokenFrom(mail, '/invitations/accept');
    expect(mail.text).toContain(`https://atrium.example.com/invitations/accept?token=${token}`);
    expect(token).toMatch(/^ati_[A-Za-z0-9_-]{43}$/);
    // Only the token's hash is stored.
    const rows = await t.sql(`SELECT encode(token_hash, 'hex') AS h, message FROM invitation WHERE workspace_id = $1`, [c.workspace.id]);
    expect(JSON.stringify(rows)).not.toContain(token);
  });

  it('validates the request as a whole and writes nothing when it is refused', async () => {
    const c = await t.cast();
    const count = async () => (await t.sql('SELECT (SELECT count(*) FROM invitation)::int AS i, (SELECT count(*) FROM outbox_email)::int AS o'))[0];
    const before = await count();
    const none = await invite(c.owner, c.workspace.id, []);
    expect(codeOf(none)).toBe('BAD_USER_INPUT');
    expect(none.errors![0].extensions!.fields).toEqual([expect.objectContaining({ field: 'emails' })]);
    const tooMany = await invite(
      c.owner,
      c.workspace.id,
      Array.from({ length: 51 }, (_, i) => `p${i}@example.com`),
    );
    expect(codeOf(tooMany)).toBe('BAD_USER_INPUT');
    const longMessage = await invite(c.owner, c.workspace.id, ['x@example.com'], 'MEMBER', 'm'.repeat(2001));
    expect(codeOf(longMessage)).toBe('BAD_USER_INPUT');
    expect(longMessage.errors![0].extensions!.fields).toEqual([expect.objectContaining({ field: 'message' })]);
    expect(await count()).toEqual(before);
    const fifty = await invite(
      c.owner,
      c.workspace.id,
      Array.from({ length: 50 }, (_, i) => `p${i}@example.com`),
    );
    expect(fifty.data.inviteMembers.invitedCount).toBe(50);
    await deliver();
  });

  it('holds the role ceiling: members up to member, admins and the owner up to admin, nobody owner', async () => {
    const c = await t.cast();
    const cases: [TestUser, string, string | null][] = [
      [c.member, 'VIEWER', null],
      [c.member, 'MEMBER', null],
      [c.member, 'ADMIN', 'ROLE_ABOVE_INVITER'],
      [c.member, 'OWNER', 'ROLE_ABOVE_INVITER'],
      [c.admin, 'ADMIN', null],
      [c.admin, 'OWNER', 'ROLE_ABOVE_INVITER'],
      [c.owner, 'ADMIN', null],
      [c.owner, 'OWNER', 'ROLE_ABOVE_INVITER'],
    ];
    for (const [as, role, reason] of cases) {
      const result = await invite(as, c.workspace.id, [`ceiling-${role}-${as.id}@example.com`, 'bad'], role);
      if (reason) {
        expect(codeOf(result)).toBe('FORBIDDEN');
        expect(reasonOf(result)).toBe(reason);
      } else {
        expect(result.data.inviteMembers.invitedCount).toBe(1);
      }
    }
    expect(codeOf(await invite(c.viewer, c.workspace.id, ['v@example.com'], 'VIEWER'))).toBe('FORBIDDEN');
    expect(codeOf(await invite(c.outsider, c.workspace.id, ['o@example.com'], 'VIEWER'))).toBe('NOT_FOUND');
    expect(codeOf(await t.gql(INVITE, { input: { workspaceId: c.workspace.id, emails: ['g@example.com'] } }))).toBe('UNAUTHENTICATED');
    const refused = await t.sql(`SELECT count(*)::int AS n FROM invitation WHERE email LIKE 'ceiling-OWNER-%' OR email LIKE 'ceiling-ADMIN-${c.member.id}%'`);
    expect(refused[0].n).toBe(0);
    await deliver();
  });

  it('lets concurrent invitations of one address end in exactly one pending invitation, without errors', async () => {
    const c = await t.cast();
    const results = await Promise.all([c.owner, c.admin, c.member, c.owner, c.admin, c.member].map((as) => invite(as, c.workspace.id, ['Race@Example.com'])));
    for (const r of results) expect(r.errors).toBeUndefined();
    const statuses = results.map((r) => r.data.inviteMembers.results[0].status).sort();
    expect(statuses.filter((s) => s === 'INVITED')).toHaveLength(1);
    expect(statuses.filter((s) => s === 'ALREADY_INVITED')).toHaveLength(5);
    const pending = await t.sql(
      `SELECT count(*)::int AS n FROM invitation WHERE workspace_id = $1 AND email_normalized = 'race@example.com' AND stored_state = 'PENDING'`,
      [c.workspace.id],
    );
    expect(pending[0].n).toBe(1);
    expect(await deliver()).toHaveLength(1);
  });
});

describe('accepting', () => {
  it('accepts with the matching signed-in account; a wrong account is refused; the token works once', async () => {
    const c = await t.cast();
    const invitee = await t.signUp({ name: 'Ivy Invitee' });
    const { id, token } = await invitedToken(c.member, c.workspace.id, invitee.email.toUpperCase(), 'VIEWER');

    const preview = await t.ok(PREVIEW, { token });
    expect(preview.invitationPreview).toMatchObject({
      workspaceName: c.workspace.name,
      invitedByName: 'Mia Member',
      email: invitee.email.toUpperCase(),
      role: 'VIEWER',
      state: 'PENDING',
      accountExists: true,
    });
    expect((await t.ok(PREVIEW, { token: 'ati_unknown' })).invitationPreview).toBeNull();

    const mine = await t.ok(MY_INVITATIONS, {}, { as: invitee });
    expect(mine.me.pendingInvitations).toEqual([
      {
        id,
        email: invitee.email.toUpperCase(),
        role: 'VIEWER',
        state: 'PENDING',
        workspace: { id: c.workspace.id, name: c.workspace.name },
        invitedBy: { id: c.memberIds.member, role: 'MEMBER' },
      },
    ]);
    expect((await t.ok(MY_INVITATIONS, {}, { as: c.outsider })).me.pendingInvitations).toEqual([]);

    const wrong = await t.gql(ACCEPT, { token }, { as: c.outsider });
    expect(codeOf(wrong)).toBe('FORBIDDEN');
    expect(reasonOf(wrong)).toBe('INVITATION_EMAIL_MISMATCH');
    expect(codeOf(await t.gql(ACCEPT, { token }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await t.gql(ACCEPT, { token: 'ati_nope' }, { as: invitee }))).toBe('NOT_FOUND');

    const accepted = await t.ok(ACCEPT, { token }, { as: invitee });
    expect(accepted.acceptInvitation).toMatchObject({ role: 'VIEWER', user: { id: invitee.id }, workspace: { id: c.workspace.id } });
    const again = await t.gql(ACCEPT, { token }, { as: invitee });
    expect(codeOf(again)).toBe('CONFLICT');
    expect(reasonOf(again)).toBe('INVITATION_NOT_PENDING');
    // A spent token answers its state, and no longer who was invited or by whom.
    const spent = (await t.ok(PREVIEW, { token })).invitationPreview;
    expect(spent).toMatchObject({ state: 'ACCEPTED', invitedByName: null, accountExists: true });
    expect(spent.email).toMatch(/^.•••@.•••\.[a-z]+$/i);
    expect(spent.email).not.toContain(invitee.email.split('@')[0].slice(1));
    expect((await t.ok(MY_INVITATIONS, {}, { as: invitee })).me.pendingInvitations).toEqual([]);
    // The new member sees the workspace.
    expect((await t.ok(`query($id: ID!) { workspace(id: $id) { id viewerRole } }`, { id: c.workspace.id }, { as: invitee })).workspace.viewerRole).toBe(
      'VIEWER',
    );
    const audit = await t.sql(`SELECT actor_id, details FROM audit_event WHERE workspace_id = $1 AND action = 'invitation.accepted'`, [c.workspace.id]);
    expect(audit).toEqual([{ actor_id: invitee.id, details: expect.objectContaining({ invitationId: id, memberId: accepted.acceptInvitation.id }) }]);
  });

  it('refuses an invitee who is already a member', async () => {
    const c = await t.cast();
    const invitee = await t.signUp();
    const { token } = await invitedToken(c.owner, c.workspace.id, invitee.email);
    await t.addMember(c.workspace.id, invitee, 'MEMBER' as any);
    const result = await t.gql(ACCEPT, { token }, { as: invitee });
    expect(codeOf(result)).toBe('CONFLICT');
    expect(reasonOf(result)).toBe('ALREADY_MEMBER');
  });

  it('signs up and accepts in one step, for the invited address only', async () => {
    const c = await t.cast();
    const { token } = await invitedToken(c.admin, c.workspace.id, ' Fresh.Person@Example.com ', 'MEMBER');
    expect((await t.ok(PREVIEW, { token })).invitationPreview.accountExists).toBe(false);
    const bad = await t.gql(SIGN_UP_ACCEPT, { input: { token, name: ' ', password: 'short' } });
    expect(codeOf(bad)).toBe('BAD_USER_INPUT');
    const data = await t.ok(SIGN_UP_ACCEPT, { input: { token, name: ' Fresh Person ', password: 'a good long password' } });
    expect(data.signUpAndAcceptInvitation.me).toMatchObject({ email: 'fresh.person@example.com', name: 'Fresh Person' });
    const session = { token: data.signUpAndAcceptInvitation.token };
    const ws = await t.ok(`query($id: ID!) { workspace(id: $id) { viewerRole } }`, { id: c.workspace.id }, { as: session });
    expect(ws.workspace.viewerRole).toBe('MEMBER');
    expect((await t.ok(PREVIEW, { token })).invitationPreview).toMatchObject({ state: 'ACCEPTED', invitedByName: null, accountExists: true });
    const again = await t.gql(SIGN_UP_ACCEPT, { input: { token, name: 'X', password: 'a good long password' } });
    expect(reasonOf(again)).toBe('INVITATION_NOT_PENDING');
  });

  it('refuses sign-up-and-accept when the invited address has an account, writing nothing', async () => {
    const c = await t.cast();
    const existing = await t.signUp();
    const { id, token } = await invitedToken(c.owner, c.workspace.id, existing.email);
    const result = await t.gql(SIGN_UP_ACCEPT, { input: { token, name: 'Someone', password: 'a good long password' } });
    expect(codeOf(result)).toBe('CONFLICT');
    expect(reasonOf(result)).toBe('ACCOUNT_EXISTS');
    expect((await t.sql('SELECT stored_state FROM invitation WHERE id = $1', [id]))[0].stored_state).toBe('PENDING');
    expect(await t.sql('SELECT id FROM membership WHERE workspace_id = $1 AND account_id = $2', [c.workspace.id, existing.id])).toEqual([]);
  });

  it('lets exactly one of many concurrent accepts of one token win', async () => {
    const c = await t.cast();
    const invitee = await t.signUp();
    const { id, token } = await invitedToken(c.owner, c.workspace.id, invitee.email);
    const results = await Promise.all(Array.from({ length: 8 }, () => t.gql(ACCEPT, { token }, { as: invitee })));
    expect(results.filter((r) => !r.errors)).toHaveLength(1);
    for (const r of results.filter((r) => r.errors)) {
      expect(codeOf(r)).toBe('CONFLICT');
      expect(['INVITATION_NOT_PENDING', 'ALREADY_MEMBER']).toContain(reasonOf(r));
    }
    expect(await t.sql('SELECT count(*)::int AS n FROM membership WHERE workspace_id = $1 AND account_id = $2', [c.workspace.id, invitee.id])).toEqual([
      { n: 1 },
    ]);
    expect(await t.sql(`SELECT count(*)::int AS n FROM audit_event WHERE action = 'invitation.accepted' AND details->>'invitationId' = $1`, [id])).toEqual([
      { n: 1 },
    ]);
  });

  it('lets exactly one of concurrent sign-up-and-accepts win', async () => {
    const c = await t.cast();
    const { token } = await invitedToken(c.owner, c.workspace.id, 'race.signup@example.com');
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) => t.gql(SIGN_UP_ACCEPT, { input: { token, name: `Racer ${i}`, password: 'a good long password' } })),
    );
    expect(results.filter((r) => !r.errors)).toHaveLength(1);
    expect(await t.sql(`SELECT count(*)::int AS n FROM account WHERE email = 'race.signup@example.com'`)).toEqual([{ n: 1 }]);
  });
});

describe('resending, revoking, declining, expiry', () => {
  it('resends with a new link: the old one stops working, the count and expiry move on', async () => {
    const c = await t.cast();
    const invitee = await t.signUp();
    const { id, token: first } = await invitedToken(c.owner, c.workspace.id, invitee.email);
    const [before] = await t.sql('SELECT expires_at, last_sent_at FROM invitation WHERE id = $1', [id]);
    await new Promise((r) => setTimeout(r, 20));
    const resent = await t.ok(RESEND, { id }, { as: c.member });
    expect(resent.resendInvitation).toMatchObject({ id, state: 'PENDING', sentCount: 2 });
    expect(Date.parse(resent.resendInvitation.expiresAt)).toBeGreaterThan(before.expires_at.getTime());
    expect(Date.parse(resent.resendInvitation.lastSentAt)).toBeGreaterThan(before.last_sent_at.getTime());
    const mails = await deliver();
    expect(mails).toHaveLength(1);
    expect(mails[0].subject).toBe(`Olive Owner invited you to ${c.workspace.name} on Atrium`);
    const second = tokenFrom(mails[0], '/invitations/accept');
    expect(second).not.toBe(first);
    expect((await t.ok(PREVIEW, { token: first })).invitationPreview).toBeNull();
    expect(codeOf(await t.gql(ACCEPT, { token: first }, { as: invitee }))).toBe('NOT_FOUND');
    await t.ok(ACCEPT, { token: second }, { as: invitee });
    const done = await t.gql(RESEND, { id }, { as: c.owner });
    expect(codeOf(done)).toBe('CONFLICT');
    expect(reasonOf(done)).toBe('INVITATION_NOT_PENDING');
    expect(await t.sql(`SELECT action FROM audit_event WHERE workspace_id = $1 AND action LIKE 'invitation.%' ORDER BY created_at`, [c.workspace.id])).toEqual([
      { action: 'invitation.created' },
      { action: 'invitation.resent' },
      { action: 'invitation.accepted' },
    ]);
  });

  it('refuses an expired link with INVITATION_EXPIRED; a resend revives it', async () => {
    const c = await t.cast();
    const invitee = await t.signUp();
    const { id, token } = await invitedToken(c.owner, c.workspace.id, invitee.email);
    await t.sql(`UPDATE invitation SET expires_at = now() - interval '1 minute' WHERE id = $1`, [id]);
    expect((await t.ok(PREVIEW, { token })).invitationPreview.state).toBe('EXPIRED');
    expect((await t.ok(MY_INVITATIONS, {}, { as: invitee })).me.pendingInvitations).toEqual([]);
    const expired = await t.gql(ACCEPT, { token }, { as: invitee });
    expect(codeOf(expired)).toBe('CONFLICT');
    expect(reasonOf(expired)).toBe('INVITATION_EXPIRED');
    expect(reasonOf(await t.gql(DECLINE, { token }))).toBe('INVITATION_EXPIRED');
    // Inviting the address again points at the expired invitation, so the page can offer a resend.
    const again = await t.ok(INVITE, { input: { workspaceId: c.workspace.id, emails: [invitee.email] } }, { as: c.owner });
    expect(again.inviteMembers.results[0]).toMatchObject({ status: 'ALREADY_INVITED', invitation: { id, state: 'EXPIRED' } });
    const resent = await t.ok(RESEND, { id }, { as: c.owner });
    expect(resent.resendInvitation.state).toBe('PENDING');
    const [mail] = await deliver();
    await t.ok(ACCEPT, { token: tokenFrom(mail, '/invitations/accept') }, { as: invitee });
  });

  it('revokes: the link stops working with INVITATION_NOT_PENDING', async () => {
    const c = await t.cast();
    const invitee = await t.signUp();
    const { id, token } = await invitedToken(c.owner, c.workspace.id, invitee.email);
    // Viewers cannot see invitations, so one is NOT_FOUND for them; members can and do revoke.
    expect(codeOf(await t.gql(REVOKE, { id }, { as: c.viewer }))).toBe('NOT_FOUND');
    expect(codeOf(await t.gql(REVOKE, { id }, { as: c.outsider }))).toBe('NOT_FOUND');
    expect(codeOf(await t.gql(REVOKE, { id: 'not-a-uuid' }, { as: c.owner }))).toBe('NOT_FOUND');
    expect((await t.ok(REVOKE, { id }, { as: c.member })).revokeInvitation).toEqual({ id, state: 'REVOKED' });
    const accept = await t.gql(ACCEPT, { token }, { as: invitee });
    expect(codeOf(accept)).toBe('CONFLICT');
    expect(reasonOf(accept)).toBe('INVITATION_NOT_PENDING');
    expect(reasonOf(await t.gql(REVOKE, { id }, { as: c.owner }))).toBe('INVITATION_NOT_PENDING');
    expect(reasonOf(await t.gql(RESEND, { id }, { as: c.owner }))).toBe('INVITATION_NOT_PENDING');
    expect((await t.ok(PREVIEW, { token })).invitationPreview.state).toBe('REVOKED');
    // A revoked invitation frees the address for a new one.
    const fresh = await t.ok(INVITE, { input: { workspaceId: c.workspace.id, emails: [invitee.email] } }, { as: c.owner });
    expect(fresh.inviteMembers.results[0].status).toBe('INVITED');
    await deliver();
  });

  it('declines from the invitee side with the token alone', async () => {
    const c = await t.cast();
    const { id, token } = await invitedToken(c.owner, c.workspace.id, 'decliner@example.com');
    expect((await t.ok(DECLINE, { token })).declineInvitation).toBe(true);
    expect((await t.ok(PREVIEW, { token })).invitationPreview.state).toBe('DECLINED');
    expect(reasonOf(await t.gql(DECLINE, { token }))).toBe('INVITATION_NOT_PENDING');
    expect(codeOf(await t.gql(DECLINE, { token: 'ati_unknown' }))).toBe('NOT_FOUND');
    const audit = await t.sql(`SELECT actor_id FROM audit_event WHERE action = 'invitation.declined' AND details->>'invitationId' = $1`, [id]);
    expect(audit).toEqual([{ actor_id: null }]);
  });

  it('makes invitations of a removed workspace unusable', async () => {
    const c = await t.cast();
    const invitee = await t.signUp();
    const { token } = await invitedToken(c.owner, c.workspace.id, invitee.email);
    await t.sql('UPDATE workspace SET removed_at = now() WHERE id = $1', [c.workspace.id]);
    expect((await t.ok(PREVIEW, { token })).invitationPreview).toBeNull();
    expect((await t.ok(MY_INVITATIONS, {}, { as: invitee })).me.pendingInvitations).toEqual([]);
    expect(codeOf(await t.gql(ACCEPT, { token }, { as: invitee }))).toBe('NOT_FOUND');
    expect(codeOf(await t.gql(SIGN_UP_ACCEPT, { input: { token, name: 'X', password: 'a good long password' } }))).toBe('NOT_FOUND');
    expect(codeOf(await t.gql(DECLINE, { token }))).toBe('NOT_FOUND');
    await t.sql('UPDATE workspace SET removed_at = NULL WHERE id = $1', [c.workspace.id]);
  });

  it('shows invitedBy as null once the inviter has left', async () => {
    const c = await t.cast();
    const invitee = await t.signUp();
    await invitedToken(c.admin, c.workspace.id, invitee.email);
    await t.sql('DELETE FROM membership WHERE id = $1', [c.memberIds.admin]);
    const mine = await t.ok(MY_INVITATIONS, {}, { as: invitee });
    expect(mine.me.pendingInvitations[0].invitedBy).toBeNull();
  });
});
