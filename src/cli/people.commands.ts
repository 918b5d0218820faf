import { Command, InvalidArgumentError, Option } from 'commander';
import type { Api } from './client';
import {
  allPages,
  chooseWorkspace,
  lower,
  parse,
  refusal,
  requirePermission,
  UUID,
  wantsJson,
  workspaceDetails,
  type Cli,
  type WorkspaceDetails,
} from './context';
import { CliError, EXIT, UsageError } from './errors';
import { shortDate, table } from './table';

const PEOPLE = `query($id: ID!, $after: String, $filter: PeopleFilter, $orderBy: PeopleOrder) {
  workspace(id: $id) {
    people(first: 100, after: $after, filter: $filter, orderBy: $orderBy) {
      totalCount pageInfo { hasNextPage endCursor }
      edges { node { __typename id name email role status createdAt } }
    }
  }
}`;
const INVITE = `mutation($input: InviteMembersInput!) {
  inviteMembers(input: $input) { invitedCount results { email status message invitation { id expiresAt } } }
}`;

const MEMBERS = `query($id: ID!, $after: String, $search: String) {
  workspace(id: $id) {
    people(first: 100, after: $after, filter: { statuses: [ACTIVE], search: $search }, orderBy: { field: NAME, direction: ASC }) {
      totalCount pageInfo { hasNextPage endCursor }
      edges { node { ... on Member { id name email role isViewer } } }
    }
  }
}`;
const CHANGE_ROLE = `mutation($input: ChangeMemberRoleInput!) { changeMemberRole(input: $input) { id name email role } }`;
const REMOVE = `mutation($memberId: ID!) { removeMember(memberId: $memberId) { removedMemberId reassignedProjects { id name } } }`;
const LEAVE = `mutation($workspaceId: ID!) { leaveWorkspace(workspaceId: $workspaceId) { workspaceId reassignedProjects { id name } } }`;

interface Person {
  __typename: string;
  id: string;
  name: string | null;
  email: string | null;
  role: string;
  status: string;
  createdAt: string;
}
interface InviteResult {
  email: string;
  status: string;
  message: string;
  invitation: { id: string; expiresAt: string } | null;
}

const SORT_FIELDS: Record<string, string> = {
  name: 'NAME',
  email: 'EMAIL',
  role: 'ROLE',
  status: 'STATUS',
  created: 'CREATED_AT',
  created_at: 'CREATED_AT',
  createdat: 'CREATED_AT',
};

/** `name`, `role:desc`, `-created`: a PeopleOrder. */
function parseSort(value: string): { field: string; direction: 'ASC' | 'DESC' } {
  let text = value.trim().toLowerCase();
  let direction: 'ASC' | 'DESC' = 'ASC';
  if (text.startsWith('-')) [text, direction] = [text.slice(1), 'DESC'];
  const [name, dir] = text.split(':');
  if (dir !== undefined) {
    if (dir !== 'asc' && dir !== 'desc') throw new InvalidArgumentError('The direction is asc or desc, e.g. name:desc.');
    direction = dir.toUpperCase() as 'ASC' | 'DESC';
  }
  const field = SORT_FIELDS[name];
  if (!field) throw new InvalidArgumentError('Sort by name, email, role, status or created (add :desc, or a leading -, to reverse).');
  return { field, direction };
}

interface MemberRow {
  id: string;
  name: string | null;
  email: string | null;
  role: string;
  isViewer: boolean;
}

const ROLE_CHOICES = [
  { name: 'viewer (sees the workspace and its people)', value: 'VIEWER' },
  { name: 'member (also creates projects and invites)', value: 'MEMBER' },
  { name: 'admin (also manages the workspace and its people)', value: 'ADMIN' },
];

/** "Mia Member <mia@example.com>", or whichever half is known. */
const label = (m: { name: string | null; email: string | null; id: string }) => (m.name && m.email ? `${m.name} <${m.email}>` : (m.name ?? m.email ?? m.id));

/** The workspace's active members, by name; `search` narrows them on the server (name or email). */
function members(api: Api, workspaceId: string, search?: string): Promise<MemberRow[]> {
  return allPages(async (after) => (await api.request(MEMBERS, { id: workspaceId, after, search: search ?? null })).workspace.people);
}

/**
 * The member a command acts on: `ref` is a member id (the ID column of `atrium people list`), an
 * email or an exact name (both ignoring case); without it, a pick-list of the members `offer` keeps.
 */
async function chooseMember(
  cli: Cli,
  api: Api,
  workspace: WorkspaceDetails,
  ref: string | undefined,
  q: { message: string; offer: (m: MemberRow) => boolean; none: string },
): Promise<MemberRow> {
  if (ref !== undefined) {
    const wanted = ref.trim();
    if (!wanted) throw new UsageError('<member> needs a member id, email or name.');
    const byId = UUID.test(wanted);
    const rows = await members(api, workspace.id, byId ? undefined : wanted);
    const same = (v: string | null) => v?.toLowerCase() === wanted.toLowerCase();
    const matches = rows.filter((m) => (byId ? m.id === wanted.toLowerCase() : wanted.includes('@') ? same(m.email) : same(m.name)));
    if (matches.length === 1) return matches[0];
    if (matches.length === 0)
      throw new CliError(`Workspace "${workspace.name}" has no member ${byId ? 'with id ' : ''}"${wanted}" (see \`atrium people list\`).`, EXIT.NOT_FOUND);
    throw new UsageError(`${matches.length} members of workspace "${workspace.name}" are named "${wanted}"; name one by email or id instead.`);
  }
  const offered = (await members(api, workspace.id)).filter(q.offer);
  if (offered.length === 0) throw new CliError(q.none, EXIT.NOT_FOUND);
  return cli.prompter.select({
    message: q.message,
    flag: '<member>',
    choices: offered.map((m) => ({ name: `${label(m)} (${lower(m.role)})`, value: m, description: m.id })),
  });
}

/** One line naming the projects that passed to the workspace owner, if any did. */
function reassigned(projects: { name: string }[], whose: string): string | null {
  if (projects.length === 0) return null;
  return `${whose} ${projects.length === 1 ? 'project' : `${projects.length} projects`} now belong${projects.length === 1 ? 's' : ''} to the workspace owner: ${projects.map((p) => `"${p.name}"`).join(', ')}.`;
}

/** `atrium people list|invite|role|remove|leave`. */
export function peopleCommands(program: Command, cli: Cli): void {
  const people = program.command('people').description('See, invite and manage the people of a workspace, or leave it');

  people
    .command('list')
    .description('List the members of a workspace (and, for members and up, pending invitations)')
    .option('--workspace <workspace>', 'the workspace id or name (picked from a list when missing)')
    .addOption(
      new Option('--role <roles>', 'only these roles: viewer, member, admin, owner (comma-separated)').argParser(
        parse.list(['VIEWER', 'MEMBER', 'ADMIN', 'OWNER'], '--role'),
      ),
    )
    .addOption(
      new Option('--status <statuses>', 'only these statuses: active, invited, expired (comma-separated)').argParser(
        parse.list(['ACTIVE', 'INVITED', 'EXPIRED'], '--status'),
      ),
    )
    .option('--search <text>', 'only names or emails containing this')
    .addOption(new Option('--sort <field>', 'name, email, role, status or created; add :desc (or a leading -) to reverse').argParser(parseSort))
    .action(
      async (opts: { workspace?: string; role?: string[]; status?: string[]; search?: string; sort?: { field: string; direction: string } }, cmd: Command) => {
        const api = cli.api();
        const id = await chooseWorkspace(cli, api, opts.workspace, '--workspace');
        const filter = { roles: opts.role ?? null, statuses: opts.status ?? null, search: opts.search ?? null };
        const rows = await allPages<Person>(async (after) => {
          const { workspace } = await api.request(PEOPLE, { id, after, filter, orderBy: opts.sort ?? null });
          return workspace.people;
        });
        if (cmd.optsWithGlobals().json) return cli.out(JSON.stringify(rows, null, 2));
        cli.out(
          table(
            rows,
            [
              { header: 'NAME', value: (p) => p.name },
              { header: 'EMAIL', value: (p) => p.email },
              { header: 'ROLE', value: (p) => lower(p.role) },
              { header: 'STATUS', value: (p) => lower(p.status) },
              { header: 'SINCE', value: (p) => shortDate(p.createdAt) },
              { header: 'ID', value: (p) => p.id },
            ],
            'Nobody matches.',
          ),
        );
      },
    );

  people
    .command('invite')
    .description('Invite people by email; prints one result line per address')
    .argument('[emails...]', 'addresses to invite (1–50; asked for when none are given)')
    .option('--workspace <workspace>', 'the workspace id or name (picked from a list when missing)')
    .addOption(new Option('--role <role>', 'the role they get: viewer, member or admin').argParser(parse.role).default('MEMBER', 'member'))
    .option('--message <text>', 'a note included in the invitation email')
    .action(async (emails: string[], opts: { workspace?: string; role: string; message?: string }, cmd: Command) => {
      const api = cli.api();
      const id = await chooseWorkspace(cli, api, opts.workspace, '--workspace', 'Invite to which workspace?');
      let addresses = emails
        .flatMap((e) => e.split(','))
        .map((e) => e.trim())
        .filter(Boolean);
      if (addresses.length === 0) {
        const typed = await cli.prompter.input({ message: 'Email addresses (separated by spaces or commas)', flag: '<emails...>', required: true });
        addresses = typed.split(/[\s,;]+/).filter(Boolean);
      }
      if (addresses.length > 50) throw new UsageError(`At most 50 addresses at once; you gave ${addresses.length}.`);
      const { inviteMembers } = await api.request(INVITE, { input: { workspaceId: id, emails: addresses, role: opts.role, message: opts.message ?? null } });
      const results = inviteMembers.results as InviteResult[];
      if (cmd.optsWithGlobals().json) return cli.out(JSON.stringify(inviteMembers, null, 2));
      const width = Math.max(...results.map((r) => r.email.length));
      const statusWidth = Math.max(...results.map((r) => r.status.length));
      for (const r of results) cli.out(`${r.email.padEnd(width)}  ${r.status.padEnd(statusWidth)}  ${r.message}`.trimEnd());
      cli.note(`Invited ${inviteMembers.invitedCount} of ${results.length} as ${lower(opts.role)}.`);
    });

  people
    .command('role')
    .description("Change a member's role (admins and the owner); shows the change and asks to confirm")
    .argument('[member]', 'the member: email, exact name or id (picked from a list when missing)')
    .argument('[role]', 'the new role: viewer, member or admin (asked for when missing)', parse.memberRole)
    .option('--workspace <workspace>', 'the workspace id or name (picked from a list when missing)')
    .option('-y, --yes', 'apply without asking to confirm')
    .action(async (ref: string | undefined, role: string | undefined, opts: { workspace?: string; yes?: boolean }, cmd: Command) => {
      const api = cli.api();
      const workspace = await workspaceDetails(api, await chooseWorkspace(cli, api, opts.workspace, '--workspace', 'In which workspace?'));
      requirePermission(workspace, 'workspace.member.role.change', `change roles in workspace "${workspace.name}"`, 'admin or owner');
      const target = await chooseMember(cli, api, workspace, ref, {
        message: 'Whose role do you want to change?',
        offer: (m) => !m.isViewer && m.role !== 'OWNER',
        none: `There is nobody in workspace "${workspace.name}" whose role you can change.`,
      });
      // The server refuses these two as well; saying so before the confirmation saves a pointless question.
      if (target.isViewer) throw refusal('You cannot change your own role; ask another admin or the owner.', 'CANNOT_CHANGE_OWN_ROLE');
      if (target.role === 'OWNER')
        throw refusal(
          `${label(target)} owns workspace "${workspace.name}"; the owner's role cannot be changed (the owner can transfer ownership).`,
          'CANNOT_CHANGE_OWNER_ROLE',
        );
      const wanted =
        role ?? (await cli.prompter.select({ message: `New role for ${label(target)}`, flag: '<role>', default: target.role, choices: ROLE_CHOICES }));
      if (wanted === target.role) {
        if (wantsJson(cmd)) return cli.out(JSON.stringify({ id: target.id, name: target.name, email: target.email, role: target.role }, null, 2));
        return cli.out(`${label(target)} is already ${lower(wanted)} in workspace "${workspace.name}"; nothing to change.`);
      }
      cli.note(`Role of ${label(target)} in workspace "${workspace.name}": ${lower(target.role)} → ${lower(wanted)}`);
      if (!opts.yes && !(await cli.prompter.confirm({ message: 'Change the role?', flag: '--yes', default: false }))) {
        throw new CliError('Aborted; nothing was changed.');
      }
      const { changeMemberRole: m } = await api.request(CHANGE_ROLE, { input: { memberId: target.id, role: wanted } });
      if (wantsJson(cmd)) return cli.out(JSON.stringify(m, null, 2));
      cli.out(`${label(m)} is now ${lower(m.role)} in workspace "${workspace.name}".`);
    });

  people
    .command('remove')
    .description('Remove a member from a workspace (admins and the owner); their projects pass to the owner')
    .argument('[member]', 'the member: email, exact name or id (picked from a list when missing)')
    .option('--workspace <workspace>', 'the workspace id or name (picked from a list when missing)')
    .option('-y, --yes', 'remove without asking to confirm')
    .action(async (ref: string | undefined, opts: { workspace?: string; yes?: boolean }, cmd: Command) => {
      const api = cli.api();
      const workspace = await workspaceDetails(api, await chooseWorkspace(cli, api, opts.workspace, '--workspace', 'Remove someone from which workspace?'));
      // Refused here rather than by a request: removing must never happen without the confirmation.
      requirePermission(workspace, 'workspace.member.remove', `remove members of workspace "${workspace.name}"`, 'admin or owner');
      const target = await chooseMember(cli, api, workspace, ref, {
        message: 'Whom do you want to remove?',
        offer: (m) => !m.isViewer && m.role !== 'OWNER',
        none: `There is nobody in workspace "${workspace.name}" you can remove.`,
      });
      if (target.isViewer) throw refusal('You cannot remove yourself; leave the workspace instead (`atrium people leave`).', 'CANNOT_REMOVE_SELF');
      if (target.role === 'OWNER') throw refusal(`${label(target)} owns workspace "${workspace.name}"; the owner cannot be removed.`, 'CANNOT_REMOVE_OWNER');
      if (!opts.yes) {
        cli.note(
          `This removes ${label(target)} (${lower(target.role)}) from workspace "${workspace.name}": they lose access at once, their projects pass to the owner and the invitations they sent are revoked.`,
        );
        if (!(await cli.prompter.confirm({ message: `Remove ${label(target)}?`, flag: '--yes', default: false })))
          throw new CliError('Aborted; nobody was removed.');
      }
      const { removeMember: result } = await api.request(REMOVE, { memberId: target.id });
      if (wantsJson(cmd)) return cli.out(JSON.stringify(result, null, 2));
      cli.out(`Removed ${label(target)} from workspace "${workspace.name}".`);
      const moved = reassigned(result.reassignedProjects, 'Their');
      if (moved) cli.out(moved);
    });

  people
    .command('leave')
    .description('Leave a workspace (anyone but its owner); your projects there pass to the owner')
    .option('--workspace <workspace>', 'the workspace id or name (picked from a list when missing)')
    .option('-y, --yes', 'leave without asking to confirm')
    .action(async (opts: { workspace?: string; yes?: boolean }, cmd: Command) => {
      const api = cli.api();
      const workspace = await workspaceDetails(api, await chooseWorkspace(cli, api, opts.workspace, '--workspace', 'Which workspace do you want to leave?'));
      if (!workspace.viewerRole) throw new CliError(`You are not a member of workspace "${workspace.name}".`, EXIT.NOT_FOUND, ['code: NOT_FOUND']);
      if (workspace.viewerRole === 'OWNER') {
        throw refusal(
          `You own workspace "${workspace.name}"; the owner cannot leave. Transfer ownership to another member first, or remove the workspace.`,
          'OWNER_CANNOT_LEAVE',
        );
      }
      if (!opts.yes) {
        cli.note(
          `This ends your membership of workspace "${workspace.name}" (${lower(workspace.viewerRole)}): you lose access at once and your projects there pass to the owner.`,
        );
        if (!(await cli.prompter.confirm({ message: `Leave workspace "${workspace.name}"?`, flag: '--yes', default: false })))
          throw new CliError('Aborted; you are still a member.');
      }
      const { leaveWorkspace: result } = await api.request(LEAVE, { workspaceId: workspace.id });
      if (wantsJson(cmd)) return cli.out(JSON.stringify(result, null, 2));
      cli.out(`You left workspace "${workspace.name}".`);
      const moved = reassigned(result.reassignedProjects, 'Your');
      if (moved) cli.out(moved);
    });
}
