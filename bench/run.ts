/**
 * `npm run bench`: Atrium against its practical floor and PostGraphile, on loopback.
 *
 * Starts a throwaway embedded PostgreSQL, migrates it, writes the large seed, starts three
 * servers in child processes — (a) Atrium as shipped, (b) bench/floor-server.ts, (c) PostGraphile
 * 4.14 read-only — and drives them: autocannon in a closed loop to find capacity, then fixed rates at
 * 50% and 80% of it from bench/pacer.ts, an open-loop generator in the style of wrk2 (evenly spaced
 * arrivals over at most --connections keep-alive connections, latency measured from each request's
 * intended send time, so queueing in the generator or the server counts), systems interleaved
 * (A B C A B C). Not autocannon's `overallRate` for those: it is a per-second quota per connection,
 * so a fixed rate is bursts at full speed followed by idling until the next second, and its
 * coordinated-omission correction assumes a 1 ms interval. Every response body is checked.
 * Per workload and system it reports req/s, p50/p99, SQL statements per request
 * (pg_stat_statements, one database role per system), server CPU ms per request
 * (/proc/<pid>/stat, worker processes included) and database CPU ms per request, with ratios to the floor; then W4 (a
 * mutation mix on Atrium, followed by the RULES.md §5 invariants in SQL), W5 (abusive queries) and W6 (the people
 * page in a workspace of 100 and one of 100,000 members, bench/people.ts).
 * Prints a table and writes bench/RESULTS.md.
 *
 * Options: --duration <s> (per point, default 8), --warmup <s> (5: JIT warm-up, so each system is measured in its steady state), --connections <n> (10),
 * --workloads W1,W2,W3,W4,W5,W6, --systems atrium,floor,postgraphile, --scale large|small,
 * --ts-node (run Atrium with ts-node instead of a compiled build), --out <file>.
 */
import 'reflect-metadata';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { migrate } from '../src/db/migrate';
import { freePort, startEmbeddedPostgres, type RunningDatabase } from '../src/db/embedded';
import { checkSeed, seedDatabase, type Scale, type SeedManifest } from '../src/scripts/seed';
import { paced } from './pacer';
import { abusiveQueries, Expected, rejection, request, SystemName, WorkloadName } from './workloads';
import { seedW6, W6_PAGE, W6_REQUESTS, W6_SIZES } from './people';

// autocannon ships no types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon: (opts: Record<string, unknown>) => Promise<any> = require('autocannon');

const ROOT = path.resolve(__dirname, '..');
const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

interface Options {
  duration: number;
  warmup: number;
  connections: number;
  workloads: string[];
  systems: SystemName[];
  scale: Scale;
  tsNode: boolean;
  /** Run Atrium under --cpu-prof and summarize where its CPU went. */
  profile: boolean;
  out: string;
}

function parseOptions(argv: string[]): Options {
  const o: Options = {
    duration: 8,
    warmup: 5,
    connections: 10,
    workloads: ['W1', 'W2', 'W3', 'W4', 'W5', 'W6'],
    systems: ['atrium', 'floor', 'postgraphile'],
    scale: 'large',
    tsNode: false,
    profile: false,
    out: '',
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=');
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '--duration':
        o.duration = Number(value());
        break;
      case '--warmup':
        o.warmup = Number(value());
        break;
      case '--connections':
        o.connections = Number(value());
        break;
      case '--workloads':
        o.workloads = value().split(',');
        break;
      case '--systems':
        o.systems = value().split(',') as SystemName[];
        break;
      case '--scale':
        o.scale = value() as Scale;
        break;
      case '--ts-node':
        o.tsNode = true;
        break;
      case '--profile':
        o.profile = true;
        break;
      case '--out':
        o.out = path.resolve(value());
        break;
      default:
        throw new Error(`unknown option ${argv[i]}`);
    }
  }
  if (o.profile && !argv.some((a) => a.startsWith('--systems'))) o.systems = ['atrium'];
  o.out ||= path.join(__dirname, o.profile ? 'PROFILE.md' : 'RESULTS.md');
  return o;
}

const LABEL: Record<SystemName, string> = {
  atrium: 'Atrium',
  floor: 'floor (graphql+pg+DataLoader)',
  postgraphile: 'PostGraphile 4.14 — upper bound without authorization',
};

const log = (...args: unknown[]) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...args);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- measurement

/** utime + stime of a process, in ms. */
function cpuMs(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return NaN;
  }
}

/** A server's CPU in ms: its own and its child processes' (Atrium's WEB_CONCURRENCY workers). */
function serverCpuMs(pid: number): number {
  let total = cpuMs(pid);
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) total += cpuMs(Number(entry));
    } catch {
      // The process ended meanwhile.
    }
  }
  return total;
}

/** The benchmark cluster's postmaster; set once connected. Other PostgreSQL servers on the machine (tests) are ignored. */
let postmasterPid = 0;

/** CPU of the benchmark cluster's processes (postmaster, backends, background workers) by pid, in ms. */
function postgresCpu(): Map<number, number> {
  const cpu = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const pid = Number(entry);
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (pid !== postmasterPid && ppid !== postmasterPid) continue;
      const ms = cpuMs(pid);
      if (Number.isFinite(ms)) cpu.set(pid, ms);
    } catch {
      // The process ended meanwhile.
    }
  }
  return cpu;
}

/** Database CPU spent between two snapshots: per process, so backends that end or start in between do not skew it. */
function postgresCpuDelta(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}

const loads: number[] = [];

class Stats {
  constructor(private readonly client: Client) {}
  reset() {
    return this.client.query('SELECT pg_stat_statements_reset()');
  }
  /** Statements run by one system's database role since the last reset. */
  async calls(role: string): Promise<number> {
    const { rows } = await this.client.query(
      `SELECT coalesce(sum(calls), 0)::bigint AS n FROM pg_stat_statements
       WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
         AND userid = (SELECT oid FROM pg_roles WHERE rolname = $1)
         AND query NOT ILIKE '%pg_stat_statements%'`,
      [role],
    );
    return Number(rows[0].n);
  }
}

interface Point {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  failures: number;
  firstFailure: string | null;
  statements: number;
  cpuMs: number;
  dbCpuMs: number;
  /** The machine's 1-minute load average at the end of the point (other work on the machine shows here). */
  load1: number;
  /** Fixed-rate points: set when the achieved rate fell more than 5% short of the target. */
  note: string | null;
}

interface Server {
  name: SystemName;
  url: string;
  pid: number;
  role: string;
  child: ChildProcess;
  logFile: string;
}

async function load(
  server: Server,
  req: { body: string; headers: Record<string, string>; check: (b: string) => string | null },
  opts: { duration: number; connections: number; rate?: number },
  stats: Stats,
): Promise<Point> {
  await stats.reset();
  const cpu0 = serverCpuMs(server.pid);
  const db0 = postgresCpu();
  const measured = opts.rate ? await pacedLoad(server, req, { ...opts, rate: opts.rate }) : await closedLoad(server, req, opts);
  const cpu1 = serverCpuMs(server.pid);
  const db1 = postgresCpu();
  const statements = await stats.calls(server.role);
  loads.push(os.loadavg()[0]);
  return {
    ...measured,
    statements,
    cpuMs: cpu1 - cpu0,
    dbCpuMs: postgresCpuDelta(db0, db1),
    load1: os.loadavg()[0],
  };
}

type Measured = Pick<Point, 'requests' | 'rps' | 'p50' | 'p99' | 'failures' | 'firstFailure' | 'note'>;

/** Closed loop (capacity, warm-up, W5): autocannon, every connection sending its next request as soon as the last is answered. */
async function closedLoad(
  server: Server,
  req: { body: string; headers: Record<string, string>; check: (b: string) => string | null },
  opts: { duration: number; connections: number },
): Promise<Measured> {
  let failures = 0;
  let firstFailure: string | null = null;
  const result = await autocannon({
    url: server.url,
    method: 'POST',
    headers: req.headers,
    body: req.body,
    connections: opts.connections,
    duration: opts.duration,
    timeout: 10,
    verifyBody: (body: string) => {
      const problem = req.check(body);
      if (problem) {
        failures++;
        firstFailure ??= problem;
        return false;
      }
      return true;
    },
  });
  const requests = result.requests.total as number;
  const transportFailures = (result.errors ?? 0) + (result.timeouts ?? 0);
  if (transportFailures && !firstFailure) firstFailure = `${result.errors} connection errors, ${result.timeouts} timeouts`;
  return {
    requests,
    rps: requests / opts.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failures: failures + transportFailures,
    firstFailure,
    note: null,
  };
}

/**
 * A fixed rate (the 50% and 80% points): bench/pacer.ts, open loop, evenly spaced arrivals, latency from each
 * request's due time. requests = requests sent; rps = answers per second actually achieved.
 */
async function pacedLoad(
  server: Server,
  req: { body: string; headers: Record<string, string>; check: (b: string) => string | null },
  opts: { duration: number; connections: number; rate: number },
): Promise<Measured> {
  const r = await paced({
    url: server.url,
    method: 'POST',
    headers: req.headers,
    body: req.body,
    rate: opts.rate,
    duration: opts.duration,
    connections: opts.connections,
    timeoutMs: 10_000,
    check: req.check,
  });
  const short = r.achievedRate < 0.95 * opts.rate;
  return {
    requests: r.requests,
    rps: r.achievedRate,
    p50: r.p50,
    p99: r.p99,
    failures: r.failures,
    firstFailure: r.firstFailure,
    note: short
      ? `achieved ${f(r.achievedRate, 0)} of ${opts.rate} req/s (${f((100 * (opts.rate - r.achievedRate)) / opts.rate, 0)}% short; the generator lagged ${f(r.maxSendLagMs, 1)} ms at worst)`
      : null,
  };
}

// ---------------------------------------------------------------- processes

async function waitReady(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited with code ${child.exitCode}`);
    try {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) });
      if (res.status === 200) return;
    } catch {
      // Not listening yet.
    }
    await sleep(250);
  }
  throw new Error(`not ready after ${timeoutMs / 1000} s`);
}

async function startServer(name: SystemName, command: string[], env: Record<string, string>, port: number, role: string, dir: string): Promise<Server> {
  const logFile = path.join(dir, `${name}.log`);
  const out = fs.openSync(logFile, 'a');
  const child = spawn(command[0], command.slice(1), {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', out, out],
  });
  const url = `http://127.0.0.1:${port}/graphql`;
  try {
    await waitReady(url, child, 120_000);
  } catch (error) {
    child.kill('SIGTERM');
    throw new Error(`${name} did not start (${(error as Error).message}); see ${logFile}:\n${fs.readFileSync(logFile, 'utf8').slice(-1500)}`, { cause: error });
  }
  return { name, url, pid: child.pid!, role, child, logFile };
}

/** Compiles Atrium into node_modules/.cache (ignored by git, and node_modules resolves from there). */
function buildAtrium(): string | null {
  const outDir = path.join(ROOT, 'node_modules', '.cache', 'atrium-bench');
  fs.rmSync(outDir, { recursive: true, force: true });
  try {
    execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json', '--outDir', outDir], {
      cwd: ROOT,
      stdio: 'pipe',
    });
  } catch (error) {
    // tsc emits despite type errors elsewhere in the tree; use the output if it is there.
    const out = String((error as { stdout?: Buffer }).stdout ?? '');
    log(`tsc reported errors (others are editing the tree); ${out.split('\n').filter(Boolean).length} lines, first: ${out.split('\n')[0]}`);
  }
  const entry = path.join(outDir, 'src', 'index.js');
  return fs.existsSync(entry) ? entry : null;
}

/** The Node flags `npm start` runs Atrium with (package.json; the README says why), so the bench measures it as shipped. */
function shippedNodeFlags(): string[] {
  const start: string = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts.start;
  const flags = /\bnode((?: --\S+)*) dist\/src\/index\.js/.exec(start);
  if (!flags) throw new Error(`cannot read the node flags of the start script: ${start}`);
  return flags[1].trim().split(' ').filter(Boolean);
}

// ---------------------------------------------------------------- expected answers

async function expectedAnswers(client: Client, m: SeedManifest): Promise<Expected> {
  const projects = await client.query(
    `SELECT p.id, CASE WHEN mm.use_account_profile THEN a.name ELSE coalesce(mm.profile_name, a.name) END AS owner_name, p.owner_id
     FROM project p JOIN account a ON a.id = p.owner_id JOIN membership mm ON mm.workspace_id = p.workspace_id AND mm.account_id = p.owner_id
     WHERE p.workspace_id = $1 AND p.removed_at IS NULL`,
    [m.target.workspaceId],
  );
  const people = await client.query(
    `SELECT a.email, true AS member FROM membership mm JOIN account a ON a.id = mm.account_id WHERE mm.workspace_id = $1
     UNION ALL SELECT email_normalized, false FROM invitation WHERE workspace_id = $1 AND stored_state = 'PENDING'`,
    [m.target.workspaceId],
  );
  const pub = await client.query(`SELECT id FROM project WHERE workspace_id = $1 AND visibility = 'PUBLIC' AND removed_at IS NULL`, [
    m.publicTarget.workspaceId,
  ]);
  return {
    target: {
      workspaceId: m.target.workspaceId,
      name: m.target.name,
      memberAccountId: m.target.memberAccountId,
      memberToken: m.target.memberToken,
      projects: new Map(projects.rows.map((r) => [r.id, { ownerName: r.owner_name, ownedByMember: r.owner_id === m.target.memberAccountId }])),
      peopleEmails: new Set(people.rows.map((r) => String(r.email).toLowerCase())),
      peopleTotal: people.rowCount ?? 0,
      memberTotal: people.rows.filter((r) => r.member).length,
    },
    publicTarget: { workspaceId: m.publicTarget.workspaceId, name: m.publicTarget.name, publicProjectIds: new Set(pub.rows.map((r) => r.id)) },
  };
}

// ---------------------------------------------------------------- W4: mutations

interface GqlAnswer {
  data?: any;
  errors?: { message: string; extensions?: { code?: string } }[];
}

async function gql(url: string, query: string, variables: Record<string, unknown>, token?: string): Promise<{ ms: number; body: GqlAnswer }> {
  const t0 = performance.now();
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  let body: GqlAnswer;
  try {
    body = JSON.parse(text);
  } catch {
    body = { errors: [{ message: `HTTP ${res.status}: ${text.slice(0, 100)}` }] };
  }
  return { ms: performance.now() - t0, body };
}

const errorOf = (b: GqlAnswer) => (b.errors?.length ? `${b.errors[0].extensions?.code ?? ''} ${b.errors[0].message}`.trim().slice(0, 160) : null);

const M = {
  createProject: `mutation($input: CreateProjectInput!) { createProject(input: $input) { id name } }`,
  invite: `mutation($input: InviteMembersInput!) { inviteMembers(input: $input) { invitedCount results { email status invitation { id } } } }`,
  accept: `mutation($token: String!) { acceptInvitation(token: $token) { id role } }`,
  changeRole: `mutation($input: ChangeMemberRoleInput!) { changeMemberRole(input: $input) { id role } }`,
  remove: `mutation($id: ID!) { removeMember(memberId: $id) { removedMemberId } }`,
  access: `query($id: ID!) { workspace(id: $id) { name } }`,
};

interface OpStats {
  ok: number;
  fail: number;
  latencies: number[];
  firstError: string | null;
}
interface W4Result {
  ops: Record<string, OpStats>;
  cycles: number;
  seconds: number;
  statements: number;
  cpuMs: number;
  requests: number;
  conflicts: string[];
  invariants: { name: string; ok: boolean; detail: string }[];
}

async function invitationToken(client: Client, email: string): Promise<string | null> {
  const { rows } = await client.query(
    `SELECT text_body || ' ' || html_body AS body FROM outbox_email WHERE lower(to_address) = lower($1) ORDER BY created_at DESC LIMIT 1`,
    [email],
  );
  return rows[0] ? (/ati_[A-Za-z0-9_-]{20,}/.exec(rows[0].body)?.[0] ?? null) : null;
}

async function runW4(server: Server, client: Client, stats: Stats, m: SeedManifest, seconds: number): Promise<W4Result> {
  const ops: Record<string, OpStats> = {};
  const record = (op: string, ms: number, error: string | null) => {
    const s = (ops[op] ??= { ok: 0, fail: 0, latencies: [], firstError: null });
    s.latencies.push(ms);
    if (error) {
      s.fail++;
      s.firstError ??= error;
    } else s.ok++;
    return !error;
  };
  const { workspaceId, adminToken } = m.mutation;
  const invitees = [...m.mutation.invitees];
  const conflictInvitees = invitees.splice(invitees.length - 10, 10);
  let cycles = 0;
  let requests = 0;
  const removedAccounts: string[] = [];
  await stats.reset();
  const cpu0 = serverCpuMs(server.pid);
  const deadline = Date.now() + seconds * 1000;

  const cycle = async (invitee: (typeof invitees)[number], n: number) => {
    const call = async (op: string, query: string, variables: Record<string, unknown>, token: string, check: (d: any) => string | null) => {
      requests++;
      const { ms, body } = await gql(server.url, query, variables, token);
      const problem = errorOf(body) ?? (body.data ? check(body.data) : 'no data');
      return record(op, ms, problem) ? body.data : null;
    };
    await call('createProject', M.createProject, { input: { workspaceId, name: `Bench project ${n}` } }, adminToken, (d) =>
      d.createProject?.id ? null : 'no id',
    );
    const invited = await call('inviteMembers', M.invite, { input: { workspaceId, emails: [invitee.email], role: 'MEMBER' } }, adminToken, (d) =>
      d.inviteMembers?.results?.[0]?.status === 'INVITED' ? null : `status ${d.inviteMembers?.results?.[0]?.status}`,
    );
    if (!invited) return;
    const token = await invitationToken(client, invitee.email);
    if (!token) return void record('acceptInvitation', 0, 'no invitation link (ati_…) in the outbox email');
    const accepted = await call('acceptInvitation', M.accept, { token }, invitee.token, (d) => (d.acceptInvitation?.id ? null : 'no member'));
    if (!accepted) return;
    const memberId = accepted.acceptInvitation.id;
    await call('changeMemberRole', M.changeRole, { input: { memberId, role: 'VIEWER' } }, adminToken, (d) =>
      d.changeMemberRole?.role === 'VIEWER' ? null : `role ${d.changeMemberRole?.role}`,
    );
    const removed = await call('removeMember', M.remove, { id: memberId }, adminToken, (d) =>
      d.removeMember?.removedMemberId === memberId ? null : 'wrong removedMemberId',
    );
    if (!removed) return;
    removedAccounts.push(invitee.accountId);
    // RULES.md §5.4: a removed member has no access on the very next request.
    requests++;
    const after = await gql(server.url, M.access, { id: workspaceId }, invitee.token);
    record(
      'access after removal → NOT_FOUND',
      after.ms,
      after.body.errors?.[0]?.extensions?.code === 'NOT_FOUND' ? null : `got ${JSON.stringify(after.body).slice(0, 120)}`,
    );
  };

  const workers = Array.from({ length: 4 }, async () => {
    while (Date.now() < deadline) {
      const invitee = invitees.shift();
      if (!invitee) break;
      const n = ++cycles;
      await cycle(invitee, n);
    }
  });
  await Promise.all(workers);
  const cpu1 = serverCpuMs(server.pid);
  const statements = await stats.calls(server.role);
  const elapsed = seconds - Math.max(0, (deadline - Date.now()) / 1000);

  // Conflicting requests in pairs, then the invariants in SQL.
  const conflicts: string[] = [];
  const pairResults = await Promise.all(
    conflictInvitees.map(async (inv) => {
      const invites = await Promise.all(
        [0, 1].map(() => gql(server.url, M.invite, { input: { workspaceId, emails: [inv.email], role: 'MEMBER' } }, adminToken)),
      );
      const token = await invitationToken(client, inv.email);
      const accepts = token ? await Promise.all([0, 1].map(() => gql(server.url, M.accept, { token }, inv.token))) : [];
      return { invites, accepts };
    }),
  );
  const invitedOk = pairResults.reduce((n, r) => n + r.invites.filter((x) => x.body.data?.inviteMembers?.results?.[0]?.status === 'INVITED').length, 0);
  const acceptedOk = pairResults.reduce((n, r) => n + r.accepts.filter((x) => x.body.data?.acceptInvitation?.id).length, 0);
  const n = conflictInvitees.length;
  conflicts.push(`${n} addresses invited twice concurrently: ${invitedOk} INVITED answers (expected ${n}: one per address)`);
  conflicts.push(`${n} tokens accepted twice concurrently by their invitee: ${acceptedOk} acceptances (expected ${n}: one per token)`);

  const invariants: W4Result['invariants'] = [
    { name: `§5.3 one INVITED answer per address when it is invited twice at once (${n} pairs)`, ok: invitedOk === n, detail: String(invitedOk) },
    { name: `§5.3 one acceptance per token when it is accepted twice at once (${n} pairs)`, ok: acceptedOk === n, detail: String(acceptedOk) },
  ];
  const check = async (name: string, sql: string, params: unknown[] = [], ok: (n: number) => boolean = (n) => n === 0) => {
    try {
      const { rows } = await client.query(sql, params);
      const n = Number(rows[0]?.n ?? 0);
      invariants.push({ name, ok: ok(n), detail: String(n) });
    } catch (error) {
      invariants.push({ name, ok: false, detail: (error as Error).message });
    }
  };
  await check(
    '§5.1 live workspaces without exactly one owner',
    `SELECT count(*) AS n FROM workspace w WHERE w.removed_at IS NULL AND (SELECT count(*) FROM membership m WHERE m.workspace_id = w.id AND m.role = 'OWNER') <> 1`,
  );
  await check(
    '§5.3 (workspace, address) pairs with more than one pending invitation',
    `SELECT count(*) AS n FROM (SELECT 1 FROM invitation WHERE stored_state = 'PENDING' GROUP BY workspace_id, email_normalized HAVING count(*) > 1) x`,
  );
  await check(
    '§5.3 invitations accepted more than once / accepted twice for one address',
    `SELECT count(*) AS n FROM (SELECT 1 FROM invitation WHERE workspace_id = $1 AND stored_state = 'ACCEPTED' GROUP BY email_normalized HAVING count(*) > 1) x`,
    [workspaceId],
  );
  await check(
    '§5.4 removed W4 members still holding a membership',
    `SELECT count(*) AS n FROM membership WHERE workspace_id = $1 AND account_id = ANY($2::uuid[])`,
    [workspaceId, removedAccounts],
  );
  const successes =
    Object.entries(ops)
      .filter(([op]) => !op.startsWith('access'))
      .reduce((n, [, s]) => n + s.ok, 0) +
    invitedOk +
    acceptedOk;
  await check(
    `§5.5 audit events in the W4 workspace (≥ ${successes} successful mutations)`,
    `SELECT count(*) AS n FROM audit_event WHERE workspace_id = $1`,
    [workspaceId],
    (n) => n >= successes,
  );
  const invitations = (ops.inviteMembers?.ok ?? 0) + invitedOk;
  await check(
    `§5.5 invitation emails in the outbox (≥ ${invitations} invitations)`,
    `SELECT count(*) AS n FROM outbox_email WHERE to_address LIKE 'invitee-%@seed.atrium.test'`,
    [],
    (n) => n >= invitations,
  );
  return { ops, cycles, seconds: elapsed, statements, cpuMs: cpu1 - cpu0, requests, conflicts, invariants };
}

// ---------------------------------------------------------------- report

const f = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '–');
const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : '–');
const pct = (xs: number[], p: number) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

interface Cell {
  capacity?: Point;
  half?: Point;
  eighty?: Point;
  error?: string;
}

function table(headers: string[], rows: string[][]): string {
  return [`| ${headers.join(' | ')} |`, `|${headers.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function summarize(cell: Cell) {
  const points = [cell.capacity, cell.half, cell.eighty].filter(Boolean) as Point[];
  const requests = points.reduce((n, p) => n + p.requests, 0);
  const failures = points.reduce((n, p) => n + p.failures, 0);
  return {
    rps: cell.capacity?.rps ?? NaN,
    p50h: cell.half?.p50 ?? NaN,
    p99h: cell.half?.p99 ?? NaN,
    p50e: cell.eighty?.p50 ?? NaN,
    p99e: cell.eighty?.p99 ?? NaN,
    sql: requests ? points.reduce((n, p) => n + p.statements, 0) / requests : NaN,
    cpu: requests ? points.reduce((n, p) => n + p.cpuMs, 0) / requests : NaN,
    dbCpu: requests ? points.reduce((n, p) => n + p.dbCpuMs, 0) / requests : NaN,
    requests,
    failures,
    firstFailure: points.find((p) => p.firstFailure)?.firstFailure ?? cell.error ?? null,
    notes: (
      [
        ['@50%', cell.half],
        ['@80%', cell.eighty],
      ] as const
    )
      .filter(([, p]) => p?.note)
      .map(([at, p]) => `${at}: ${p!.note}`)
      .join('; '),
  };
}

// ---------------------------------------------------------------- CPU profile

const profileDirOf = (dir: string) => path.join(dir, 'profile');

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/** Where a script belongs: a package under node_modules, Atrium's own code, or Node itself. */
function ownerOf(url: string): string {
  if (!url) return '(native / V8)';
  if (url.startsWith('node:')) return 'node (core)';
  const m = /node_modules\/((?:@[^/]+\/)?[^/.][^/]*)\//g;
  let last: string | null = null;
  for (let hit = m.exec(url); hit; hit = m.exec(url)) last = hit[1];
  if (last && last !== '.cache') return last;
  return 'atrium (own code)';
}

/** Self time by package and by function over every profile in `dir`, as markdown. */
function summarizeProfiles(dir: string): string {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  if (!files.length) throw new Error(`no .cpuprofile in ${dir}`);
  const byOwner = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  for (const file of files) {
    const profile = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
    const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
    profile.samples.forEach((id, i) => {
      const node = nodes.get(id);
      const us = profile.timeDeltas[i] ?? 0;
      if (!node || node.callFrame.functionName === '(idle)') return;
      total += us;
      const owner = ['(garbage collector)', '(program)'].includes(node.callFrame.functionName) ? node.callFrame.functionName : ownerOf(node.callFrame.url);
      byOwner.set(owner, (byOwner.get(owner) ?? 0) + us);
      const where = node.callFrame.url
        ? `${node.callFrame.url.replace(/^.*node_modules\//, '').replace(/^.*atrium-bench\//, '')}:${node.callFrame.lineNumber + 1}`
        : '';
      const key = `${node.callFrame.functionName || '(anonymous)'} | ${where}`;
      byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    });
  }
  const rows = (m: Map<string, number>, n: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, us]) => `| ${k.replace(/\|(?! )/g, '\\|')} | ${(us / 1000).toFixed(0)} | ${((100 * us) / total).toFixed(1)}% |`);
  return [
    '## Atrium CPU profile (self time, whole run, idle excluded)',
    '',
    `${(total / 1e6).toFixed(1)} s of busy samples in ${files.length} profile(s).`,
    '',
    '| package | ms | share |',
    '|---|---|---|',
    ...rows(byOwner, 20),
    '',
    '| function | where | ms | share |',
    '|---|---|---|---|',
    ...rows(byFunction, 30),
  ].join('\n');
}

// ---------------------------------------------------------------- main

async function main() {
  const o = parseOptions(process.argv.slice(2));
  const started = Date.now();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atrium-bench-'));
  fs.chmodSync(dir, 0o755);
  const machine = {
    nproc: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: (os.totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    os: `${os.type()} ${os.release()}`,
  };
  log('machine', machine);
  const servers: Server[] = [];
  let database: RunningDatabase | undefined;
  const cleanup = async () => {
    for (const s of servers) if (s.child.exitCode === null) s.child.kill('SIGTERM');
    // A graceful exit writes the CPU profile; give it time.
    const until = Date.now() + (o.profile ? 20_000 : 3_000);
    while (Date.now() < until && servers.some((s) => s.child.exitCode === null && s.child.signalCode === null)) await sleep(100);
    for (const s of servers) if (s.child.exitCode === null) s.child.kill('SIGKILL');
    await database?.stop().catch(() => undefined);
  };
  process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));

  try {
    log(`starting PostgreSQL in ${dir}`);
    database = await startEmbeddedPostgres(path.join(dir, 'pg'), { persistent: false });
    await migrate(database.url);
    const client = new Client({ connectionString: database.url });
    await client.connect();
    await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    const backend = (await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
    postmasterPid = Number(/PPid:\s+(\d+)/.exec(fs.readFileSync(`/proc/${backend}/status`, 'utf8'))?.[1] ?? 0);
    // One role per system, so pg_stat_statements tells their statements apart.
    for (const name of ['atrium', 'floor', 'postgraphile']) {
      await client.query(`CREATE ROLE bench_${name} LOGIN SUPERUSER PASSWORD 'bench'`);
    }
    const roleUrl = (name: string) => database!.url.replace(/\/\/[^@]+@/, `//bench_${name}:bench@`);
    log(`seeding (${o.scale})`);
    const t0 = Date.now();
    const manifest = await seedDatabase(client, o.scale, { reset: false });
    const problems = await checkSeed(client, manifest);
    if (problems.length) throw new Error(`seed check failed: ${problems.join('; ')}`);
    const seedSeconds = (Date.now() - t0) / 1000;
    log(`seeded in ${seedSeconds.toFixed(1)} s`, manifest.counts);
    const expected = await expectedAnswers(client, manifest);
    const stats = new Stats(client);

    // Servers.
    const startErrors: Partial<Record<SystemName, string>> = {};
    let atriumHow = '';
    const profileDir = path.join(dir, 'profile');
    const profileFlags = o.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
    for (const name of o.systems) {
      const port = await freePort();
      try {
        if (name === 'atrium') {
          let command: string[];
          const entry = o.tsNode ? null : (log('building Atrium (tsc)'), buildAtrium());
          if (entry) {
            command = [process.execPath, ...shippedNodeFlags(), ...profileFlags, entry];
            atriumHow = `node ${shippedNodeFlags().join(' ')} ${path.relative(ROOT, entry)} (tsc -p tsconfig.build.json; the flags of \`npm start\`), WEB_CONCURRENCY unset: a supervisor and ${Math.min(4, os.availableParallelism())} worker processes (one per CPU, at most 4), as \`npm start\` runs`;
          } else {
            command = [process.execPath, ...shippedNodeFlags(), ...profileFlags, '-r', 'ts-node/register/transpile-only', 'src/index.ts'];
            atriumHow = 'node -r ts-node/register/transpile-only src/index.ts';
          }
          // DATA_DIR keeps the mail worker's .eml files out of the tree. The worker erases a delivered
          // message's body (it holds the one-time link), and W4 reads invitation links from the
          // outbox, so the worker is slowed past the length of the run.
          const env = {
            DATABASE_URL: roleUrl(name),
            NODE_ENV: 'production',
            SHUTDOWN_DRAIN_SECONDS: '0',
            DATA_DIR: path.join(dir, 'atrium-data'),
            MAIL_INTERVAL_SECONDS: '3600',
            // W4 invites hundreds of addresses a minute from one admin: raise the abuse limits (still checked, so still paid for).
            INVITE_LIMIT_PER_INVITER_PER_HOUR: '1000000',
            INVITE_LIMIT_PER_WORKSPACE_PER_DAY: '1000000',
          };
          servers.push(await startServer(name, command, env, port, `bench_${name}`, dir));
        } else {
          const file = name === 'floor' ? 'bench/floor-server.ts' : 'bench/postgraphile-server.ts';
          servers.push(
            await startServer(
              name,
              [process.execPath, '-r', 'ts-node/register/transpile-only', file],
              { DATABASE_URL: roleUrl(name), NODE_ENV: 'production' },
              port,
              `bench_${name}`,
              dir,
            ),
          );
        }
        log(`${name} ready (pid ${servers[servers.length - 1].pid})`);
      } catch (error) {
        startErrors[name] = (error as Error).message.split('\n')[0];
        log(`${name} FAILED to start: ${(error as Error).message}`);
      }
    }
    const live = servers;

    // W1–W3: capacity, then 50% and 80% of it, interleaved.
    const results: Partial<Record<WorkloadName, Partial<Record<SystemName, Cell>>>> = {};
    const readWorkloads = (['W1', 'W2', 'W3'] as WorkloadName[]).filter((w) => o.workloads.includes(w));
    for (const w of readWorkloads) {
      const cells = (results[w] = {} as Partial<Record<SystemName, Cell>>);
      for (const name of o.systems) if (startErrors[name]) cells[name] = { error: `did not start: ${startErrors[name]}` };
      for (const s of live) {
        cells[s.name] = {};
        await load(s, request(s.name, w, expected), { duration: o.warmup, connections: o.connections }, stats);
      }
      for (const phase of ['capacity', 'half', 'eighty'] as const) {
        for (const s of live) {
          const cell = cells[s.name]!;
          if (phase !== 'capacity' && (!cell.capacity || cell.capacity.failures > cell.capacity.requests / 2)) continue;
          const rate = phase === 'capacity' ? undefined : Math.max(1, Math.round(cell.capacity!.rps * (phase === 'half' ? 0.5 : 0.8)));
          const point = await load(s, request(s.name, w, expected), { duration: o.duration, connections: o.connections, rate }, stats);
          cell[phase] = point;
          log(
            `${w} ${s.name} ${phase}${rate ? ` @${rate}/s (paced)` : ''}: ${f(point.rps)} req/s, p50 ${f(point.p50, 1)} ms, p99 ${f(point.p99, 1)} ms, ${f(point.statements / Math.max(1, point.requests), 2)} SQL/req, ${f(point.cpuMs / Math.max(1, point.requests), 2)} CPU ms/req, ${f(point.dbCpuMs / Math.max(1, point.requests), 2)} DB CPU ms/req, load ${f(point.load1)}, failures ${point.failures}${point.firstFailure ? ` (${point.firstFailure.slice(0, 160)})` : ''}${point.note ? `; ${point.note}` : ''}`,
          );
        }
      }
    }

    // In profile mode, what Atrium's statements cost in the database (the last point's, since stats reset per point).
    let topStatements = '';
    if (o.profile && live.some((s) => s.name === 'atrium')) {
      const { rows } = await client.query(
        `SELECT calls, round(mean_exec_time::numeric, 3) AS mean_ms, round(total_exec_time::numeric, 1) AS total_ms, rows, regexp_replace(query, '\\s+', ' ', 'g') AS query
         FROM pg_stat_statements WHERE userid = (SELECT oid FROM pg_roles WHERE rolname = 'bench_atrium') AND query NOT ILIKE '%pg_stat_statements%'
         ORDER BY total_exec_time DESC LIMIT 10`,
      );
      topStatements = [
        '## Atrium statements by database time (last load point)',
        '',
        table(
          ['calls', 'mean ms', 'total ms', 'rows', 'statement'],
          rows.map((r) => [
            String(r.calls),
            String(r.mean_ms),
            String(r.total_ms),
            String(r.rows),
            '`' + String(r.query).slice(0, 300).replace(/\|/g, '\\|').replace(/`/g, "'") + '`',
          ]),
        ),
        '',
      ].join('\n');
    }

    // W4: mutations on Atrium, then the invariants.
    const atrium = live.find((s) => s.name === 'atrium');
    let w4: W4Result | null = null;
    let w4Error: string | null = null;
    if (o.workloads.includes('W4') && atrium) {
      log('W4 mutation mix on Atrium');
      try {
        w4 = await runW4(atrium, client, stats, manifest, Math.max(5, o.duration));
      } catch (error) {
        w4Error = (error as Error).stack ?? String(error);
        log(`W4 aborted: ${w4Error}`);
      }
      if (w4) for (const [op, s] of Object.entries(w4.ops)) log(`W4 ${op}: ${s.ok} ok, ${s.fail} failed${s.firstError ? ` (${s.firstError})` : ''}`);
      if (w4) for (const inv of w4.invariants) log(`W4 invariant ${inv.ok ? 'OK  ' : 'FAIL'} ${inv.name}: ${inv.detail}`);
    }

    // W5: abusive queries on Atrium, against W3 as the reference.
    const w5: { name: string; rps: number; cpu: number; sql: number; p50: number; rejected: string; code: string }[] = [];
    if (o.workloads.includes('W5') && atrium) {
      for (const q of abusiveQueries(expected))
        try {
          let sample = '';
          const token = manifest.target.memberToken;
          const first = await gql(atrium.url, JSON.parse(q.body).query, JSON.parse(q.body).variables, token).catch((e) => ({
            ms: 0,
            body: { errors: [{ message: String(e) }] } as GqlAnswer,
          }));
          sample = JSON.stringify(first.body);
          const verdict = rejection(sample);
          const point = await load(
            atrium,
            {
              body: q.body,
              headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
              check: (b) => (rejection(b).rejected ? null : 'not rejected'),
            },
            { duration: Math.max(3, Math.round(o.duration / 2)), connections: o.connections },
            stats,
          );
          w5.push({
            name: q.name,
            rps: point.rps,
            cpu: point.cpuMs / Math.max(1, point.requests),
            sql: point.statements / Math.max(1, point.requests),
            p50: point.p50,
            rejected: verdict.rejected && point.failures === 0 ? 'yes' : verdict.rejected ? `partly (${point.failures} not)` : 'NO',
            code: verdict.code,
          });
          log(
            `W5 ${q.name}: rejected ${w5[w5.length - 1].rejected} (${verdict.code}); ${f(point.rps)} req/s, ${f(w5[w5.length - 1].cpu, 2)} CPU ms/req, ${f(w5[w5.length - 1].sql, 2)} SQL/req`,
          );
        } catch (error) {
          w5.push({ name: q.name, rps: NaN, cpu: NaN, sql: NaN, p50: NaN, rejected: 'harness error', code: String((error as Error).message).slice(0, 120) });
        }
    }
    // W6: the people page at 100 and 100,000 members, the sizes interleaved per request.
    const w6: { request: string; size: number; point: Point }[] = [];
    if (o.workloads.includes('W6') && atrium) {
      log('W6 seeding two workspaces (100 and 100,000 members)');
      const workspaces = await seedW6(client, manifest.target.memberAccountId);
      const token = manifest.target.memberToken;
      // The 20th page of 5 starts after the 95th person: walk there once by keyset.
      const cursors = new Map<number, string | null>();
      for (const [size, id] of workspaces) {
        let after: string | null = null;
        for (let page = 1; page < 20; page++) {
          const { body } = await gql(atrium.url, W6_PAGE, { id, first: 5, after }, token);
          if (errorOf(body)) throw new Error(`W6 walk: ${errorOf(body)}`);
          after = body.data.workspace.people.pageInfo.endCursor;
        }
        cursors.set(size, after);
      }
      for (const r of W6_REQUESTS) {
        for (const size of W6_SIZES) {
          const id = workspaces.get(size)!;
          const body = JSON.stringify({ query: W6_PAGE, variables: r.variables(id, cursors.get(size) ?? null) });
          const want = r.expect(size);
          const req = {
            body,
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            check: (b: string) => {
              const answer = JSON.parse(b) as GqlAnswer;
              if (errorOf(answer)) return errorOf(answer);
              const n = answer.data?.workspace?.people?.edges?.length;
              return want === null || n === want ? null : `${n} people, expected ${want}`;
            },
          };
          await load(atrium, req, { duration: Math.max(2, Math.round(o.warmup / 2)), connections: o.connections }, stats);
          const point = await load(atrium, req, { duration: Math.max(3, Math.round(o.duration / 2)), connections: o.connections }, stats);
          w6.push({ request: r.name, size, point });
          log(
            `W6 ${r.name} at ${size.toLocaleString('en')}: ${f(point.rps)} req/s, p50 ${f(point.p50, 1)} ms, ${f(point.cpuMs / Math.max(1, point.requests), 2)} CPU ms/req, ${f(point.dbCpuMs / Math.max(1, point.requests), 2)} DB CPU ms/req, failures ${point.failures}${point.firstFailure ? ` (${point.firstFailure})` : ''}`,
          );
        }
      }
    }
    await client.end();

    // Report.
    const lines: string[] = [];
    lines.push('# Atrium benchmark results', '');
    lines.push(
      `Generated by \`npm run bench${process.argv.slice(2).length ? ' -- ' + process.argv.slice(2).join(' ') : ''}\` on ${new Date().toISOString()} (whole run ${f((Date.now() - started) / 60000)} min).`,
      '',
    );
    lines.push(
      `Machine: ${machine.nproc} CPUs (${machine.cpu}), ${machine.memoryGiB} GiB memory, Node ${machine.node}, ${machine.os}. Everything on loopback on this one machine: PostgreSQL (embedded, fsync off), the three servers and the load generator share the ${machine.nproc} cores, so absolute numbers are low and capacity is partly the load generator's; the ratios are the point.`,
      '',
    );
    const loadNote = loads.length
      ? `1-minute load average during the runs: min ${f(Math.min(...loads))}, mean ${f(loads.reduce((a, b) => a + b, 0) / loads.length)}, max ${f(Math.max(...loads))} on ${machine.nproc} CPUs (anything above ~3 means other work — e.g. other test suites — shared the machine and the absolute numbers are depressed).`
      : '';
    lines.push(loadNote, '');
    lines.push(
      `Data: the ${o.scale} seed (\`npm run seed -- --scale ${o.scale}\`): ${Object.entries(manifest.counts)
        .map(([k, v]) => `${v.toLocaleString('en')} ${k}`)
        .join(', ')}; written in ${f(seedSeconds)} s.`,
      '',
    );
    lines.push(
      'Systems:',
      `- **Atrium**: ${atriumHow || 'not started'}, NODE_ENV=production, MAIL_INTERVAL_SECONDS=3600 (the mail worker would erase the invitation links W4 reads from the outbox), invitation abuse limits raised to 1,000,000 (still checked).`,
      '- **floor**: bench/floor-server.ts — graphql 16 + pg + DataLoader on node:http with the same authorization rules (role per workspace, guest visibility, per-project roles, people for viewers+, invitations for members+, email visibility); parse+validate cached per query text.',
      '- **PostGraphile 4.14** (bench/postgraphile-server.ts): read-only over the same tables, no authorization at all — an upper bound, not a competitor. The queries are the closest equivalents over its generated schema (no permissions lists, no invitations on the people page, owner = account name). PostGraphile 5 needs Node 22 and was not run.',
      '',
    );
    lines.push(
      `Method: capacity = autocannon, closed loop, ${o.connections} connections, for ${o.duration} s. Then fixed rates at 50% and 80% of each system's own capacity for ${o.duration} s each, from bench/pacer.ts, an open-loop generator in the style of wrk2: arrivals evenly spaced (request i is due at t0 + i/rate), sent over at most ${o.connections} keep-alive connections by the generator's own HTTP/1.1 client on raw sockets (about 0.2 ms of CPU per W1 request, against 0.5–0.7 ms through node:http; when all connections are busy, due requests wait in a FIFO queue); latency = end of the answer − the request's intended send time, so time queued in the generator or in the server counts (no coordinated omission, no synthetic samples); p50/p99 exact over every answered request; an achieved rate more than 5% below the target is flagged in the failures column. Not autocannon's \`overallRate\`: it is a per-second quota per connection, so each connection sends back-to-back at full speed until its quota is used and then idles until the next second ("50%" would be bursts at 100% for half of each second), and its coordinated-omission correction assumes an expected interval of 1 ms (\`Math.ceil(1 / rate)\`), adding synthetic samples. Systems interleaved A B C per phase, after a ${o.warmup} s warm-up each (closed loop). Every response body is checked (errors or wrong data count as failures). SQL/req: pg_stat_statements calls of the system's own database role / requests (BEGIN/COMMIT included). CPU ms/req: utime+stime (/proc) of the server process and its children (Atrium's workers) / requests; DB CPU: utime+stime of the benchmark cluster's PostgreSQL processes / requests. Both averaged over the three runs.`,
      '',
    );
    lines.push(
      'Workloads: **W1** dashboard as a member (workspace + viewerRole/viewerPermissions + 50 projects with owner and viewerPermissions + 100 people with email); **W2** the same as a guest of a public workspace (without people: guests never see people); **W3** `me { id } workspace(id) { name }`; **W4** mutation mix on Atrium + RULES.md §5 invariants; **W5** abusive queries on Atrium; **W6** the people page in workspaces of 100 and 100,000 members (bench/people.ts).',
      '',
    );

    for (const w of readWorkloads) {
      const cells = results[w]!;
      const floor = cells.floor ? summarize(cells.floor) : null;
      const rows: string[][] = [];
      for (const name of o.systems) {
        const cell = cells[name];
        if (!cell) continue;
        const s = summarize(cell);
        rows.push([
          LABEL[name],
          f(s.rps, 0),
          `${f(s.p50h, 1)} / ${f(s.p99h, 1)}`,
          `${f(s.p50e, 1)} / ${f(s.p99e, 1)}`,
          f(s.sql, 2),
          f(s.cpu, 2),
          f(s.dbCpu, 2),
          floor && name !== 'floor'
            ? `${ratio(s.rps, floor.rps)} / ${ratio(s.p99e, floor.p99e)} / ${ratio(s.cpu, floor.cpu)} / ${ratio(s.sql, floor.sql)}`
            : '',
          (s.failures || cell.error
            ? `**${s.failures} of ${s.requests} FAILED**: ${(s.firstFailure ?? '').replace(/\|/g, '\\|').slice(0, 200)}`
            : `0 of ${s.requests}`) + (s.notes ? `; **rate short** ${s.notes.replace(/\|/g, '\\|')}` : ''),
        ]);
      }
      lines.push(`## ${w}`, '');
      lines.push(
        table(
          [
            'system',
            'req/s (capacity)',
            'p50 / p99 ms @50%',
            'p50 / p99 ms @80%',
            'SQL/req',
            'CPU ms/req',
            'DB CPU ms/req',
            'vs floor: req/s / p99@80% / CPU / SQL',
            'failures',
          ],
          rows,
        ),
        '',
      );
    }

    if (w4Error) lines.push('## W4 — mutation mix on Atrium', '', `The workload aborted: \`${w4Error.split('\n')[0]}\``, '');
    if (w4) {
      lines.push('## W4 — mutation mix on Atrium', '');
      lines.push(
        `4 concurrent clients for ${f(w4.seconds)} s, ${w4.cycles} cycles of: createProject → inviteMembers → acceptInvitation (link read from the outbox email) → changeMemberRole → removeMember → the removed person's next request must be NOT_FOUND. ${f(w4.statements / Math.max(1, w4.requests), 1)} SQL statements and ${f(w4.cpuMs / Math.max(1, w4.requests), 2)} CPU ms per request on average.`,
        '',
      );
      lines.push(
        table(
          ['operation', 'ok', 'failed', 'p50 ms', 'p99 ms', 'first error'],
          Object.entries(w4.ops).map(([op, s]) => [
            op,
            String(s.ok),
            String(s.fail),
            f(pct(s.latencies, 50), 1),
            f(pct(s.latencies, 99), 1),
            (s.firstError ?? '').replace(/\|/g, '\\|'),
          ]),
        ),
        '',
      );
      lines.push('Conflicting requests:', ...w4.conflicts.map((c) => `- ${c}`), '');
      lines.push(
        'Invariants checked in SQL afterwards:',
        '',
        table(
          ['invariant', 'result', 'value'],
          w4.invariants.map((i) => [i.name, i.ok ? 'OK' : '**FAIL**', i.detail]),
        ),
        '',
      );
    }
    if (w5.length) {
      const w3 = results.W3?.atrium ? summarize(results.W3.atrium) : null;
      lines.push('## W5 — abusive queries on Atrium', '');
      lines.push(
        `Closed loop, ${Math.max(3, Math.round(o.duration / 2))} s each, as the W1 member. "Cheaper than W3" compares server CPU per request with Atrium's W3 (${w3 ? f(w3.cpu, 2) : '–'} ms, ${w3 ? f(w3.rps, 0) : '–'} req/s).`,
        '',
      );
      lines.push(
        table(
          ['query', 'rejected', 'first error', 'req/s', 'p50 ms', 'CPU ms/req', 'SQL/req', 'cheaper than W3?'],
          w5.map((r) => [
            r.name,
            r.rejected,
            r.code.replace(/\|/g, '\\|'),
            f(r.rps, 0),
            f(r.p50, 0),
            f(r.cpu, 2),
            f(r.sql, 2),
            w3 ? `${r.cpu < 0.9 * w3.cpu ? 'yes' : r.cpu <= 1.1 * w3.cpu ? 'about the same' : 'no'} (${ratio(r.cpu, w3.cpu)})` : '–',
          ]),
        ),
        '',
      );
    }
    if (w6.length) {
      lines.push('## W6 — the people page at 100 and 100,000 members', '');
      lines.push(
        `Atrium only, as the owner of both workspaces; closed loop, ${o.connections} connections, ${Math.max(3, Math.round(o.duration / 2))} s per point after a warm-up, the two sizes measured one after the other per request. Cost = server CPU + database CPU per request. Target: the large workspace costs at most 2× the small one, for every request.`,
        '',
      );
      const per = (p: Point) => (p.cpuMs + p.dbCpuMs) / Math.max(1, p.requests);
      lines.push(
        table(
          ['request', 'members', 'req/s', 'p50 ms', 'CPU ms/req', 'DB CPU ms/req', 'SQL/req', 'failures', 'cost vs 100 members'],
          w6.map(({ request: r, size, point: p }) => {
            const small = w6.find((x) => x.request === r && x.size === W6_SIZES[0])!.point;
            return [
              r,
              size.toLocaleString('en'),
              f(p.rps, 0),
              f(p.p50, 1),
              f(p.cpuMs / Math.max(1, p.requests), 2),
              f(p.dbCpuMs / Math.max(1, p.requests), 2),
              f(p.statements / Math.max(1, p.requests), 2),
              `${p.failures} of ${p.requests}`,
              size === W6_SIZES[0] ? '' : `${ratio(per(p), per(small))}${per(p) <= 2 * per(small) ? ' (met)' : ' (**not met**)'}`,
            ];
          }),
        ),
        '',
      );
    }
    if (topStatements) lines.push(topStatements);
    const body = lines.join('\n');
    const existing = fs.existsSync(o.out) ? fs.readFileSync(o.out, 'utf8') : '';
    const notesAt = existing.indexOf('\n## Notes');
    fs.writeFileSync(o.out, body + (notesAt >= 0 ? existing.slice(notesAt) : '\n'));
    console.log('\n' + body);
    log(`wrote ${path.relative(process.cwd(), o.out)}; server logs in ${dir}`);
  } finally {
    await cleanup();
    if (o.profile) {
      try {
        const summary = summarizeProfiles(profileDirOf(dir));
        fs.appendFileSync(o.out, '\n' + summary + '\n');
        console.log('\n' + summary);
      } catch (error) {
        log(`no CPU profile: ${(error as Error).message}`);
      }
    }
    for (const s of servers) {
      try {
        fs.copyFileSync(s.logFile, path.join(os.tmpdir(), `atrium-bench-${s.name}.log`));
      } catch {
        // best effort
      }
    }
    fs.rmSync(path.join(dir, 'pg'), { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
