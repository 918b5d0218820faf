import { codeOf, TestServer, type TestUser } from '../test/harness';
import { run } from './main';
import type { Prompter } from './prompts';
import { atrium, expectExit, KEY, tempConfigHome } from './testing';

let t: TestServer;
beforeAll(async () => {
  t = await TestServer.start();
});
afterAll(() => t.stop());

/** The environment of a person using the CLI with their own token and an empty config directory. */
const as = (user: TestUser) => ({ env: { XDG_CONFIG_HOME: tempConfigHome(), ATRIUM_URL: t.url, ATRIUM_TOKEN: user.token } });
const nameOf = async (id: string, user: TestUser) =>
  (await t.ok(`query($id: ID!) { workspace(id: $id) { name description visibility } }`, { id }, { as: user })).workspace;

describe('atrium workspace list / create', () => {
  it("lists the caller's workspaces as an aligned table, or as JSON", async () => {
    const owner = await t.signUp();
    const stranger = await t.signUp();
    const alpha = await t.createWorkspace(owner, { name: 'Alpha Lab' });
    await t.createWorkspace(owner, { name: 'Zeta Group with a long name' });
    await t.createWorkspace(stranger, { name: 'Not mine' });

    const list = await atrium(['workspace', 'list'], as(owner));
    expectExit(list, 0);
    const lines = list.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^ID\s+NAME\s+VISIBILITY\s+YOUR ROLE\s+CREATED$/);
    expect(lines[1]).toContain(alpha.id);
    expect(lines[1]).toMatch(/Alpha Lab\s+private\s+owner\s+\d{4}-\d\d-\d\d/);
    // Aligned: every row's NAME column starts where the heading's does.
    const nameAt = lines[0].indexOf('NAME');
    expect(lines[1].indexOf('Alpha Lab')).toBe(nameAt);
    expect(lines[2].indexOf('Zeta Group')).toBe(nameAt);
    expect(list.stdout).not.toContain('Not mine');

    const json = await atrium(['workspace', 'list', '--json'], as(owner));
    expectExit(json, 0);
    expect(JSON.parse(json.stdout).map((w: { name: string }) => w.name)).toEqual(['Alpha Lab', 'Zeta Group with a long name']);
  });

  it('creates a workspace from flags, and asks for the name and visibility otherwise', async () => {
    const owner = await t.signUp();
    const made = await atrium(['workspace', 'create', '--name', 'Flag Made', '--visibility', 'public', '--json'], as(owner));
    expectExit(made, 0);
    const created = JSON.parse(made.stdout);
    expect(created).toMatchObject({ name: 'Flag Made', visibility: 'PUBLIC', viewerRole: 'OWNER' });

    const asked = await atrium(['workspace', 'create'], {
      ...as(owner),
      answers: [
        { when: /Workspace name/, send: `Asked For${KEY.enter}` },
        { when: /Visibility/, send: KEY.enter },
      ],
    });
    expectExit(asked, 0);
    expect(asked.stdout).toMatch(/Created workspace "Asked For" \(.+\), private\. You are its owner\./);
  });

  it("prints the server's field problems for bad input and exits 6", async () => {
    const owner = await t.signUp();
    const result = await atrium(['workspace', 'create', '--name', 'x'.repeat(300)], as(owner));
    expectExit(result, 6);
    expect(result.stderr).toContain('code: BAD_USER_INPUT');
    expect(result.stderr).toMatch(/\n {2}name: .+/);
  });

  it('refuses a bad flag value with exit code 2, and --no-input with a missing value too', async () => {
    const owner = await t.signUp();
    const [bad, missing] = await Promise.all([
      atrium(['workspace', 'create', '--name', 'X', '--visibility', 'secret'], as(owner)),
      atrium(['--no-input', 'workspace', 'create'], as(owner)),
    ]);
    expectExit(bad, 2);
    expect(bad.stderr).toContain("option '--visibility <visibility>' argument 'secret' is invalid. Use private or public.");
    expectExit(missing, 2);
    expect(missing.stderr).toContain('Missing --name');
  });
});

describe('atrium workspace change', () => {
  it('picks the workspace from a list, asks for each value, shows the change and applies it once confirmed', async () => {
    const owner = await t.signUp();
    await t.createWorkspace(owner, { name: 'Aardvark' });
    const target = await t.createWorkspace(owner, { name: 'Beaver', description: 'Dams' });
    const result = await atrium(['workspace', 'change'], {
      ...as(owner),
      answers: [
        { when: /Which workspace do you want to change\?[\s\S]*Beaver/, send: `${KEY.down}${KEY.enter}` },
        { when: /Name/, send: `Beaver Works${KEY.enter}` },
        { when: /Description/, send: KEY.enter },
        { when: /Visibility/, send: `${KEY.down}${KEY.enter}` },
        { when: /Apply these changes\?/, send: `y${KEY.enter}` },
      ],
    });
    expectExit(result, 0);
    expect(result.stderr).toContain(`Changes to workspace "Beaver" (${target.id}):`);
    expect(result.stderr).toMatch(/name: +"Beaver" → "Beaver Works"/);
    expect(result.stderr).toMatch(/visibility: +private → public/);
    expect(result.stderr).not.toMatch(/description:/);
    expect(result.stdout).toContain(`Updated workspace "Beaver Works" (${target.id}).`);
    expect(await nameOf(target.id, owner)).toEqual({ name: 'Beaver Works', description: 'Dams', visibility: 'PUBLIC' });
  });

  it('runs in-process with an injected prompter, answering each question by its flag', async () => {
    const owner = await t.signUp();
    const ws = await t.createWorkspace(owner, { name: 'Injected' });
    const asked: string[] = [];
    const answers: Record<string, unknown> = {
      '--id': ws.id,
      '--name': 'Injected Two',
      '--description': 'Now described',
      '--visibility': 'PRIVATE',
      '--yes': true,
    };
    const answer = (q: { flag: string }) => {
      asked.push(q.flag);
      return Promise.resolve(answers[q.flag]);
    };
    const prompter = { input: answer, password: answer, select: answer, confirm: answer } as Prompter;
    let stdout = '';
    let stderr = '';
    const code = await run(['workspace', 'change'], {
      env: { XDG_CONFIG_HOME: tempConfigHome(), ATRIUM_URL: t.url, ATRIUM_TOKEN: owner.token },
      prompter,
      stdout: (text) => (stdout += text),
      stderr: (text) => (stderr += text),
    });
    expect({ code, stderr }).toEqual({ code: 0, stderr: expect.stringContaining('description: (empty) → "Now described"') });
    expect(asked).toEqual(['--id', '--name', '--description', '--visibility', '--yes']);
    expect(stdout).toContain('Updated workspace "Injected Two"');
    expect(await nameOf(ws.id, owner)).toEqual({ name: 'Injected Two', description: 'Now described', visibility: 'PRIVATE' });
  });

  it('changes only what the flags say with --yes, naming the workspace by id or by name', async () => {
    const owner = await t.signUp();
    const ws = await t.createWorkspace(owner, { name: 'Flagged' });
    expectExit(await atrium(['workspace', 'change', '--id', ws.id, '--name', 'Flagged Two', '--yes'], as(owner)), 0);
    expect(await nameOf(ws.id, owner)).toMatchObject({ name: 'Flagged Two', visibility: 'PRIVATE' });
    expectExit(await atrium(['workspace', 'change', '--id', 'flagged two', '--description', '# Hello', '-y'], as(owner)), 0);
    expect(await nameOf(ws.id, owner)).toMatchObject({ name: 'Flagged Two', description: '# Hello' });
    const same = await atrium(['workspace', 'change', '--id', ws.id, '--name', 'Flagged Two'], as(owner));
    expectExit(same, 0);
    expect(same.stdout).toContain('Nothing to change');
  });

  it('changes nothing when the change is not confirmed', async () => {
    const owner = await t.signUp();
    const ws = await t.createWorkspace(owner, { name: 'Keep Me' });
    const result = await atrium(['workspace', 'change', '--id', ws.id, '--name', 'Lost'], {
      ...as(owner),
      answers: [{ when: /Apply these changes\?/, send: `n${KEY.enter}` }],
    });
    expectExit(result, 1);
    expect(result.stderr).toContain('Aborted; nothing was changed.');
    expect((await nameOf(ws.id, owner)).name).toBe('Keep Me');
  });

  it("prints the server's refusal when a viewer renames, and exits 4 (FORBIDDEN)", async () => {
    const { workspace, viewer, owner } = await t.cast();
    const server = await t.gql(`mutation($id: ID!) { updateWorkspace(input: { id: $id, name: "Mine now" }) { id } }`, { id: workspace.id }, { as: viewer });
    expect(codeOf(server)).toBe('FORBIDDEN');
    const result = await atrium(['workspace', 'change', '--id', workspace.id, '--name', 'Mine now', '--yes'], as(viewer));
    expectExit(result, 4);
    expect(result.stderr).toContain(`Error: ${server.errors![0].message}`);
    expect(result.stderr).toContain('code: FORBIDDEN');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect((await nameOf(workspace.id, owner)).name).toBe(workspace.name);
  });

  it("refuses a viewer before asking anything beyond the workspace, with the server's message", async () => {
    const { workspace, viewer, owner } = await t.cast();
    const result = await atrium(['workspace', 'change'], {
      ...as(viewer),
      answers: [{ when: new RegExp(`Which workspace do you want to change\\?[\\s\\S]*${workspace.name}`), send: KEY.enter }],
    });
    expectExit(result, 4);
    expect(result.stderr).toContain('code: FORBIDDEN');
    expect(result.stderr).not.toMatch(/Name|Apply these changes/);
    expect((await nameOf(workspace.id, owner)).name).toBe(workspace.name);
  });

  it('exits 2 naming the flag when piped input ends before a question is answered', async () => {
    const owner = await t.signUp();
    const ws = await t.createWorkspace(owner, { name: 'Piped' });
    const result = await atrium(['workspace', 'change', '--id', ws.id, '--name', 'Piped Two'], as(owner));
    expectExit(result, 2);
    expect(result.stderr).toContain('Missing --yes: the input ended before an answer.');
    expect((await nameOf(ws.id, owner)).name).toBe('Piped');
  });

  it('exits 5 (NOT_FOUND) for a workspace the caller cannot see, and for an unknown name', async () => {
    const { workspace, outsider } = await t.cast();
    const [hidden, unknown] = await Promise.all([
      atrium(['workspace', 'change', '--id', workspace.id, '--name', 'X', '--yes'], as(outsider)),
      atrium(['workspace', 'change', '--id', 'No Such Workspace', '--name', 'X', '--yes'], as(outsider)),
    ]);
    expectExit(hidden, 5);
    expect(hidden.stderr).toContain('code: NOT_FOUND');
    expectExit(unknown, 5);
  });
});

describe('atrium workspace remove', () => {
  const isRemoved = async (id: string) => (await t.sql('SELECT removed_at FROM workspace WHERE id = $1', [id]))[0].removed_at !== null;

  it('asks to type the workspace name and removes nothing when it does not match', async () => {
    const owner = await t.signUp();
    const ws = await t.createWorkspace(owner, { name: 'Fragile' });
    const wrong = await atrium(['workspace', 'remove', '--id', ws.id], {
      ...as(owner),
      answers: [{ when: /Type the workspace name/, send: `Fragil${KEY.enter}` }],
    });
    expectExit(wrong, 1);
    expect(wrong.stderr).toContain('The name did not match; nothing was removed.');
    expect(await isRemoved(ws.id)).toBe(false);
  });

  it('removes the picked workspace once its name is typed, and says until when it can be restored', async () => {
    const owner = await t.signUp();
    const ws = await t.createWorkspace(owner, { name: 'Doomed' });
    const result = await atrium(['workspace', 'remove'], {
      ...as(owner),
      answers: [
        { when: /Which workspace do you want to remove\?[\s\S]*Doomed/, send: KEY.enter },
        { when: /Type the workspace name/, send: `Doomed${KEY.enter}` },
      ],
    });
    expectExit(result, 0);
    expect(result.stdout).toMatch(/Removed workspace "Doomed" \(.+\)\. Its owner can restore it until \d{4}-\d\d-\d\d/);
    expect(await isRemoved(ws.id)).toBe(true);
  });

  it('removes without asking with --yes, and refuses a member with exit 4', async () => {
    const { workspace, member, admin } = await t.cast();
    const refused = await atrium(['workspace', 'remove', '--id', workspace.id, '--yes'], as(member));
    expectExit(refused, 4);
    expect(refused.stderr).toContain('code: FORBIDDEN');
    expect(await isRemoved(workspace.id)).toBe(false);
    expectExit(await atrium(['workspace', 'remove', '--id', workspace.id, '--yes', '--json'], as(admin)), 0);
    expect(await isRemoved(workspace.id)).toBe(true);
  });
});

describe('atrium workspace restore', () => {
  const removedAt = async (id: string) => (await t.sql('SELECT removed_at FROM workspace WHERE id = $1', [id]))[0].removed_at as Date | null;
  const remove = (id: string, user: TestUser) => t.ok(`mutation($id: ID!) { removeWorkspace(id: $id) { id } }`, { id }, { as: user });

  it('lists the removed workspaces the owner can restore, and restores the one picked from the list', async () => {
    const owner = await t.signUp();
    const kept = await t.createWorkspace(owner, { name: 'Still Here' });
    const first = await t.createWorkspace(owner, { name: 'Gone One' });
    const second = await t.createWorkspace(owner, { name: 'Gone Two' });
    await remove(first.id, owner);
    await remove(second.id, owner);

    const listed = await atrium(['workspace', 'list', '--removed'], as(owner));
    expectExit(listed, 0);
    const lines = listed.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+NAME\s+REMOVED\s+RESTORABLE UNTIL$/);
    expect(
      lines
        .slice(1)
        .map((l) => l.split(/\s{2,}/)[1])
        .sort(),
    ).toEqual(['Gone One', 'Gone Two']);
    expect(listed.stdout).not.toContain(kept.name);

    const restored = await atrium(['workspace', 'restore'], {
      ...as(owner),
      answers: [
        {
          when: /Which workspace do you want to restore\?[\s\S]*Gone One[\s\S]*Gone Two|Which workspace do you want to restore\?[\s\S]*Gone Two[\s\S]*Gone One/,
          send: KEY.enter,
        },
      ],
    });
    expectExit(restored, 0);
    const picked = restored.stdout.includes('"Gone One"') ? first : second;
    expect(restored.stdout).toContain(`Restored workspace "${picked.name}" (${picked.id}); it is back for all its members.`);
    expect(await removedAt(picked.id)).toBeNull();
    expect(await removedAt(picked.id === first.id ? second.id : first.id)).not.toBeNull();
  });

  it('restores by name or id with --json, and the members see the workspace again', async () => {
    const { workspace, owner, member } = await t.cast();
    await remove(workspace.id, owner);
    const hidden = await atrium(['people', 'list', '--workspace', workspace.id], as(member));
    expectExit(hidden, 5);

    const byName = await atrium(['workspace', 'restore', '--id', workspace.name.toUpperCase(), '--json'], as(owner));
    expectExit(byName, 0);
    expect(JSON.parse(byName.stdout)).toMatchObject({ id: workspace.id, name: workspace.name, removedAt: null, purgeAt: null, viewerRole: 'OWNER' });
    expectExit(await atrium(['people', 'list', '--workspace', workspace.id], as(member)), 0);

    await remove(workspace.id, owner);
    expectExit(await atrium(['workspace', 'restore', '--id', workspace.id], as(owner)), 0);
    expect(await removedAt(workspace.id)).toBeNull();
  });

  it('exits 7 for a live workspace, 5 for an admin who is not the owner and for an unknown name, 2 under --no-input', async () => {
    const { workspace, owner, admin } = await t.cast();
    const live = await atrium(['workspace', 'restore', '--id', workspace.id], as(owner));
    expectExit(live, 7);
    expect(live.stderr).toContain('code: CONFLICT, reason: WORKSPACE_NOT_REMOVED');

    await remove(workspace.id, admin);
    const [refused, unknown, noInput, nothing] = await Promise.all([
      atrium(['workspace', 'restore', '--id', workspace.id], as(admin)),
      atrium(['workspace', 'restore', '--id', 'Never Existed'], as(owner)),
      atrium(['--no-input', 'workspace', 'restore'], as(owner)),
      atrium(['workspace', 'restore'], as(admin)),
    ]);
    // To anyone but its owner and platform admins a removed workspace does not exist.
    expectExit(refused, 5);
    expect(refused.stderr).toContain('code: NOT_FOUND');
    expectExit(unknown, 5);
    expect(unknown.stderr).toContain('You own no removed workspace named "Never Existed"');
    expectExit(noInput, 2);
    expect(noInput.stderr).toContain('Missing --id');
    // The admin removed it but does not own it: nothing of theirs to restore.
    expectExit(nothing, 5);
    expect(nothing.stderr).toContain('You own no removed workspace that can still be restored.');
    expect(await removedAt(workspace.id)).not.toBeNull();
  });
});
