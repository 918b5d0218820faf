import { Command } from 'commander';
import type { Api } from './client';
import { allPages, chooseWorkspace, lower, requirePermission, UUID, wantsJson, workspaceDetails, type Cli } from './context';
import { CliError, EXIT, UsageError } from './errors';
import { shortDate } from './table';

const PENDING = `query($id: ID!, $after: String, $search: String) {
  workspace(id: $id) {
    people(first: 100, after: $after, filter: { statuses: [INVITED, EXPIRED], search: $search }, orderBy: { field: EMAIL, direction: ASC }) {
      totalCount pageInfo { hasNextPage endCursor }
      edges { node { ... on Invitation { id email role status expiresAt sentCount } } }
    }
  }
}`;
const FIELDS = 'id email role state status expiresAt lastSentAt sentCount workspace { id name }';
const RESEND = `mutation($id: ID!) { resendInvitation(id: $id) { ${FIELDS} } }`;
const REVOKE = `mutation($id: ID!) { revokeInvitation(id: $id) { ${FIELDS} } }`;

interface PendingInvitation {
  id: string;
  email: string;
  role: string;
  status: 'INVITED' | 'EXPIRED';
  expiresAt: string;
  sentCount: number;
}
interface Invitation extends PendingInvitation {
  state: string;
  lastSentAt: string;
  workspace: { id: string; name: string };
}

/** What a command knows of the invitation before sending: everything, or only the id it was given. */
type Target = { id: string; invitation?: PendingInvitation; workspaceName?: string };

const describe = (i: PendingInvitation) =>
  `${i.email} (${lower(i.role)}, ${i.status === 'EXPIRED' ? `expired ${shortDate(i.expiresAt)}` : `expires ${shortDate(i.expiresAt)}`}, sent ${i.sentCount}×)`;

function pending(api: Api, workspaceId: string, search?: string): Promise<PendingInvitation[]> {
  return allPages(async (after) => (await api.request(PENDING, { id: workspaceId, after, search: search ?? null })).workspace.people);
}

/**
 * The invitation a command acts on. An id with no --workspace goes to the server as it is (an id
 * names one invitation anywhere); otherwise the workspace is chosen, the caller's permission checked,
 * and `ref` (an id or the invited address) looked up among its pending invitations, or picked from them.
 */
async function chooseInvitation(
  cli: Cli,
  api: Api,
  opts: { workspace?: string },
  ref: string | undefined,
  q: { permission: string; what: string; message: string },
): Promise<Target> {
  const wanted = ref?.trim();
  if (ref !== undefined && !wanted) throw new UsageError('<invitation> needs an invitation id or an email address.');
  if (wanted && UUID.test(wanted) && opts.workspace === undefined) return { id: wanted.toLowerCase() };
  const workspace = await workspaceDetails(api, await chooseWorkspace(cli, api, opts.workspace, '--workspace'));
  requirePermission(workspace, q.permission, `${q.what} invitations of workspace "${workspace.name}"`, 'member or higher');
  if (wanted) {
    const byId = UUID.test(wanted);
    const found = (await pending(api, workspace.id, byId ? undefined : wanted)).find((i) =>
      byId ? i.id === wanted.toLowerCase() : i.email.toLowerCase() === wanted.toLowerCase(),
    );
    if (!found)
      throw new CliError(
        `Workspace "${workspace.name}" has no pending invitation ${byId ? 'with id ' : 'for '}${wanted} (see \`atrium people list --status invited,expired\`).`,
        EXIT.NOT_FOUND,
      );
    return { id: found.id, invitation: found, workspaceName: workspace.name };
  }
  const all = await pending(api, workspace.id);
  if (all.length === 0) throw new CliError(`Workspace "${workspace.name}" has no pending invitations.`, EXIT.NOT_FOUND);
  const picked = await cli.prompter.select({
    message: q.message,
    flag: '<invitation>',
    choices: all.map((i) => ({ name: describe(i), value: i, description: i.id })),
  });
  return { id: picked.id, invitation: picked, workspaceName: workspace.name };
}

/** `atrium invitation resend|revoke`. */
export function invitationCommands(program: Command, cli: Cli): void {
  const invitation = program
    .command('invitation')
    .alias('invitations')
    .description('Resend or revoke pending invitations (invite people with `atrium people invite`)');

  invitation
    .command('resend')
    .description('Send a pending or expired invitation again, with a new link and expiry (the old link stops working)')
    .argument('[invitation]', 'the invitation id, or the invited address (picked from a list when missing)')
    .option('--workspace <workspace>', 'the workspace id or name (picked from a list when missing; not needed with an id)')
    .action(async (ref: string | undefined, opts: { workspace?: string }, cmd: Command) => {
      const api = cli.api();
      const target = await chooseInvitation(cli, api, opts, ref, {
        permission: 'workspace.invitation.resend',
        what: 'resend',
        message: 'Which invitation do you want to send again?',
      });
      const { resendInvitation: i } = (await api.request(RESEND, { id: target.id })) as { resendInvitation: Invitation };
      if (wantsJson(cmd)) return cli.out(JSON.stringify(i, null, 2));
      cli.out(
        `Sent the invitation for ${i.email} to workspace "${i.workspace.name}" again (${i.sentCount} sends); the new link works until ${shortDate(i.expiresAt)} UTC and the old one no longer does.`,
      );
    });

  invitation
    .command('revoke')
    .description('End a pending invitation; its link stops working. Asks to confirm')
    .argument('[invitation]', 'the invitation id, or the invited address (picked from a list when missing)')
    .option('--workspace <workspace>', 'the workspace id or name (picked from a list when missing; not needed with an id)')
    .option('-y, --yes', 'revoke without asking to confirm')
    .action(async (ref: string | undefined, opts: { workspace?: string; yes?: boolean }, cmd: Command) => {
      const api = cli.api();
      const target = await chooseInvitation(cli, api, opts, ref, {
        permission: 'workspace.invitation.revoke',
        what: 'revoke',
        message: 'Which invitation do you want to revoke?',
      });
      if (!opts.yes) {
        const what = target.invitation ? `the invitation for ${describe(target.invitation)} to workspace "${target.workspaceName}"` : `invitation ${target.id}`;
        cli.note(`This revokes ${what}: its link stops working.`);
        if (!(await cli.prompter.confirm({ message: 'Revoke the invitation?', flag: '--yes', default: false })))
          throw new CliError('Aborted; the invitation still stands.');
      }
      const { revokeInvitation: i } = (await api.request(REVOKE, { id: target.id })) as { revokeInvitation: Invitation };
      if (wantsJson(cmd)) return cli.out(JSON.stringify(i, null, 2));
      cli.out(`Revoked the invitation for ${i.email} to workspace "${i.workspace.name}"; its link no longer works.`);
    });
}
