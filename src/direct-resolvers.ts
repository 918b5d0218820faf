import { isObjectType, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import { getMetadataStorage } from 'type-graphql';

/* type-graphql's metadata, as far as this file reads it (the storage is exported, its types are not). */
interface ParamMeta { kind: string; index: number; propertyName?: string; getType?: () => unknown }
interface FieldMeta { name: string; schemaName: string; target: Function; middlewares: unknown[]; roles?: unknown[] }
interface FieldResolverMeta {
  kind: 'internal' | 'external';
  methodName: string;
  target: new () => Record<string, (...args: unknown[]) => unknown>;
  params: ParamMeta[];
  middlewares: unknown[];
  roles?: unknown[];
  getObjectType(): Function;
}
interface ClassMeta { name: string; target: Function; fields?: FieldMeta[]; interfaceClasses?: Function[] }
interface Storage { objectTypes: ClassMeta[]; interfaceTypes: ClassMeta[]; fieldResolvers: FieldResolverMeta[] }

type Resolver = GraphQLFieldResolver<unknown, unknown>;

/**
 * type-graphql gives every field of an object type a resolver of its own, and on each call that
 * resolver allocates its arguments object, sorts a copy of the method's parameter list
 * (Array.prototype.sort) and converts the parent object — for every project and every person of a
 * page. In W1 that was a quarter of the 1.9 MB allocated per request. Run once on the built
 * schema (before the permission middleware wraps anything), this pass swaps, where it changes
 * nothing a client can see:
 *
 * - a plain property field (type-graphql's resolver returns `parent[property]`) for a function
 *   that reads the property. Not for no resolver at all: graphql-jit inlines a default-resolved
 *   field as a plain read and never awaits it, and some properties are promises (a connection's
 *   lazy totalCount);
 * - a field resolver method whose parameters are only @Root, @Ctx and @Info (no arguments to
 *   convert or validate) for a direct call on one instance of its resolver class (Atrium's are
 *   stateless), when the parent already is an instance of the declared root type; any other
 *   parent still goes through type-graphql's resolver, which converts it first.
 *
 * Fields with middlewares or roles, methods with @Arg/@Args, and methods on the object types
 * themselves keep type-graphql's resolvers. This holds because schema.ts gives buildSchema no
 * global middlewares and no auth checker (which this pass cannot see): adding either means
 * dropping this pass. Returns the number of fields changed.
 */
export function directResolvers(schema: GraphQLSchema): number {
  const storage = getMetadataStorage() as unknown as Storage;
  let changed = 0;
  for (const objectType of storage.objectTypes) {
    const type = schema.getType(objectType.name);
    if (!isObjectType(type)) continue;
    const schemaFields = type.getFields();
    // As type-graphql's schema generator does: interface fields first, the type's own override them.
    const byName = new Map<string, FieldMeta>();
    for (const iface of objectType.interfaceClasses ?? []) {
      for (const field of storage.interfaceTypes.find((i) => i.target === iface)?.fields ?? []) byName.set(field.schemaName, field);
    }
    for (const field of objectType.fields ?? []) byName.set(field.schemaName, field);

    for (const [name, field] of byName) {
      const schemaField = schemaFields[name];
      if (!schemaField?.resolve || field.middlewares.length || field.roles) continue;
      const method = storage.fieldResolvers.find((r) => r.getObjectType() === field.target && r.methodName === field.name);
      if (!method) {
        schemaField.resolve = propertyReader(field.name);
        changed++;
        continue;
      }
      const direct = directCall(method, schemaField.resolve as Resolver);
      if (direct) {
        schemaField.resolve = direct;
        changed++;
      }
    }
  }
  return changed;
}

const readers = new Map<string, Resolver>();

function propertyReader(property: string): Resolver {
  let reader = readers.get(property);
  if (!reader) {
    reader = (parent) => (parent as Record<string, unknown> | null | undefined)?.[property];
    readers.set(property, reader);
  }
  return reader;
}

const PLAIN_KINDS = new Set(['root', 'context', 'info']);

function directCall(method: FieldResolverMeta, original: Resolver): Resolver | undefined {
  if (method.kind !== 'external' || method.middlewares.length || method.roles) return undefined;
  const params = [...method.params].sort((a, b) => a.index - b.index);
  if (params.length > 3 || !params.every((p) => PLAIN_KINDS.has(p.kind) && !p.propertyName)) return undefined;
  const rootParam = params.find((p) => p.kind === 'root');
  const RootType = rootParam?.getType?.();
  if (rootParam && typeof RootType !== 'function') return undefined;
  const instance = new method.target();
  const fn = instance[method.methodName];
  if (typeof fn !== 'function') return undefined;
  const kinds = params.map((p) => p.kind);
  const pick = (kind: string, parent: unknown, ctx: unknown, info: unknown) => (kind === 'root' ? parent : kind === 'context' ? ctx : info);
  const [a, b, c] = kinds;
  return (parent, args, ctx, info) => {
    if (RootType && parent != null && !(parent instanceof (RootType as Function))) return original(parent, args, ctx, info);
    switch (kinds.length) {
      case 0: return fn.call(instance);
      case 1: return fn.call(instance, pick(a, parent, ctx, info));
      case 2: return fn.call(instance, pick(a, parent, ctx, info), pick(b, parent, ctx, info));
      default: return fn.call(instance, pick(a, parent, ctx, info), pick(b, parent, ctx, info), pick(c, parent, ctx, info));
    }
  };
}
