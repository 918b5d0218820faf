/**
 * The one file that knows graphql-shield and graphql-middleware (both barely maintained): it turns
 * the matrix of auth/permissions.ts into shield rules and applies them to the schema.
 */
import { GraphQLError, GraphQLSchema, isObjectType } from 'graphql';
import { applyMiddleware, IMiddlewareFieldMap } from 'graphql-middleware';
import { allow, deny, IRule, rule, shield } from 'graphql-shield';
import type { Context } from '../context';
import { forbidden, notFound } from '../errors';
import { recordSuperuserAccess } from '../audit/audit.service';
import { AccessTokenScope } from '../common/enums';
import { authorize, canInProject, canInWorkspace, canOnEveryProject, projectAccess, workspaceAccess } from './access';
import { FIELD_PERMISSIONS, isProjectAction, OPERATIONS } from './permissions';

const ROOTS = ['Query', 'Mutation'] as const;
type Rule = IRule | typeof allow | typeof deny;

type RuleBody<P> = (parent: P, args: Record<string, unknown>, ctx: Context) => Promise<true | Error>;

/**
 * A shield rule that answers `true` or the error to send. graphql-shield turns an exception inside
 * a rule into a silent denial (so a database fault would read as FORBIDDEN): a fault is returned
 * as the error it is instead, and reaches the client as SERVICE_UNAVAILABLE or an internal error.
 */
function safeRule<P>(name: string, body: RuleBody<P>): IRule {
  return rule(name, { cache: 'no_cache' })(async (parent: P, args: Record<string, unknown>, ctx: Context) => {
    try {
      return await body(parent, args, ctx);
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  });
}

function operationRule(key: string, isMutation: boolean): IRule {
  const op = OPERATIONS[key];
  return safeRule(`op:${key}`, async (_parent, args, ctx) => {
    if (isMutation && ctx.token?.scope === AccessTokenScope.READ) {
      return forbidden('This access token is read-only; use a WRITE token to make changes.', 'READ_ONLY_TOKEN');
    }
    return authorize(ctx, op, args, key);
  });
}

function fieldRule(key: string): IRule {
  const action = FIELD_PERMISSIONS[key];
  const onWorkspace = key.startsWith('Workspace.');
  return safeRule(`field:${key}`, async (parent: { id: string; projectId?: string }, _args, ctx) => {
    if (isProjectAction(action) && !onWorkspace) {
      const access = await projectAccess(ctx, parent.projectId ?? parent.id);
      if (!access) return notFound('The project');
      if (!canInProject(access, action)) return forbidden();
      await recordSuperuserAccess(ctx, access.workspace.workspace.id, key);
      return true;
    }
    // Live workspaces only: a removed workspace's contents are gone for everyone until it is restored.
    const access = await workspaceAccess(ctx, parent.id);
    if (!access) return notFound('The workspace');
    if (!(isProjectAction(action) ? canOnEveryProject(access, action) : canInWorkspace(access, action))) return forbidden();
    await recordSuperuserAccess(ctx, parent.id, key);
    return true;
  });
}

/** Root fields of the schema that have no entry in OPERATIONS (a test keeps this empty). */
export function unmappedRootFields(schema: GraphQLSchema): string[] {
  return ROOTS.flatMap((root) => {
    const type = schema.getType(root);
    return type && isObjectType(type) ? Object.keys(type.getFields()).map((field) => `${root}.${field}`) : [];
  }).filter((key) => !(key in OPERATIONS));
}

/**
 * Applies the permission rules. Root fields missing from the matrix are denied (fallbackRule:
 * deny). Only root fields and the fields of FIELD_PERMISSIONS are wrapped: every other field
 * resolves without middleware, which keeps large lists cheap.
 */
export function applyPermissions(schema: GraphQLSchema): GraphQLSchema {
  const tree: Record<string, Record<string, Rule>> = {};
  for (const root of ROOTS) {
    const type = schema.getType(root);
    if (!type || !isObjectType(type)) continue;
    tree[root] = { '*': deny };
    for (const field of Object.keys(type.getFields())) {
      if (`${root}.${field}` in OPERATIONS) tree[root][field] = operationRule(`${root}.${field}`, root === 'Mutation');
    }
  }
  for (const key of Object.keys(FIELD_PERMISSIONS)) {
    const [type, field] = key.split('.');
    if (!isObjectType(schema.getType(type)) || !(schema.getType(type) as any).getFields()[field]) continue;
    tree[type] ??= { '*': allow };
    tree[type][field] = fieldRule(key);
  }
  const generator = shield(tree, {
    fallbackRule: allow,
    allowExternalErrors: true,
    fallbackError: () => new GraphQLError('You do not have permission to do this.', { extensions: { code: 'FORBIDDEN' } }),
  });
  const generated = generator.generate(schema) as Record<string, IMiddlewareFieldMap>;
  const wrapped: Record<string, IMiddlewareFieldMap> = {};
  for (const [type, rules] of Object.entries(tree)) {
    wrapped[type] = Object.fromEntries(
      Object.entries(generated[type] ?? {}).filter(([field]) => ROOTS.includes(type as any) || field in rules),
    ) as IMiddlewareFieldMap;
  }
  return applyMiddleware(schema, wrapped as any);
}
