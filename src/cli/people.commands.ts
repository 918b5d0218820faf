import { Command, InvalidArgumentError, Option } from 'commander';
import { allPages, chooseWorkspace, parse, type Cli } from './context';
import { UsageError } from './errors';
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

interface Person { __typename: string; id: string; name: string | null; email: string | null; role: string; status: string; createdAt: string }
interface InviteResult { email: string; status: string; message: string; invitation: { id: string; expiresAt: string } | null }

const SORT_FIELDS: Record<string, string> = { name: 'NAME', email: 'EMAIL', role: 'ROLE', status: 'STATUS', created: 'CREATED_AT', created_at: 'CREATED_AT', createdat: 'CREATED_AT' };

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

const lower = (s: string | null | undefined) => (s ? s.toLowerCase() : '-');

/** `atrium people list|invite`. */
export function peopleCommands(program: Command, cli: Cli): void {
  const people = program.command('people').description('See and invite the people of a workspace');

  people
    .command('list')
    .description('List the members of a workspace (and, for members and up, pending invitations)')
    .option('--workspace <workspace>', 'the workspace id or name (picked from a list when missing)')
    .addOption(new Option('--role <roles>', 'only these roles: viewer, member, admin, owner (comma-separated)').argParser(parse.list(['VIEWER', 'MEMBER', 'ADMIN', 'OWNER'], '--role')))
    .addOption(new Option('--status <statuses>', 'only these statuses: active, invited, expired (comma-separated)').argParser(parse.list(['ACTIVE', 'INVITED', 'EXPIRED'], '--status')))
    .option('--search <text>', 'only names or emails containing this')
    .addOption(new Option('--sort <field>', 'name, email, role, status or created; add :desc (or a leading -) to reverse').argParser(parseSort))
    .action(async (opts: { workspace?: string; role?: string[]; status?: string[]; search?: string; sort?: { field: string; direction: string } }, cmd: Command) => {
      const api = cli.api();
      const id = await chooseWorkspace(cli, api, opts.workspace, '--workspace');
      const filter = { roles: opts.role ?? null, statuses: opts.status ?? null, search: opts.search ?? null };
      const rows = await allPages<Person>(async (after) => {
        const { workspace } = await api.request(PEOPLE, { id, after, filter, orderBy: opts.sort ?? null });
        return workspace.people;
      });
      if (cmd.optsWithGlobals().json) return cli.out(JSON.stringify(rows, null, 2));
      cli.out(
        table(rows, [
          { header: 'NAME', value: (p) => p.name },
          { header: 'EMAIL', value: (p) => p.email },
          { header: 'ROLE', value: (p) => lower(p.role) },
          { header: 'STATUS', value: (p) => lower(p.status) },
          { header: 'SINCE', value: (p) => shortDate(p.createdAt) },
          { header: 'ID', value: (p) => p.id },
        ], 'Nobody matches.'),
      );
    });

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
      let addresses = emails.flatMap((e) => e.split(',')).map((e) => e.trim()).filter(Boolean);
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
}
