import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { createLogger } from '../hardening/logging';
import { LogCapture } from '../hardening/testing';
import { TestServer } from '../test/harness';
import { backoffSeconds, deliverDue } from './mail.worker';
import { SmtpSink, tokenFrom } from '../test/smtp-sink';

let t: TestServer;
beforeAll(async () => {
  t = await TestServer.start({ publicUrl: 'https://atrium.example.com' });
});
afterAll(() => t.stop());

const INVITE = `mutation($input: InviteMembersInput!) { inviteMembers(input: $input) { invitedCount } }`;
const quiet = { logger: createLogger({ level: 'silent' }) };
/** A logger whose JSON lines the test reads. */
const captured = () => {
  const capture = new LogCapture();
  return { capture, logger: createLogger({ level: 'trace', destination: capture.stream }) };
};

/** A loopback port with nothing listening on it. */
async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function inviteSome(emails: string[]) {
  const owner = await t.signUp({ name: 'Olive Owner' });
  const workspace = await t.createWorkspace(owner, { name: 'Mail <Lab>' });
  const data = await t.ok(INVITE, { input: { workspaceId: workspace.id, emails } }, { as: owner });
  expect(data.inviteMembers.invitedCount).toBe(emails.length);
  return { owner, workspace };
}

const undelivered = () => t.sql(`SELECT id, attempts, last_error, next_attempt_at, sent_at FROM outbox_email WHERE sent_at IS NULL ORDER BY created_at`);

describe('the outbox and the mail worker', () => {
  it('loses nothing while the SMTP server is down and delivers once it is back, with backoff between attempts', async () => {
    await deliverDue(t.db, { ...t.config, smtpUrl: undefined, dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'atrium-mail-')) }, quiet);
    const port = await freePort();
    const config = { ...t.config, smtpUrl: `smtp://127.0.0.1:${port}` };
    await inviteSome(['down1@example.com', 'down2@example.com']);

    const firstPass = await deliverDue(t.db, config, quiet);
    expect(firstPass).toEqual({ sent: 0, failed: 2 });
    let rows = await undelivered();
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row.attempts).toBe(1);
      expect(row.last_error).toMatch(/ECONNREFUSED|connect/i);
      const waitSeconds = (row.next_attempt_at.getTime() - Date.now()) / 1000;
      expect(waitSeconds).toBeGreaterThan(backoffSeconds(1) - 5);
      expect(waitSeconds).toBeLessThanOrEqual(backoffSeconds(1));
    }
    // Not due yet: a pass does nothing.
    expect(await deliverDue(t.db, config, quiet)).toEqual({ sent: 0, failed: 0 });

    // Time passes; still down: the wait doubles.
    await t.sql(`UPDATE outbox_email SET next_attempt_at = now() - interval '1 second' WHERE sent_at IS NULL`);
    expect(await deliverDue(t.db, config, quiet)).toEqual({ sent: 0, failed: 2 });
    rows = await undelivered();
    for (const row of rows) {
      expect(row.attempts).toBe(2);
      expect((row.next_attempt_at.getTime() - Date.now()) / 1000).toBeGreaterThan(backoffSeconds(2) - 5);
    }

    // The server comes back on the same port.
    const sink = await SmtpSink.start(port);
    try {
      await t.sql(`UPDATE outbox_email SET next_attempt_at = now() - interval '1 second' WHERE sent_at IS NULL`);
      expect(await deliverDue(t.db, config, quiet)).toEqual({ sent: 2, failed: 0 });
      expect(sink.messages.map((m) => m.to[0]).sort()).toEqual(['down1@example.com', 'down2@example.com']);
      expect(sink.messages[0].subject).toBe('Olive Owner invited you to Mail <Lab> on Atrium');
      expect(sink.messages[0].html).toContain('Mail &lt;Lab&gt;');
      expect(await undelivered()).toEqual([]);
      // Sent messages are never sent again.
      expect(await deliverDue(t.db, config, quiet)).toEqual({ sent: 0, failed: 0 });
      expect(sink.messages).toHaveLength(2);
    } finally {
      await sink.stop();
    }
  });

  it('sends non-ASCII subjects and bodies that a mail client decodes back exactly', async () => {
    const sink = await SmtpSink.start();
    try {
      const owner = await t.signUp({ name: 'Zoë Ødegård' });
      const workspace = await t.createWorkspace(owner, { name: 'Café 研究室 — “Lab”' });
      await t.ok(INVITE, { input: { workspaceId: workspace.id, emails: ['unicode@example.com'] } }, { as: owner });
      const { capture, logger } = captured();
      expect(await deliverDue(t.db, { ...t.config, smtpUrl: sink.url }, { logger })).toEqual({ sent: 1, failed: 0 });
      expect(capture.lines).toEqual([
        expect.objectContaining({ level: 30, msg: 'mail sent', mail: expect.objectContaining({ to: 'unicode@example.com' }), attempt: 1 }),
      ]);
      const [mail] = sink.to('unicode@example.com');
      // On the wire the subject is an encoded word and the body a transfer encoding, not raw UTF-8.
      expect(mail.raw).not.toContain('研究室');
      expect(mail.subject).toBe('Zoë Ødegård invited you to Café 研究室 — “Lab” on Atrium');
      expect(mail.text).toContain('Café 研究室 — “Lab”');
      expect(mail.html).toContain('Café 研究室');
      expect(mail.messageId).toMatch(/^<[0-9a-f-]+@atrium\.outbox>$/);
      const token = tokenFrom(mail, '/invitations/accept');
      expect((await t.ok(`query($token: String!) { invitationPreview(token: $token) { email workspaceName } }`, { token })).invitationPreview).toEqual({
        email: 'unicode@example.com',
        workspaceName: 'Café 研究室 — “Lab”',
      });
    } finally {
      await sink.stop();
    }
  });

  it('gives a message up after the configured number of attempts', async () => {
    const port = await freePort();
    const config = { ...t.config, smtpUrl: `smtp://127.0.0.1:${port}`, mailMaxAttempts: 2 };
    await inviteSome(['gives-up@example.com']);
    const { capture, logger } = captured();
    for (let i = 0; i < 3; i++) {
      await deliverDue(t.db, config, { logger });
      await t.sql(`UPDATE outbox_email SET next_attempt_at = now() - interval '1 second' WHERE sent_at IS NULL`);
    }
    const [row] = await t.sql(`SELECT id, attempts, sent_at FROM outbox_email WHERE to_address = 'gives-up@example.com'`);
    expect(row).toMatchObject({ attempts: 2, sent_at: null });
    // Through pino: a warning per failed attempt, then one error when it gives up.
    const mine = capture.lines.filter((l) => l.mail?.id === row.id);
    expect(mine.map((l) => [l.level, l.attempt])).toEqual([
      [40, 1],
      [50, 2],
    ]);
    expect(mine[0]).toMatchObject({ service: 'atrium', mail: { kind: 'invitation', to: 'gives-up@example.com' }, retryInSeconds: backoffSeconds(1) });
    expect(mine[0].error).toMatch(/ECONNREFUSED|connect/i);
    expect(mine[1].msg).toContain('giving up');
    await t.sql(`DELETE FROM outbox_email WHERE to_address = 'gives-up@example.com'`);
  });

  it('delivers each message exactly once when several workers run at the same time', async () => {
    const sink = await SmtpSink.start();
    try {
      const emails = Array.from({ length: 30 }, (_, i) => `parallel${i}@example.com`);
      await inviteSome(emails);
      const config = { ...t.config, smtpUrl: sink.url };
      const passes = await Promise.all(Array.from({ length: 4 }, () => deliverDue(t.db, config, { ...quiet, batchSize: 3 })));
      expect(passes.reduce((n, p) => n + p.sent, 0)).toBe(30);
      expect(sink.messages.map((m) => m.to[0]).sort()).toEqual([...emails].sort());
      expect(await undelivered()).toEqual([]);
    } finally {
      await sink.stop();
    }
  });

  it('without SMTP writes each message as an .eml file and logs its link', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'atrium-mail-'));
    await inviteSome(['file@example.com']);
    const { capture, logger } = captured();
    expect(await deliverDue(t.db, { ...t.config, smtpUrl: undefined, dataDir }, { logger })).toEqual({ sent: 1, failed: 0 });
    const lines = capture.lines.map((l) => l.msg as string);
    const files = fs.readdirSync(path.join(dataDir, 'mail'));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/\.eml$/);
    const raw = fs.readFileSync(path.join(dataDir, 'mail', files[0]), 'utf8');
    expect(raw).toMatch(/^To: file@example.com$/m);
    expect(raw).toMatch(/^Subject: Olive Owner invited you to Mail <Lab> on Atrium$/m);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`file://${path.join(dataDir, 'mail', files[0])}`);
    const token = tokenFrom({ text: lines[0] } as any, '/invitations/accept');
    expect(lines[0]).toContain(`https://atrium.example.com/invitations/accept?token=${token}`);
    expect((await t.ok(`query($token: String!) { invitationPreview(token: $token) { email } }`, { token })).invitationPreview.email).toBe('file@example.com');
  });

  it('writes no email when the change that would cause it is refused', async () => {
    const owner = await t.signUp();
    const workspace = await t.createWorkspace(owner);
    const before = await t.sql('SELECT count(*)::int AS n FROM outbox_email');
    const refused = await t.gql(INVITE, { input: { workspaceId: workspace.id, emails: ['x@example.com'], role: 'OWNER' } }, { as: owner });
    expect(refused.errors?.[0].extensions?.reason).toBe('ROLE_ABOVE_INVITER');
    const invalidOnly = await t.ok(INVITE, { input: { workspaceId: workspace.id, emails: ['nope', 'also nope'] } }, { as: owner });
    expect(invalidOnly.inviteMembers.invitedCount).toBe(0);
    expect(await t.sql('SELECT count(*)::int AS n FROM outbox_email')).toEqual(before);
  });
});

describe('the outbox at rest', () => {
  it("erases a delivered message's body, which held a one-time link", async () => {
    const owner = await t.signUp();
    const ws = await t.createWorkspace(owner);
    await t.ok(
      `mutation($id: ID!) { inviteMembers(input: { workspaceId: $id, emails: ["erase.me@example.com"] }) { invitedCount } }`,
      { id: ws.id },
      { as: owner },
    );
    const [queued] = await t.sql(`SELECT id, text_body FROM outbox_email WHERE to_address = 'erase.me@example.com'`);
    expect(queued.text_body).toMatch(/token=/);
    await deliverDue(t.db, { ...t.config, smtpUrl: undefined, dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'atrium-mail-')) }, quiet);
    const [sent] = await t.sql(`SELECT sent_at, text_body, html_body FROM outbox_email WHERE id = $1`, [queued.id]);
    expect(sent.sent_at).not.toBeNull();
    expect([sent.text_body, sent.html_body]).toEqual(['', '']);
  });
});
