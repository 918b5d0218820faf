import { Command } from 'commander';
import { Api, endpointUrl } from './client';
import { readConfig, writeConfig, type StoredConfig } from './config';
import type { Cli } from './context';
import { ApiError, CliError, EXIT } from './errors';

const SIGN_IN = `mutation($input: SignInInput!) { signIn(input: $input) { token expiresAt me { id name email } } }`;
const ME = `{ me { id name email platformRole } }`;

/** `atrium login`, `atrium logout`, `atrium whoami`. */
export function authCommands(program: Command, cli: Cli): void {
  program
    .command('login')
    .description('Sign in and store the token in your config directory (mode 0600)')
    .option('--url <url>', 'server URL, e.g. http://localhost:4000 (default: $ATRIUM_URL or the stored one)')
    .option('--email <email>', 'your account email')
    .option('--token [token]', 'store a personal access token instead of signing in (asked for when no value is given)')
    .addHelpText('after', '\nThe password is read from $ATRIUM_PASSWORD, or asked for.')
    .action(async (opts: { url?: string; email?: string; token?: string | true }) => {
      const stored = readConfig(cli.env);
      const url = endpointUrl(
        opts.url ??
          cli.env.ATRIUM_URL ??
          (await cli.prompter.input({ message: 'Atrium server URL', flag: '--url', default: stored.url ?? 'http://localhost:4000', required: true })),
      );
      const previous = stored.url && endpointUrl(stored.url) === url && stored.tokenKind === 'session' ? stored.token : undefined;
      let config: StoredConfig;
      if (opts.token !== undefined) {
        const token = opts.token === true ? await cli.prompter.password({ message: 'Personal access token', flag: '--token <token>' }) : opts.token;
        const { me } = await new Api(url, token.trim()).request(ME);
        if (!me) throw new CliError('The server did not accept this token.', EXIT.UNAUTHENTICATED);
        config = { url, token: token.trim(), tokenKind: 'token', email: me.email };
        cli.out(`Signed in to ${url} as ${me.name} <${me.email}> with a personal access token.`);
      } else {
        const email = opts.email ?? (await cli.prompter.input({ message: 'Email', flag: '--email', required: true }));
        const password = cli.env.ATRIUM_PASSWORD || (await cli.prompter.password({ message: 'Password', flag: '$ATRIUM_PASSWORD' }));
        const { signIn } = await new Api(url).request(SIGN_IN, { input: { email: email.trim(), password } });
        config = { url, token: signIn.token, tokenKind: 'session', email: signIn.me.email };
        cli.out(`Signed in to ${url} as ${signIn.me.name} <${signIn.me.email}>. The session lasts until ${signIn.expiresAt}.`);
      }
      const file = writeConfig(config, cli.env);
      cli.note(`Token stored in ${file}.`);
      // The session this login replaces is ended, so it does not linger unused on the server.
      if (previous && previous !== config.token) await new Api(url, previous).request('mutation { signOut }').catch(() => undefined);
    });

  program
    .command('logout')
    .description('End the stored session and delete the stored token')
    .action(async () => {
      const stored = readConfig(cli.env);
      if (!stored.token) {
        cli.out('You are not signed in.');
        return;
      }
      if (stored.tokenKind === 'session' && stored.url) {
        try {
          await new Api(endpointUrl(stored.url), stored.token).request('mutation { signOut }');
        } catch (e) {
          // An expired or revoked session is already over; anything else is worth a warning, not a failure.
          if (!(e instanceof ApiError && e.code === 'UNAUTHENTICATED')) cli.note(`Warning: could not end the session on the server: ${(e as Error).message}`);
        }
      }
      const { token: _token, tokenKind: _kind, ...rest } = stored;
      writeConfig(rest, cli.env);
      cli.out(`Signed out${stored.url ? ` of ${stored.url}` : ''}.`);
      if (stored.tokenKind === 'token') cli.note('The personal access token itself still works until you revoke it.');
      if (cli.env.ATRIUM_TOKEN) cli.note('Note: ATRIUM_TOKEN is set in your environment and still applies.');
    });

  program
    .command('whoami')
    .description('Show the account you are signed in as')
    .action(async (_opts: unknown, cmd: Command) => {
      const { me } = await cli.api().request(ME);
      if (!me) throw new CliError('You are not signed in.', EXIT.UNAUTHENTICATED);
      if (cmd.optsWithGlobals().json) cli.out(JSON.stringify(me, null, 2));
      else cli.out(`${me.name} <${me.email}> on ${cli.session().url}`);
    });
}
