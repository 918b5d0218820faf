import { TestServer, type TestUser } from '../test/harness';
import { atrium, expectExit, KEY, tempConfigHome } from './testing';

let t: TestServer;
beforeAll(async () => {
  t = await TestServer.start();
});
afterAll(() => t.stop());

const as = (user: TestUser) => ({ env: { XDG_CONFIG_HOME: tempConfigHome(), ATRIUM_URL: t.url, ATRIUM_TOKEN: user.token } });

describe('atrium project create / list', () => {
  it('creates projects from flags and by asking, then lists them as a table and as JSON', async () => {
    const { workspace, member, viewer } = await t.cast();
    const flagged = await atrium(['project', 'create', '--workspace', workspace.id, '--name', 'Churn model', '--visibility', 'public'], as(member));
    expectExit(flagged, 0);
    expect(flagged.stdout).toMatch(new RegExp(`Created project "Churn model" \\(.+\\) in workspace "${workspace.name}", public\\.`));

    const asked = await atrium(['project', 'create'], {
      ...as(member),
      answers: [
        { when: new RegExp(`Create the project in which workspace\\?[\\s\\S]*${workspace.name}`), send: KEY.enter },
        { when: /Project name/, send: `Anomaly detection${KEY.enter}` },
      ],
    });
    expectExit(asked, 0);

    const list = await atrium(['project', 'list', '--workspace', workspace.id], as(viewer));
    expectExit(list, 0);
    const lines = list.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+NAME\s+VISIBILITY\s+YOUR ROLE\s+OWNER\s+CREATED$/);
    expect(lines[1]).toMatch(/Anomaly detection\s+private\s+viewer\s+Mia Member/);
    expect(lines[2]).toMatch(/Churn model\s+public\s+viewer\s+Mia Member/);

    const json = await atrium(['project', 'list', '--workspace', workspace.id, '--json'], as(member));
    expect(JSON.parse(json.stdout).map((p: { name: string; viewerRole: string }) => [p.name, p.viewerRole])).toEqual([
      ['Anomaly detection', 'ADMIN'],
      ['Churn model', 'ADMIN'],
    ]);
  });

  it('refuses a viewer creating a project with exit 4, and says so when there are none', async () => {
    const { workspace, viewer } = await t.cast();
    const refused = await atrium(['project', 'create', '--workspace', workspace.id, '--name', 'Nope'], as(viewer));
    expectExit(refused, 4);
    expect(refused.stderr).toContain('code: FORBIDDEN');
    const empty = await atrium(['project', 'list', '--workspace', workspace.id], as(viewer));
    expectExit(empty, 0);
    expect(empty.stdout).toContain('No projects yet.');
  });
});
