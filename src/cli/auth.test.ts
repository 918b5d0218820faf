import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { codeOf, TestServer } from '../test/harness';
import { atrium, expectExit, KEY, tempConfigHome } from './testing';

let t: TestServer;
beforeAll(async () => {
  t = await TestServer.start();
});
afterAll(() => t.stop());

/** A port nothing listens on. */
const closedPort = () =>
  new Promise<number>((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
const configOf = (home: string) => JSON.parse(fs.readFileSync(path.join(home, 'atrium', 'config.json'), 'utf8'));
const modeOf = (home: string) => fs.statSync(path.join(home, 'atrium', 'config.json')).mode & 0o777;

describe('atrium login / logout', () => {
  it('asks for the server, email and password, and stores the session token readable only by its owner', async () => {
    const ada = await t.signUp({ name: 'Ada Lovelace' });
    const home = tempConfigHome();
    const login = await atrium(['login'], {
      env: { XDG_CONFIG_HOME: home },
      answers: [
        { when: /Atrium server URL/, send: `${t.url.replace('/graphql', '')}${KEY.enter}` },
        { when: /Email/, send: `${ada.email}${KEY.enter}` },
        { when: /Password/, send: `${ada.password}${KEY.enter}` },
      ],
    });
    expect(login.stderr).not.toMatch(/at .*\.ts:\d+/);
    expectExit(login, 0);
    expect(login.stdout).toContain(`as Ada Lovelace <${ada.email}>`);
    expect(modeOf(home)).toBe(0o600);
    const stored = configOf(home);
    expect(stored).toMatchObject({ url: t.url, tokenKind: 'session', email: ada.email });
    expect((await t.ok('{ me { id } }', {}, { as: { token: stored.token } })).me.id).toBe(ada.id);

    const whoami = await atrium(['whoami'], { env: { XDG_CONFIG_HOME: home } });
    expectExit(whoami, 0);
    expect(whoami.stdout).toContain(`Ada Lovelace <${ada.email}>`);

    // logout ends the session on the server and forgets the token, keeping the server URL.
    const logout = await atrium(['logout'], { env: { XDG_CONFIG_HOME: home } });
    expectExit(logout, 0);
    expect(codeOf(await t.gql('{ me { id } }', {}, { as: { token: stored.token } }))).toBe('UNAUTHENTICATED');
    expect(configOf(home)).toEqual({ url: t.url, email: ada.email });
    const after = await atrium(['workspace', 'list'], { env: { XDG_CONFIG_HOME: home } });
    expectExit(after, 3);
    expect(after.stderr).toContain('not signed in');
  });

  it('takes the server and email as flags and the password from ATRIUM_PASSWORD', async () => {
    const bob = await t.signUp();
    const home = tempConfigHome();
    const login = await atrium(['login', '--url', t.url, '--email', bob.email], { env: { XDG_CONFIG_HOME: home, ATRIUM_PASSWORD: bob.password } });
    expectExit(login, 0);
    expect(configOf(home).tokenKind).toBe('session');
  });

  it("prints the server's refusal for a wrong password and exits 3, storing nothing", async () => {
    const bob = await t.signUp();
    const home = tempConfigHome();
    const login = await atrium(['login', '--url', t.url, '--email', bob.email], { env: { XDG_CONFIG_HOME: home, ATRIUM_PASSWORD: 'not the password' } });
    expectExit(login, 3);
    const server = await t.gql(`mutation { signIn(input: { email: "${bob.email}", password: "not the password" }) { token } }`);
    expect(login.stderr).toContain(`Error: ${server.errors![0].message}`);
    expect(login.stderr).toContain('code: UNAUTHENTICATED');
    expect(login.stderr).not.toMatch(/\n\s+at /);
    expect(fs.existsSync(path.join(home, 'atrium', 'config.json'))).toBe(false);
  });

  it('exits 8 when sign-in attempts are rate limited, printing the wait', async () => {
    const hal = await t.signUp();
    const SIGN_IN = `mutation($input: SignInInput!) { signIn(input: $input) { token } }`;
    for (let i = 0; i < t.config.signInFailuresPerEmailAndClient; i++) await t.gql(SIGN_IN, { input: { email: hal.email, password: 'wrong password' } });
    const login = await atrium(['login', '--url', t.url, '--email', hal.email], { env: { XDG_CONFIG_HOME: tempConfigHome(), ATRIUM_PASSWORD: hal.password } });
    expectExit(login, 8);
    expect(login.stderr).toContain('code: RATE_LIMITED');
    expect(login.stderr).toMatch(/retry after \d+ seconds/);
  });

  it('stores a personal access token after checking it with `me`, and logout keeps it valid on the server', async () => {
    const cat = await t.signUp({ name: 'Cat' });
    const { createAccessToken } = await t.ok(`mutation { createAccessToken(input: { name: "cli" }) { token } }`, {}, { as: cat });
    const home = tempConfigHome();
    const login = await atrium(['login', '--url', t.url, '--token', createAccessToken.token], { env: { XDG_CONFIG_HOME: home } });
    expectExit(login, 0);
    expect(configOf(home)).toMatchObject({ tokenKind: 'token', token: createAccessToken.token, email: cat.email });
    expect(modeOf(home)).toBe(0o600);
    expectExit(await atrium(['logout'], { env: { XDG_CONFIG_HOME: home } }), 0);
    expect(configOf(home).token).toBeUndefined();
    expect((await t.ok('{ me { id } }', {}, { as: { token: createAccessToken.token } })).me.id).toBe(cat.id);

    const bad = await atrium(['login', '--url', t.url, '--token', 'ats_not_a_token'], { env: { XDG_CONFIG_HOME: home } });
    expectExit(bad, 3);
  });

  it('asks for the access token when --token has no value', async () => {
    const dan = await t.signUp();
    const { createAccessToken } = await t.ok(`mutation { createAccessToken(input: { name: "cli" }) { token } }`, {}, { as: dan });
    const home = tempConfigHome();
    const login = await atrium(['login', '--url', t.url, '--token'], {
      env: { XDG_CONFIG_HOME: home },
      answers: [{ when: /Personal access token/, send: `${createAccessToken.token}${KEY.enter}` }],
    });
    expectExit(login, 0);
    expect(configOf(home).token).toBe(createAccessToken.token);
  });

  it('lets ATRIUM_URL and ATRIUM_TOKEN override the stored ones, and never sends the stored token to another server', async () => {
    const eve = await t.signUp({ name: 'Eve' });
    const fay = await t.signUp({ name: 'Fay' });
    const home = tempConfigHome();
    expectExit(await atrium(['login', '--url', t.url, '--email', eve.email], { env: { XDG_CONFIG_HOME: home, ATRIUM_PASSWORD: eve.password } }), 0);
    const asFay = await atrium(['whoami'], { env: { XDG_CONFIG_HOME: home, ATRIUM_TOKEN: fay.token } });
    expect(asFay.stdout).toContain('Fay <');
    const elsewhere = await atrium(['whoami'], { env: { XDG_CONFIG_HOME: home, ATRIUM_URL: 'http://127.0.0.1:9/graphql' } });
    expectExit(elsewhere, 3);
    // Only env, no config at all.
    const envOnly = await atrium(['whoami', '--json'], { env: { XDG_CONFIG_HOME: tempConfigHome(), ATRIUM_URL: t.url, ATRIUM_TOKEN: eve.token } });
    expect(JSON.parse(envOnly.stdout)).toMatchObject({ id: eve.id, email: eve.email });
  });

  it('exits 3 for a revoked token, 9 when the server cannot be reached, 2 for a bad flag', async () => {
    const gus = await t.signUp();
    await t.ok('mutation { signOut }', {}, { as: gus });
    const revoked = await atrium(['workspace', 'list'], { env: { XDG_CONFIG_HOME: tempConfigHome(), ATRIUM_URL: t.url, ATRIUM_TOKEN: gus.token } });
    expectExit(revoked, 3);
    expect(revoked.stderr).toContain('code: UNAUTHENTICATED');

    const closed = await closedPort();
    const down = await atrium(['workspace', 'list'], {
      env: { XDG_CONFIG_HOME: tempConfigHome(), ATRIUM_URL: `http://127.0.0.1:${closed}`, ATRIUM_TOKEN: 'x' },
    });
    expectExit(down, 9);
    expect(down.stderr).toContain(`Could not reach the Atrium server at http://127.0.0.1:${closed}/graphql (ECONNREFUSED).`);

    const bad = await atrium(['login', '--bogus'], { env: { XDG_CONFIG_HOME: tempConfigHome() } });
    expectExit(bad, 2);
    expect(bad.stderr).toContain("unknown option '--bogus'");
  });

  it('documents the exit codes in --help', async () => {
    const help = await atrium(['--help']);
    expectExit(help, 0);
    for (const line of [
      '2  usage',
      '3  UNAUTHENTICATED',
      '4  FORBIDDEN',
      '5  NOT_FOUND',
      '6  BAD_USER_INPUT',
      '7  CONFLICT',
      '8  RATE_LIMITED',
      '9  network',
    ]) {
      expect(help.stdout).toContain(line);
    }
  });
});
