import fs from 'node:fs';
import path from 'node:path';
import { buildSchema, isNonNullType, type GraphQLObjectType } from 'graphql';
import { FIELD_PERMISSIONS, isProjectAction, PROJECT_PERMISSIONS, WORKSPACE_PERMISSIONS } from './auth/permissions';
import { printAtriumSchema } from './schema';

describe('schema.graphql', () => {
  it('is what the code emits (run `npm run schema:emit` and commit the result when this fails)', async () => {
    const committed = fs.readFileSync(path.join(__dirname, '..', 'schema.graphql'), 'utf8');
    expect(committed).toBe(await printAtriumSchema());
  });
});

describe('permission-gated fields', () => {
  it('are nullable wherever some caller who sees the parent may be refused them, so a refusal nulls that field alone', async () => {
    const schema = buildSchema(await printAtriumSchema());
    // Who can see a workspace or a project at all: the roles of its info.view action.
    const viewers = (action: string) =>
      (isProjectAction(action as never) ? PROJECT_PERMISSIONS['project.info.view'] : WORKSPACE_PERMISSIONS['workspace.info.view']) as readonly string[];
    const grants = (action: string) =>
      ((isProjectAction(action as never) ? PROJECT_PERMISSIONS : WORKSPACE_PERMISSIONS) as Record<string, readonly string[]>)[action];
    const gated = Object.entries(FIELD_PERMISSIONS).filter(([, action]) => viewers(action).some((role) => !grants(action).includes(role)));
    expect(gated.map(([key]) => key)).toEqual(expect.arrayContaining(['Workspace.people', 'Workspace.auditEvents']));
    const nonNull = gated.filter(([key]) => {
      const [type, field] = key.split('.');
      return isNonNullType((schema.getType(type) as GraphQLObjectType).getFields()[field].type);
    });
    expect(nonNull.map(([key]) => key)).toEqual([]);
  });
});
