import { Command, InvalidArgumentError, Option } from 'commander';
import { lower, UUID, wantsJson, type Cli } from './context';
import { CliError, EXIT, UsageError } from './errors';
import { shortDate, table } from './table';

const TOKEN_FIELDS = 'id name scope createdAt lastUsedAt expiresAt';
const TOKENS = `{ me { accessTokens { ${TOKEN_FIELDS} } } }`;
const CREATE = `mutation($input: CreateAccessTokenInput!) { createAccessToken(input: $input) { token accessToken { ${TOKEN_FIELDS} } } }`;
const REVOKE = `mutation($id: ID!) { revokeAccessToken(id: $id) { ${TOKEN_FIELDS} } }`;

interface AccessToken {
  id: string;
  name: string;
  scope: 'READ' | 'WRITE';
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
}

const DAY_MS = 86_400_000;
const inDays = (days: number) => new Date(Date.now() + days * DAY_MS).toISOString();

/** `never`, a number of days (`90d`), a date (`2027-01-31`, midnight UTC) or an ISO 8601 time: an ISO time, or null for never. */
function parseExpiry(value: string): string | null {
  const text = value.trim().toLowerCase();
  if (text === 'never') return null;
  const days = /^(\d{1,5})d$/.exec(text);
  if (days) return inDays(Number(days[1]));
  if (/^\d{4}-\d\d-\d\d([t ]\d\d:\d\d(:\d\d(\.\d+)?)?(z|[+-]\d\d:?\d\d)?)?$/.test(text)) {
    const when = new Date(text.length === 10 ? `${text}T00:00:00Z` : text.toUpperCase().replace(' ', 'T'));
    if (!Number.isNaN(when.getTime())) return when.toISOString();
  }
  throw new InvalidArgumentError('Use a number of days (90d), a date (2027-01-31), an ISO 8601 time, or never.');
}

function parseScope(value: string): 'READ' | 'WRITE' {
  const v = value.trim().toUpperCase();
  if (v !== 'READ' && v !== 'WRITE') throw new InvalidArgumentError('Use read (queries only) or write (queries and mutations).');
  return v;
}

const expires = (t: AccessToken) => (t.expiresAt ? `${shortDate(t.expiresAt)}${Date.parse(t.expiresAt) <= Date.now() ? ' (expired)' : ''}` : 'never');

async function accessTokens(cli: Cli): Promise<AccessToken[]> {
  const { me } = await cli.api().request(TOKENS);
  if (!me) throw new CliError('You are not signed in.', EXIT.UNAUTHENTICATED);
  return me.accessTokens;
}

/** The token to revoke: an id or an exact name (ignoring case) of one of the caller's tokens, or picked from them. */
async function chooseToken(cli: Cli, ref: string | undefined): Promise<AccessToken> {
  const tokens = await accessTokens(cli);
  if (ref !== undefined) {
    const wanted = ref.trim();
    if (!wanted) throw new UsageError('<token> needs a token id or name.');
    const matches = tokens.filter((t) => (UUID.test(wanted) ? t.id === wanted.toLowerCase() : t.name.toLowerCase() === wanted.toLowerCase()));
    if (matches.length === 1) return matches[0];
    if (matches.length === 0)
      throw new CliError(`You have no access token ${UUID.test(wanted) ? 'with id ' : 'named '}"${wanted}" (see \`atrium token list\`).`, EXIT.NOT_FOUND);
    throw new UsageError(`You have ${matches.length} access tokens named "${wanted}"; pass the id of one (see \`atrium token list\`).`);
  }
  if (tokens.length === 0) throw new CliError('You have no access tokens.', EXIT.NOT_FOUND);
  return cli.prompter.select({
    message: 'Which token do you want to revoke?',
    flag: '<token>',
    choices: tokens.map((t) => ({
      name: `${t.name} (${lower(t.scope)}, last used ${t.lastUsedAt ? shortDate(t.lastUsedAt) : 'never'}, expires ${expires(t)})`,
      value: t,
      description: t.id,
    })),
  });
}

/** `atrium token create|list|revoke`. */
export function tokenCommands(program: Command, cli: Cli): void {
  const token = program.command('token').alias('tokens').description('Create, list and revoke your personal access tokens');

  token
    .command('create')
    .description('Create a personal access token; only the token is printed on stdout, once')
    .option('--name <name>', 'a name to recognise it by (asked for, with the scope and expiry, when missing)')
    .addOption(new Option('--scope <scope>', 'read (queries only) or write (queries and mutations)').argParser(parseScope))
    .addOption(new Option('--expires <when>', 'a number of days (90d), a date (2027-01-31, midnight UTC), an ISO 8601 time, or never').argParser(parseExpiry))
    .addHelpText(
      'after',
      '\nWithout --name it asks; with it, an unset scope is write and an unset expiry is never.\nUse the token as ATRIUM_TOKEN, or store it with `atrium login --token`.',
    )
    .action(async (opts: { name?: string; scope?: 'READ' | 'WRITE'; expires?: string | null }, cmd: Command) => {
      const api = cli.api();
      const asked = opts.name === undefined;
      const name = opts.name ?? (await cli.prompter.input({ message: 'Token name', flag: '--name', required: true }));
      const scope =
        opts.scope ??
        (asked
          ? await cli.prompter.select({
              message: 'Scope',
              flag: '--scope',
              default: 'WRITE',
              choices: [
                { name: 'write (queries and mutations)', value: 'WRITE' as const },
                { name: 'read (queries only)', value: 'READ' as const },
              ],
            })
          : 'WRITE');
      const expiresAt =
        opts.expires !== undefined
          ? opts.expires
          : asked
            ? await cli.prompter
                .select<string | null>({
                  message: 'Expires',
                  flag: '--expires',
                  default: '90',
                  choices: [
                    { name: 'in 30 days', value: '30' },
                    { name: 'in 90 days', value: '90' },
                    { name: 'in a year', value: '365' },
                    { name: 'never', value: null },
                  ],
                })
                .then((days) => (days === null ? null : inDays(Number(days))))
            : null;
      const { createAccessToken: created } = await api.request(CREATE, { input: { name, scope, expiresAt } });
      const t = created.accessToken as AccessToken;
      if (wantsJson(cmd)) return cli.out(JSON.stringify(created, null, 2));
      // The secret alone on stdout, so `ATRIUM_TOKEN=$(atrium token create --name ci)` works.
      cli.out(created.token);
      cli.note(`Created access token "${t.name}" (${t.id}), ${lower(t.scope)}, expires ${t.expiresAt ? `${shortDate(t.expiresAt)} UTC` : 'never'}.`);
      cli.note('Copy it now: it is not shown again.');
    });

  token
    .command('list')
    .description('List your personal access tokens that have not been revoked')
    .action(async (_opts: unknown, cmd: Command) => {
      const rows = await accessTokens(cli);
      if (wantsJson(cmd)) return cli.out(JSON.stringify(rows, null, 2));
      cli.out(
        table(
          rows,
          [
            { header: 'ID', value: (t) => t.id },
            { header: 'NAME', value: (t) => t.name },
            { header: 'SCOPE', value: (t) => lower(t.scope) },
            { header: 'CREATED', value: (t) => shortDate(t.createdAt) },
            { header: 'LAST USED', value: (t) => (t.lastUsedAt ? shortDate(t.lastUsedAt) : 'never') },
            { header: 'EXPIRES', value: expires },
          ],
          'You have no access tokens. Create one with `atrium token create`.',
        ),
      );
    });

  token
    .command('revoke')
    .description('Revoke one of your personal access tokens; it stops working at once. Asks to confirm')
    .argument('[token]', 'the token id or name (picked from a list when missing)')
    .option('-y, --yes', 'revoke without asking to confirm')
    .action(async (ref: string | undefined, opts: { yes?: boolean }, cmd: Command) => {
      const target = await chooseToken(cli, ref);
      if (!opts.yes) {
        cli.note(`This revokes access token "${target.name}" (${target.id}, ${lower(target.scope)}): whatever uses it is refused from its next request.`);
        if (!(await cli.prompter.confirm({ message: 'Revoke the token?', flag: '--yes', default: false })))
          throw new CliError('Aborted; the token still works.');
      }
      const { revokeAccessToken: t } = (await cli.api().request(REVOKE, { id: target.id })) as { revokeAccessToken: AccessToken };
      if (wantsJson(cmd)) return cli.out(JSON.stringify(t, null, 2));
      cli.out(`Revoked access token "${t.name}" (${t.id}).`);
    });
}
