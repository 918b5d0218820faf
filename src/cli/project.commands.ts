import { Command, Option } from 'commander';
import { allPages, chooseWorkspace, parse, type Cli } from './context';
import { shortDate, table } from './table';

const PROJECTS = `query($id: ID!, $after: String) {
  workspace(id: $id) {
    projects(first: 100, after: $after, orderBy: { field: NAME, direction: ASC }) {
      totalCount pageInfo { hasNextPage endCursor }
      edges { node { id name visibility viewerRole createdAt owner { name } } }
    }
  }
}`;
const CREATE = `mutation($input: CreateProjectInput!) {
  createProject(input: $input) { id name description visibility viewerRole createdAt workspace { id name } }
}`;

interface Project {
  id: string;
  name: string;
  visibility: string;
  viewerRole: string | null;
  createdAt: string;
  owner: { name: string | null } | null;
}

const lower = (s: string | null | undefined) => (s ? s.toLowerCase() : '-');

/** `atrium project list|create`. */
export function projectCommands(program: Command, cli: Cli): void {
  const project = program.command('project').alias('projects').description('List and create the projects of a workspace');

  project
    .command('list')
    .description('List the projects of a workspace you can see')
    .option('--workspace <workspace>', 'the workspace id or name (picked from a list when missing)')
    .action(async (opts: { workspace?: string }, cmd: Command) => {
      const api = cli.api();
      const id = await chooseWorkspace(cli, api, opts.workspace, '--workspace');
      const rows = await allPages<Project>(async (after) => (await api.request(PROJECTS, { id, after })).workspace.projects);
      if (cmd.optsWithGlobals().json) return cli.out(JSON.stringify(rows, null, 2));
      cli.out(
        table(
          rows,
          [
            { header: 'ID', value: (p) => p.id },
            { header: 'NAME', value: (p) => p.name },
            { header: 'VISIBILITY', value: (p) => lower(p.visibility) },
            { header: 'YOUR ROLE', value: (p) => (p.viewerRole ? lower(p.viewerRole) : 'guest') },
            { header: 'OWNER', value: (p) => p.owner?.name },
            { header: 'CREATED', value: (p) => shortDate(p.createdAt) },
          ],
          'No projects yet. Create one with `atrium project create`.',
        ),
      );
    });

  project
    .command('create')
    .description('Create a project in a workspace; you become its owner')
    .option('--workspace <workspace>', 'the workspace id or name (picked from a list when missing)')
    .option('--name <name>', 'the project name (asked for when missing)')
    .option('--description <markdown>', 'a Markdown description', '')
    .addOption(new Option('--visibility <visibility>', 'private or public').argParser(parse.visibility).default('PRIVATE', 'private'))
    .action(async (opts: { workspace?: string; name?: string; description: string; visibility: string }, cmd: Command) => {
      const api = cli.api();
      const workspaceId = await chooseWorkspace(cli, api, opts.workspace, '--workspace', 'Create the project in which workspace?');
      const name = opts.name ?? (await cli.prompter.input({ message: 'Project name', flag: '--name', required: true }));
      const { createProject: p } = await api.request(CREATE, { input: { workspaceId, name, description: opts.description, visibility: opts.visibility } });
      if (cmd.optsWithGlobals().json) return cli.out(JSON.stringify(p, null, 2));
      cli.out(`Created project "${p.name}" (${p.id}) in workspace "${p.workspace.name}", ${lower(p.visibility)}.`);
    });
}
