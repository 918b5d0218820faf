import fs from 'node:fs';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { authCommands } from './auth.commands';
import { createCli } from './context';
import { CliError, EXIT, EXIT_CODES_HELP } from './errors';
import { peopleCommands } from './people.commands';
import { projectCommands } from './project.commands';
import { invitationCommands } from './invitation.commands';
import { inquirerPrompter, noInputPrompter, type Prompter } from './prompts';
import { tokenCommands } from './token.commands';
import { workspaceCommands } from './workspace.commands';

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  /** Replaces the terminal prompts, e.g. with scripted answers in tests. */
  prompter?: Prompter;
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
}

const ENVIRONMENT_HELP = `Environment:
  ATRIUM_URL        server URL; overrides the stored one
  ATRIUM_TOKEN      bearer token (session or personal access token); overrides the stored one
  ATRIUM_PASSWORD   password for \`atrium login\`, instead of asking
  XDG_CONFIG_HOME   where the config lives: $XDG_CONFIG_HOME/atrium/config.json (default ~/.config/atrium/config.json)`;

/** The version in the repository's package.json, from src/cli or from dist/src/cli. */
function packageVersion(): string {
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, rel), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'atrium' && pkg.version) return pkg.version;
    } catch {
      // try the next place
    }
  }
  return 'unknown';
}

/** Builds the `atrium` command tree. */
export function buildProgram(options: RunOptions = {}): Command {
  const env = options.env ?? process.env;
  const stdout = options.stdout ?? ((text: string) => void process.stdout.write(text));
  const stderr = options.stderr ?? ((text: string) => void process.stderr.write(text));
  const program = new Command('atrium');
  program
    .description('Command-line client for the Atrium GraphQL API: workspaces, people, invitations, projects and access tokens')
    .version(packageVersion(), '-V, --version')
    .option('--json', 'print results as JSON instead of tables')
    .option('--no-input', 'never ask; a missing value is a usage error (exit code 2)')
    .exitOverride()
    .configureOutput({ writeOut: stdout, writeErr: stderr })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', `\n${ENVIRONMENT_HELP}\n\n${EXIT_CODES_HELP}\n`);

  const interactive = options.prompter ?? inquirerPrompter();
  const prompter: Prompter = {
    input: (q) => (program.opts().input === false ? noInputPrompter : interactive).input(q),
    password: (q) => (program.opts().input === false ? noInputPrompter : interactive).password(q),
    select: (q) => (program.opts().input === false ? noInputPrompter : interactive).select(q),
    confirm: (q) => (program.opts().input === false ? noInputPrompter : interactive).confirm(q),
  };
  const cli = createCli({ env, prompter, out: (text) => stdout(`${text}\n`), note: (text) => stderr(`${text}\n`) });
  authCommands(program, cli);
  workspaceCommands(program, cli);
  peopleCommands(program, cli);
  invitationCommands(program, cli);
  projectCommands(program, cli);
  tokenCommands(program, cli);
  return program;
}

/**
 * Runs one `atrium …` invocation and returns its exit code (see EXIT_CODES_HELP). Never throws and
 * never prints a stack trace: errors become one message (plus the server's reason and fields).
 */
export async function run(argv: string[], options: RunOptions = {}): Promise<number> {
  const stderr = options.stderr ?? ((text: string) => void process.stderr.write(text));
  const program = buildProgram(options);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.OK;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0) return EXIT.OK;
      return EXIT.USAGE;
    }
    if (e instanceof CliError) {
      stderr(`Error: ${e.message}\n`);
      for (const line of e.details) stderr(`  ${line}\n`);
      return e.exitCode;
    }
    stderr(`Error: ${e instanceof Error ? e.message : String(e)}\n`);
    if ((options.env ?? process.env).ATRIUM_DEBUG && e instanceof Error && e.stack) stderr(`${e.stack}\n`);
    return EXIT.GENERIC;
  }
}

if (require.main === module) {
  run(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
    // An answered prompt can leave stdin flowing; let the process end once output is flushed.
    process.stdin.unref?.();
    if (process.stdin.isTTY) process.stdin.pause();
  });
}
