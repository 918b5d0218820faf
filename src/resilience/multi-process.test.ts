import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Pool } from 'pg';
import { SmtpSink } from '../test/smtp-sink';
import { cloneTemplateDatabase, type GqlResult } from '../test/harness';
import { eventually, gqlAt, okAt, signUpAt, sleep } from './client';
import { startAtriumProcess, type AtriumProcess } from './processes';

/**
 * Several processes (RULES.md §5 under a real deployment): two Atrium server processes on ONE
 * database. Load is spread over both; conflicting mutations reach both at the same moment; the
 * owner and self-role invariants are then checked with SQL. Rate limits and background jobs
 * (purge, mail) must act once across the fleet, not once per process.
 */

const ROUNDS = 8;
const SIGN_IN_LIMIT = 5;
let clone: Awaited<ReturnType<typeof cloneTemplateDatabase>>;
let pool: Pool;
let sink: SmtpSink;
let dataDirs: string[];
let a: AtriumProcess;
let b: AtriumProcess;
const sql = async <T = any>(text: string, params: unknown[] = []): Promise<T[]> => (await pool.query(text, params)).rows as T[];

beforeAll(async () => {
  clone = await cloneTemplateDatabase();
  pool = new Pool({ connectionString: clone.url, max: 4 });
  sink = await SmtpSink.start();
  // One each, as on two hosts: nothing the fleet shares lives on a disk (code archives are in the database).
  dataDirs = [0, 1].map(() => fs.mkdtempSync(path.join(os.tmpdir(), 'atrium-fleet-')));
  const env = {
    PURGE_INTERVAL_SECONDS: '1',
    MAIL_INTERVAL_SECONDS: '1',
    SMTP_URL: sink.url,
    SIGN_IN_FAILURES_PER_EMAIL_AND_CLIENT: String(SIGN_IN_LIMIT),
  };
  [a, b] = await Promise.all(dataDirs.map((dir) => startAtriumProcess(clone.url, { ...env, DATA_DIR: dir })));
}, 330_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await pool?.end();
  await sink?.stop();
  await clone?.drop();
  for (const dir of dataDirs ?? []) fs.rmSync(dir, { recursive: true, force: true });
}, 60_000);

afterEach(() => {
  // Neither process may have crashed or logged a failed background pass.
  for (const p of [a, b]) {
    expect(p.child.exitCode).toBeNull();
    expect(p.output()).not.toMatch(/job \S+ failed|unexpected error|"level":50/);
  }
});

const CREATE_WS = `mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { id } }`;
const CHANGE_ROLE = `mutation($input: ChangeMemberRoleInput!) { changeMemberRole(input: $input) { id role } }`;
const LEAVE = `mutation($id: ID!) { leaveWorkspace(workspaceId: $id) { workspaceId } }`;
const TRANSFER = `mutation($input: TransferOwnershipInput!) { transferOwnership(input: $input) { id } }`;
const SIGN_IN = `mutation($input: SignInInput!) { signIn(input: $input) { token } }`;
const INVITE = `mutation($input: InviteMembersInput!) { inviteMembers(input: $input) { invitedCount } }`;

const outcome = (r: GqlResult) =>
  r.errors?.length ? `${r.errors[0].extensions?.code}${r.errors[0].extensions?.reason ? ':' + r.errors[0].extensions.reason : ''}` : 'OK';

async function member(workspaceId: string, accountId: string, role: string): Promise<string> {
  const [row] = await sql('INSERT INTO membership (workspace_id, account_id, role) VALUES ($1, $2, $3) RETURNING id', [workspaceId, accountId, role]);
  return row.id;
}

/** RULES.md §5.1 and §5.2, over the whole database. */
async function checkInvariants() {
  const owners = await sql(
    `SELECT w.id, (SELECT count(*)::int FROM membership m JOIN account a ON a.id = m.account_id
                     WHERE m.workspace_id = w.id AND m.role = 'OWNER') AS owners
       FROM workspace w WHERE w.removed_at IS NULL`,
  );
  expect(owners.filter((w) => w.owners !== 1)).toEqual([]);
  expect(await sql(`SELECT * FROM audit_event WHERE action = 'member.role_changed' AND actor_id::text = details->>'accountId'`)).toEqual([]);
  // The owner's role changes only by transfer: every change away from OWNER is a transfer's.
  expect(await sql(`SELECT * FROM audit_event WHERE action = 'member.role_changed' AND (details->>'from' = 'OWNER' OR details->>'to' = 'OWNER')`)).toEqual([]);
}

it('spreads load over both processes: a session from one works on the other, and writes are seen by both', async () => {
  const people = await Promise.all(Array.from({ length: 8 }, (_, i) => signUpAt(i % 2 ? a.url : b.url)));
  const created = await Promise.all(people.map((p, i) => okAt(i % 2 ? b.url : a.url, CREATE_WS, { input: { name: `Fleet ${i}` } }, p.token)));
  const burst = await Promise.all(
    people.flatMap((p, i) => [
      gqlAt(a.url, `query($id: ID!) { workspace(id: $id) { id viewerRole } }`, { id: created[i].createWorkspace.id }, p.token),
      gqlAt(b.url, `{ me { id } workspaces(first: 10) { edges { node { id } } } }`, {}, p.token),
    ]),
  );
  expect(burst.filter((r) => r.errors?.length || r.status !== 200)).toEqual([]);
  expect(burst.filter((_, i) => i % 2 === 0).map((r) => r.data.workspace.viewerRole)).toEqual(people.map(() => 'OWNER'));
  await checkInvariants();
});

it('two admins demoting each other through different processes: exactly one wins', async () => {
  const [owner, x, y] = [await signUpAt(a.url), await signUpAt(b.url), await signUpAt(a.url)];
  for (let i = 0; i < ROUNDS; i++) {
    const ws = (await okAt(a.url, CREATE_WS, { input: { name: `Demote ${i}` } }, owner.token)).createWorkspace.id;
    const [mx, my] = [await member(ws, x.id, 'ADMIN'), await member(ws, y.id, 'ADMIN')];
    const results = await Promise.all([
      gqlAt(a.url, CHANGE_ROLE, { input: { memberId: my, role: 'MEMBER' } }, x.token),
      gqlAt(b.url, CHANGE_ROLE, { input: { memberId: mx, role: 'MEMBER' } }, y.token),
    ]);
    expect(results.map(outcome).sort()).toEqual(['FORBIDDEN', 'OK']);
    expect(await sql(`SELECT id FROM membership WHERE workspace_id = $1 AND role = 'ADMIN'`, [ws])).toHaveLength(1);
  }
  await checkInvariants();
});

it('transferring ownership through one process while the target leaves through the other: one or the other, never both', async () => {
  const [owner, target] = [await signUpAt(a.url), await signUpAt(b.url)];
  const seen = new Set<string>();
  for (let i = 0; i < ROUNDS; i++) {
    const ws = (await okAt(b.url, CREATE_WS, { input: { name: `Transfer ${i}` } }, owner.token)).createWorkspace.id;
    const mt = await member(ws, target.id, 'MEMBER');
    const [transfer, leave] = await Promise.all([
      gqlAt(i % 2 ? a.url : b.url, TRANSFER, { input: { workspaceId: ws, memberId: mt } }, owner.token),
      gqlAt(i % 2 ? b.url : a.url, LEAVE, { id: ws }, target.token),
    ]);
    const pair = [outcome(transfer), outcome(leave)];
    seen.add(pair.join(' / '));
    expect([
      ['OK', 'FORBIDDEN:OWNER_CANNOT_LEAVE'],
      ['NOT_FOUND:TARGET_NOT_MEMBER', 'OK'],
    ]).toContainEqual(pair);
    const [row] = await sql(`SELECT account_id FROM membership WHERE workspace_id = $1 AND role = 'OWNER'`, [ws]);
    expect(row.account_id).toBe(pair[0] === 'OK' ? target.id : owner.id);
  }
  await checkInvariants();
});

it('the owner transferring to two people at once through both processes: exactly one transfer happens', async () => {
  const [owner, x, y] = [await signUpAt(a.url), await signUpAt(b.url), await signUpAt(a.url)];
  for (let i = 0; i < ROUNDS; i++) {
    const ws = (await okAt(a.url, CREATE_WS, { input: { name: `Double ${i}` } }, owner.token)).createWorkspace.id;
    const [mx, my] = [await member(ws, x.id, 'ADMIN'), await member(ws, y.id, 'MEMBER')];
    const results = await Promise.all([
      gqlAt(a.url, TRANSFER, { input: { workspaceId: ws, memberId: mx } }, owner.token),
      gqlAt(b.url, TRANSFER, { input: { workspaceId: ws, memberId: my } }, owner.token),
    ]);
    expect(results.map((r) => (r.errors?.length ? r.errors[0].extensions?.code : 'OK')).sort()).toEqual(['FORBIDDEN', 'OK']);
    expect(await sql(`SELECT count(*)::int AS n FROM audit_event WHERE workspace_id = $1 AND action = 'workspace.ownership_transferred'`, [ws])).toEqual([
      { n: 1 },
    ]);
  }
  await checkInvariants();
});

it('the sign-in limit holds across the fleet: attempts through both processes share one counter', async () => {
  const victim = await signUpAt(a.url);
  const attempts = await Promise.all(
    Array.from({ length: 4 * SIGN_IN_LIMIT }, (_, i) => gqlAt(i % 2 ? a.url : b.url, SIGN_IN, { input: { email: victim.email, password: 'wrong password!' } })),
  );
  const codes = attempts.map((r) => r.errors?.[0]?.extensions?.code);
  expect(codes.filter((c) => c === 'UNAUTHENTICATED')).toHaveLength(SIGN_IN_LIMIT);
  expect(codes.filter((c) => c === 'RATE_LIMITED')).toHaveLength(3 * SIGN_IN_LIMIT);
  // Both processes refused some: the counter lives in the database, not in either process.
  expect(attempts.filter((r, i) => i % 2 === 1 && r.errors?.[0]?.extensions?.code === 'RATE_LIMITED').length).toBeGreaterThan(0);
  expect(attempts.filter((r, i) => i % 2 === 0 && r.errors?.[0]?.extensions?.code === 'RATE_LIMITED').length).toBeGreaterThan(0);
});

it('each outbox email is delivered exactly once although both processes run the mail worker', async () => {
  const [p, q] = [await signUpAt(a.url), await signUpAt(b.url)];
  const wp = (await okAt(a.url, CREATE_WS, { input: { name: 'Mail P' } }, p.token)).createWorkspace.id;
  const wq = (await okAt(b.url, CREATE_WS, { input: { name: 'Mail Q' } }, q.token)).createWorkspace.id;
  const emails = (tag: string) => Array.from({ length: 20 }, (_, i) => `${tag}${i}-${Date.now()}@example.com`);
  await Promise.all([
    okAt(a.url, INVITE, { input: { workspaceId: wp, emails: emails('p'), role: 'MEMBER' } }, p.token),
    okAt(b.url, INVITE, { input: { workspaceId: wq, emails: emails('q'), role: 'VIEWER' } }, q.token),
  ]);
  const outbox = await sql<{ id: string }>('SELECT id FROM outbox_email');
  expect(outbox.length).toBeGreaterThanOrEqual(40);
  const pending = () => sql(`SELECT id FROM outbox_email WHERE sent_at IS NULL`);
  expect(await eventually(async () => (await pending()).length === 0, 30_000)).toBe(true);
  await sleep(2_500); // two more passes of each worker: nothing may go out again

  const deliveries = new Map<string, number>();
  for (const m of sink.messages) {
    const id = /^<([^@>]+)@atrium\.outbox>$/.exec(m.messageId)?.[1];
    if (id) deliveries.set(id, (deliveries.get(id) ?? 0) + 1);
  }
  expect(outbox.filter((o) => deliveries.get(o.id) !== 1).map((o) => `${o.id}: ${deliveries.get(o.id) ?? 0}`)).toEqual([]);
  expect(sink.messages).toHaveLength(outbox.length);
  expect(await sql(`SELECT id, attempts FROM outbox_email WHERE attempts <> 1`)).toEqual([]);
});

it('removed workspaces past purgeAt are purged exactly once, with their code archives, while both processes run the purge job', async () => {
  await sql(`CREATE TABLE purge_log (workspace_id uuid NOT NULL, backend_pid int NOT NULL DEFAULT pg_backend_pid())`);
  await sql(
    `CREATE FUNCTION log_purge() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO purge_log (workspace_id) VALUES (OLD.id); RETURN OLD; END $$`,
  );
  await sql(`CREATE TRIGGER workspace_purge_log AFTER DELETE ON workspace FOR EACH ROW EXECUTE FUNCTION log_purge()`);
  const owner = await signUpAt(b.url);
  const ids: string[] = [];
  for (let i = 0; i < 12; i++) {
    const url = i % 2 ? a.url : b.url;
    const ws = (await okAt(url, CREATE_WS, { input: { name: `Doomed ${i}` } }, owner.token)).createWorkspace.id;
    const project = (
      await okAt(url, `mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }`, { input: { workspaceId: ws, name: 'P' } }, owner.token)
    ).createProject.id;
    await okAt(
      url,
      `mutation($input: PushCodeInput!) { pushCode(input: $input) { id } }`,
      { input: { projectId: project, filename: 'a.zip', contentBase64: Buffer.from(`code ${i}`).toString('base64') } },
      owner.token,
    );
    await okAt(url, `mutation($id: ID!) { removeWorkspace(id: $id) { id } }`, { id: ws }, owner.token);
    ids.push(ws);
  }
  const keys = (
    await sql<{ storage_key: string }>(
      `SELECT c.storage_key FROM code_version c JOIN project p ON p.id = c.project_id WHERE p.workspace_id = ANY($1::uuid[])`,
      [ids],
    )
  ).map((r) => r.storage_key);
  expect(keys).toHaveLength(12);
  const blobsLeft = async () => (await sql(`SELECT count(DISTINCT storage_key)::int AS n FROM code_blob WHERE storage_key = ANY($1::text[])`, [keys]))[0].n;
  expect(await blobsLeft()).toBe(12);
  // A live workspace and a removed one still in its restore window must survive.
  const kept = (await okAt(a.url, CREATE_WS, { input: { name: 'Kept' } }, owner.token)).createWorkspace.id;
  const restorable = (await okAt(a.url, CREATE_WS, { input: { name: 'Restorable' } }, owner.token)).createWorkspace.id;
  await okAt(b.url, `mutation($id: ID!) { removeWorkspace(id: $id) { id } }`, { id: restorable }, owner.token);

  await sql(`UPDATE workspace SET purge_at = now() - interval '1 second' WHERE id = ANY($1::uuid[])`, [ids]);
  const gone = async () => (await sql(`SELECT count(*)::int AS n FROM workspace WHERE id = ANY($1::uuid[])`, [ids]))[0].n === 0;
  expect(await eventually(gone, 20_000)).toBe(true);
  await sleep(2_500);

  const log = await sql<{ workspace_id: string; n: number }>(`SELECT workspace_id, count(*)::int AS n FROM purge_log GROUP BY workspace_id`);
  expect(log.map((r) => r.workspace_id).sort()).toEqual([...ids].sort());
  expect(log.filter((r) => r.n !== 1)).toEqual([]);
  expect(await sql(`SELECT id FROM project WHERE workspace_id = ANY($1::uuid[])`, [ids])).toEqual([]);
  expect(await eventually(async () => (await blobsLeft()) === 0, 5_000)).toBe(true);
  expect(await sql(`SELECT id, removed_at IS NOT NULL AS removed FROM workspace WHERE id IN ($1, $2) ORDER BY removed`, [kept, restorable])).toEqual([
    { id: kept, removed: false },
    { id: restorable, removed: true },
  ]);
  await checkInvariants();
});

it('one invitation token, accepted and declined through both processes at once: exactly one answer wins, and one membership at most', async () => {
  const REMOVE_MEMBER = `mutation($id: ID!) { removeMember(memberId: $id) { removedMemberId } }`;
  const owner = await signUpAt(a.url);
  for (let i = 0; i < ROUNDS; i++) {
    const invitee = await signUpAt(i % 2 ? a.url : b.url);
    const ws = (await okAt(a.url, CREATE_WS, { input: { name: `Invite ${i}` } }, owner.token)).createWorkspace.id;
    // The same address invited through both processes at once: one pending invitation, never two.
    const invites = await Promise.all([
      okAt(
        a.url,
        `mutation($input: InviteMembersInput!) { inviteMembers(input: $input) { results { status } } }`,
        { input: { workspaceId: ws, emails: [invitee.email], role: 'MEMBER' } },
        owner.token,
      ),
      okAt(
        b.url,
        `mutation($input: InviteMembersInput!) { inviteMembers(input: $input) { results { status } } }`,
        { input: { workspaceId: ws, emails: [invitee.email.toUpperCase()], role: 'VIEWER' } },
        owner.token,
      ),
    ]);
    expect(invites.map((r) => r.inviteMembers.results[0].status).sort()).toEqual(['ALREADY_INVITED', 'INVITED']);
    const [mail] = await sql<{ text_body: string }>(
      `SELECT text_body FROM outbox_email WHERE lower(to_address) = lower($1) AND kind = 'invitation' ORDER BY created_at LIMIT 1`,
      [invitee.email],
    );
    const token = decodeURIComponent(/token=([^\s&"]+)/.exec(mail.text_body)![1]);
    const results = await Promise.all([
      gqlAt(a.url, `mutation($token: String!) { acceptInvitation(token: $token) { id } }`, { token }, invitee.token),
      gqlAt(b.url, `mutation($token: String!) { acceptInvitation(token: $token) { id } }`, { token }, invitee.token),
      gqlAt(i % 2 ? a.url : b.url, `mutation($token: String!) { declineInvitation(token: $token) }`, { token }, invitee.token),
    ]);
    expect(results.filter((r) => !r.errors?.length)).toHaveLength(1);
    expect(
      results
        .filter((r) => r.errors?.length)
        .map((r) => r.errors![0].extensions?.code)
        .filter((c) => !['CONFLICT', 'NOT_FOUND'].includes(String(c))),
    ).toEqual([]);
    const members = await sql(`SELECT id FROM membership WHERE workspace_id = $1 AND account_id = $2`, [ws, invitee.id]);
    expect(members.length).toBe(results[2].errors?.length ? 1 : 0);
    // Removed through one process: the very next request through the other already has no access.
    if (members.length) {
      await okAt(a.url, REMOVE_MEMBER, { id: members[0].id }, owner.token);
      const next = await gqlAt(b.url, `query($id: ID!) { workspace(id: $id) { id } }`, { id: ws }, invitee.token);
      expect(next.errors?.[0]?.extensions?.code ?? (next.data.workspace === null ? 'NOT_FOUND' : 'VISIBLE')).toBe('NOT_FOUND');
    }
  }
  expect(await sql(`SELECT workspace_id, email_normalized FROM invitation WHERE stored_state = 'PENDING' GROUP BY 1, 2 HAVING count(*) > 1`)).toEqual([]);
  // Each accepted invitation was accepted once: one audit event each.
  expect(
    await sql(`SELECT i.id FROM invitation i WHERE i.stored_state = 'ACCEPTED'
                 AND (SELECT count(*) FROM audit_event e WHERE e.action = 'invitation.accepted' AND e.details->>'invitationId' = i.id::text) <> 1`),
  ).toEqual([]);
  await checkInvariants();
});
