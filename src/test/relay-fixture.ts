import { Visibility } from '../common/enums';
import type { TestServer } from './harness';

/**
 * A workspace with one person in every role (TestServer.cast) and something of every type that
 * has an id, made through the API: projects (a public and a private one), variables, jobs, runs,
 * code versions, a pending invitation, audit events and an access token of the owner.
 */
export async function relayCast(t: TestServer, visibility: Visibility = Visibility.PUBLIC) {
  const cast = await t.cast(visibility);
  const { owner, member } = cast;
  const projectIds: string[] = [];
  for (const [name, vis] of [
    ['Alpha', Visibility.PUBLIC],
    ['Beta', Visibility.PRIVATE],
    ['Gamma', Visibility.PUBLIC],
  ] as const) {
    const data = await t.ok(
      `mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }`,
      { input: { workspaceId: cast.workspace.id, name, description: `${name} description`, visibility: vis } },
      { as: member },
    );
    projectIds.push(data.createProject.id);
  }
  const [publicProject, privateProject] = projectIds;
  const variableIds: string[] = [];
  const jobIds: string[] = [];
  const runIds: string[] = [];
  const codeVersionIds: string[] = [];
  for (const projectId of [publicProject, privateProject]) {
    for (const name of ['A_VAR', 'B_VAR', 'C_VAR']) {
      const v = await t.ok(
        `mutation($input: CreateVariableInput!) { createVariable(input: $input) { id } }`,
        { input: { projectId, name, value: 'x' } },
        { as: member },
      );
      variableIds.push(v.createVariable.id);
    }
    for (const name of ['train', 'score']) {
      const j = await t.ok(
        `mutation($input: CreateJobInput!) { createJob(input: $input) { id } }`,
        { input: { projectId, name, command: 'run' } },
        { as: member },
      );
      jobIds.push(j.createJob.id);
      for (let i = 0; i < 3; i++) {
        const r = await t.ok(
          `mutation($input: StartRunInput!) { startRun(input: $input) { id } }`,
          { input: { jobId: j.createJob.id, name: `${name} ${i}` } },
          { as: member },
        );
        runIds.push(r.startRun.id);
      }
    }
    for (let i = 0; i < 3; i++) {
      const c = await t.ok(
        `mutation($input: PushCodeInput!) { pushCode(input: $input) { id } }`,
        { input: { projectId, filename: `code${i}.zip`, contentBase64: Buffer.from(`code ${i}`).toString('base64') } },
        { as: member },
      );
      codeVersionIds.push(c.pushCode.id);
    }
  }
  const invited = await t.ok(
    `mutation($input: InviteMembersInput!) { inviteMembers(input: $input) { results { invitation { id } } } }`,
    { input: { workspaceId: cast.workspace.id, emails: ['newcomer@example.com', 'second@example.com'], role: 'VIEWER' } },
    { as: owner },
  );
  const invitationIds: string[] = invited.inviteMembers.results.map((r: { invitation: { id: string } }) => r.invitation.id);
  const token = await t.ok(`mutation { createAccessToken(input: { name: "ci" }) { accessToken { id } } }`, {}, { as: owner });
  const auditEventIds = (await t.sql<{ id: string }>(`SELECT id FROM audit_event WHERE workspace_id = $1`, [cast.workspace.id])).map((r) => r.id);
  return {
    ...cast,
    publicProject,
    privateProject,
    projectIds,
    variableIds,
    jobIds,
    runIds,
    codeVersionIds,
    invitationIds,
    auditEventIds,
    accessTokenId: token.createAccessToken.accessToken.id as string,
  };
}
