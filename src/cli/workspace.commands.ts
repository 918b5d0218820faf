import { Command, Option } from 'commander';
import {
  allPages,
  chooseWorkspace,
  lower,
  parse,
  requirePermission,
  UUID,
  wantsJson as json,
  workspaceDetails,
  type Cli,
  type WorkspaceSummary,
} from './context';
import { CliError, EXIT, UsageError } from './errors';
import { shortDate, table } from './table';

const WORKSPACES = `query($after: String, $filter: WorkspaceFilter) {
  workspaces(first: 100, after: $after, filter: $filter, orderBy: { field: NAME, direction: ASC }) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id name visibility viewerRole createdAt } }
  }
}`;
const CREATE = `mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { id name description visibility viewerRole createdAt } }`;
const UPDATE = `mutation($input: UpdateWorkspaceInput!) { updateWorkspace(input: $input) { id name description visibility viewerRole modifiedAt } }`;
const REMOVE = `mutation($id: ID!) { removeWorkspace(id: $id) { id name removedAt purgeAt } }`;
const REMOVED = `{ me { removedWorkspaces { id name visibility removedAt purgeAt } } }`;
const RESTORE = `mutation($id: ID!) { restoreWorkspace(id: $id) { id name visibility viewerRole removedAt purgeAt } }`;

interface RemovedWorkspace {
  id: string;
  name: string;
  visibility: string;
  removedAt: string;
  purgeAt: string;
}
type Editable = 'name' | 'description' | 'visibility';

const visibilityOption = () => new Option('--visibility <visibility>', 'private or public').argParser(parse.visibility);
const show = (value: string) =>
  value === '' ? '(empty)' : JSON.stringify(value).length > 62 ? `${JSON.stringify(value).slice(0, 60)}…"` : JSON.stringify(value);

/** The removed workspaces the caller owns that can still be restored. */
async function removedWorkspaces(cli: Cli): Promise<RemovedWorkspace[]> {
  const { me } = await cli.api().request(REMOVED);
  if (!me) throw new CliError('You are not signed in.', EXIT.UNAUTHENTICATED);
  return me.removedWorkspaces;
}

/**
 * The removed workspace to restore: an id goes to the server as it is (platform admins restore
 * workspaces they do not own), a name is looked up among the caller's removed workspaces, and
 * without either the caller picks one of them.
 */
async function chooseRemovedWorkspace(cli: Cli, ref: string | undefined): Promise<string> {
  const wanted = ref?.trim();
  if (ref !== undefined && !wanted) throw new UsageError('--id needs a workspace id or name.');
  if (wanted && UUID.test(wanted)) return wanted;
  const removed = await removedWorkspaces(cli);
  if (wanted) {
    const matches = removed.filter((w) => w.name.toLowerCase() === wanted.toLowerCase());
    if (matches.length === 1) return matches[0].id;
    if (matches.length === 0)
      throw new CliError(
        `You own no removed workspace named "${wanted}" that can still be restored (see \`atrium workspace list --removed\`).`,
        EXIT.NOT_FOUND,
      );
    throw new UsageError(`You own ${matches.length} removed workspaces named "${wanted}"; pass its id with --id (see \`atrium workspace list --removed\`).`);
  }
  if (removed.length === 0) throw new CliError('You own no removed workspace that can still be restored.', EXIT.NOT_FOUND);
  return cli.prompter.select({
    message: 'Which workspace do you want to restore?',
    flag: '--id',
    choices: removed.map((w) => ({
      name: `${w.name} (removed ${shortDate(w.removedAt)}, restorable until ${shortDate(w.purgeAt)} UTC)`,
      value: w.id,
      description: w.id,
    })),
  });
}

/** `atrium workspace list|create|change|remove|restore`. */
export function workspaceCommands(program: Command, cli: Cli): void {
  const ws = program.command('workspace').alias('workspaces').description('List, create, change, remove and restore workspaces');

  ws.command('list')
    .description('List your workspaces')
    .option('--all', 'also list public workspaces you are not a member of')
    .addOption(new Option('--removed', 'list the removed workspaces you own that can still be restored').conflicts('all'))
    .action(async (opts: { all?: boolean; removed?: boolean }, cmd: Command) => {
      if (opts.removed) {
        const removed = await removedWorkspaces(cli);
        if (json(cmd)) return cli.out(JSON.stringify(removed, null, 2));
        return cli.out(
          table(
            removed,
            [
              { header: 'ID', value: (w) => w.id },
              { header: 'NAME', value: (w) => w.name },
              { header: 'REMOVED', value: (w) => shortDate(w.removedAt) },
              { header: 'RESTORABLE UNTIL', value: (w) => shortDate(w.purgeAt) },
            ],
            'You own no removed workspace that can still be restored.',
          ),
        );
      }
      const api = cli.api();
      const filter = opts.all ? null : { isMember: true };
      const rows = await allPages<WorkspaceSummary>(async (after) => (await api.request(WORKSPACES, { after, filter })).workspaces);
      if (json(cmd)) return cli.out(JSON.stringify(rows, null, 2));
      cli.out(
        table(
          rows,
          [
            { header: 'ID', value: (w) => w.id },
            { header: 'NAME', value: (w) => w.name },
            { header: 'VISIBILITY', value: (w) => lower(w.visibility) },
            { header: 'YOUR ROLE', value: (w) => (w.viewerRole ? lower(w.viewerRole) : 'guest') },
            { header: 'CREATED', value: (w) => shortDate(w.createdAt) },
          ],
          'You are not a member of any workspace yet. Create one with `atrium workspace create`.',
        ),
      );
    });

  ws.command('create')
    .description('Create a workspace; you become its owner')
    .option('--name <name>', 'the workspace name (asked for when missing)')
    .option('--description <markdown>', 'a Markdown description', '')
    .addOption(visibilityOption())
    .action(async (opts: { name?: string; description: string; visibility?: string }, cmd: Command) => {
      const api = cli.api();
      const name = opts.name ?? (await cli.prompter.input({ message: 'Workspace name', flag: '--name', required: true }));
      const visibility =
        opts.visibility ??
        (opts.name === undefined
          ? await cli.prompter.select({
              message: 'Visibility',
              flag: '--visibility',
              default: 'PRIVATE',
              choices: [
                { name: 'private (members only)', value: 'PRIVATE' },
                { name: 'public (anyone can view)', value: 'PUBLIC' },
              ],
            })
          : 'PRIVATE');
      const { createWorkspace: w } = await api.request(CREATE, { input: { name, description: opts.description, visibility } });
      if (json(cmd)) return cli.out(JSON.stringify(w, null, 2));
      cli.out(`Created workspace "${w.name}" (${w.id}), ${lower(w.visibility)}. You are its owner.`);
    });

  ws.command('change')
    .description("Change a workspace's name, description or visibility; asks for whatever is missing")
    .option('--id <workspace>', 'the workspace id or name (picked from a list when missing)')
    .option('--name <name>', 'the new name')
    .option('--description <markdown>', 'the new Markdown description')
    .addOption(visibilityOption())
    .option('-y, --yes', 'apply without asking to confirm')
    .action(async (opts: { id?: string; name?: string; description?: string; visibility?: string; yes?: boolean }, cmd: Command) => {
      const api = cli.api();
      const id = await chooseWorkspace(cli, api, opts.id, '--id', 'Which workspace do you want to change?');
      const current = await workspaceDetails(api, id);
      const wanted: Partial<Record<Editable, string>> = { name: opts.name, description: opts.description, visibility: opts.visibility };
      if (!current.viewerPermissions.includes('workspace.info.edit')) {
        // Asking questions whose answers will be refused helps nobody: send the request now and let the
        // server explain (the shield refuses it before anything is read or written).
        const input = Object.fromEntries(Object.entries({ id, ...wanted }).filter(([, v]) => v !== undefined));
        const { updateWorkspace: w } = await api.request(UPDATE, { input: Object.keys(input).length > 1 ? input : { id, name: current.name } });
        // Only reached when the caller's role was raised in the meantime.
        if (json(cmd)) return cli.out(JSON.stringify(w, null, 2));
        return cli.out(`Updated workspace "${w.name}" (${w.id}).`);
      }
      if (opts.name === undefined && opts.description === undefined && opts.visibility === undefined) {
        wanted.name = await cli.prompter.input({ message: 'Name', flag: '--name', default: current.name, required: true });
        if (current.description.includes('\n')) cli.note('The description has several lines; change it with --description.');
        else
          wanted.description = await cli.prompter.input({
            message: 'Description (Markdown)',
            flag: '--description',
            default: current.description || undefined,
          });
        wanted.visibility = await cli.prompter.select({
          message: 'Visibility',
          flag: '--visibility',
          default: current.visibility,
          choices: [
            { name: 'private (members only)', value: 'PRIVATE' },
            { name: 'public (anyone can view)', value: 'PUBLIC' },
          ],
        });
      }
      const changes = (Object.keys(wanted) as Editable[]).filter((k) => wanted[k] !== undefined && wanted[k] !== current[k]);
      if (changes.length === 0) {
        cli.out(`Nothing to change in workspace "${current.name}".`);
        return;
      }
      const width = Math.max(...changes.map((k) => k.length)) + 1;
      cli.note(`Changes to workspace "${current.name}" (${current.id}):`);
      for (const k of changes) {
        const [from, to] = k === 'visibility' ? [lower(current[k]), lower(wanted[k])] : [show(current[k]), show(wanted[k]!)];
        cli.note(`  ${`${k}:`.padEnd(width)} ${from} → ${to}`);
      }
      if (!opts.yes && !(await cli.prompter.confirm({ message: 'Apply these changes?', flag: '--yes', default: false }))) {
        throw new CliError('Aborted; nothing was changed.');
      }
      const input: Record<string, string> = { id };
      for (const k of changes) input[k] = wanted[k]!;
      const { updateWorkspace: w } = await api.request(UPDATE, { input });
      if (json(cmd)) return cli.out(JSON.stringify(w, null, 2));
      cli.out(`Updated workspace "${w.name}" (${w.id}).`);
    });

  ws.command('remove')
    .description('Remove a workspace for everyone; its owner can restore it for a while')
    .option('--id <workspace>', 'the workspace id or name (picked from a list when missing)')
    .option('-y, --yes', 'remove without asking to type the name')
    .action(async (opts: { id?: string; yes?: boolean }, cmd: Command) => {
      const api = cli.api();
      const id = await chooseWorkspace(cli, api, opts.id, '--id', 'Which workspace do you want to remove?');
      const current = await workspaceDetails(api, id);
      // Refused here rather than by a request: removing must never happen without the confirmation.
      requirePermission(current, 'workspace.remove', `remove workspace "${current.name}"`, 'admin or owner');
      if (!opts.yes) {
        cli.note(`This removes workspace "${current.name}" (${current.id}) and everything in it for all its members.`);
        const typed = await cli.prompter.input({ message: `Type the workspace name (${current.name}) to confirm`, flag: '--yes' });
        if (typed.trim() !== current.name) throw new CliError('The name did not match; nothing was removed.');
      }
      const { removeWorkspace: w } = await api.request(REMOVE, { id });
      if (json(cmd)) return cli.out(JSON.stringify(w, null, 2));
      cli.out(`Removed workspace "${w.name}" (${w.id}).${w.purgeAt ? ` Its owner can restore it until ${shortDate(w.purgeAt)} UTC.` : ''}`);
    });

  ws.command('restore')
    .description('Restore a removed workspace before it is deleted for good (its owner, or a platform admin)')
    .option('--id <workspace>', 'the workspace id, or the name of one you own (picked from your removed workspaces when missing)')
    .action(async (opts: { id?: string }, cmd: Command) => {
      const id = await chooseRemovedWorkspace(cli, opts.id);
      const { restoreWorkspace: w } = await cli.api().request(RESTORE, { id });
      if (json(cmd)) return cli.out(JSON.stringify(w, null, 2));
      cli.out(`Restored workspace "${w.name}" (${w.id}); it is back for all its members.`);
    });
}
