import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { endpointUrl } from './client';
import { CliError, EXIT } from './errors';

/** What `atrium login` stores: the server and the credential, a session token or a personal access token. */
export interface StoredConfig {
  url?: string;
  token?: string;
  /** `session` tokens come from signIn and are ended by signOut; `token` is a personal access token. */
  tokenKind?: 'session' | 'token';
  email?: string;
}

/** `$XDG_CONFIG_HOME/atrium/config.json`, or `~/.config/atrium/config.json`. */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(os.homedir(), '.config');
  return path.join(base, 'atrium', 'config.json');
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): StoredConfig {
  const file = configPath(env);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return {};
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as StoredConfig) : {};
  } catch {
    throw new CliError(`The config file ${file} is not valid JSON; fix or delete it and run \`atrium login\` again.`);
  }
}

/** Writes the config readable by its owner only (0600, in a 0700 directory): it holds a bearer token. */
export function writeConfig(config: StoredConfig, env: NodeJS.ProcessEnv = process.env): string {
  const file = configPath(env);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, file);
  return file;
}

/** The server and token to use: ATRIUM_URL / ATRIUM_TOKEN override what `atrium login` stored. */
export interface Session {
  url: string;
  token?: string;
  tokenKind?: StoredConfig['tokenKind'];
  fromEnv: boolean;
}

/**
 * The stored token goes only to the server it was issued by: with ATRIUM_URL pointing elsewhere and no
 * ATRIUM_TOKEN, requests go out without credentials rather than leak the token to another host.
 */
export function currentSession(env: NodeJS.ProcessEnv = process.env): Session {
  const stored = readConfig(env);
  const raw = env.ATRIUM_URL || stored.url;
  if (!raw) throw new CliError('No Atrium server is configured. Run `atrium login`, or set ATRIUM_URL.', EXIT.UNAUTHENTICATED);
  const url = endpointUrl(raw);
  if (env.ATRIUM_TOKEN) return { url, token: env.ATRIUM_TOKEN, tokenKind: 'token', fromEnv: true };
  const sameServer = !!stored.url && endpointUrl(stored.url) === url;
  return sameServer ? { url, token: stored.token, tokenKind: stored.tokenKind, fromEnv: false } : { url, fromEnv: false };
}
