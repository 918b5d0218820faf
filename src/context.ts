import DataLoader from 'dataloader';
import type { DataSource, EntityManager } from 'typeorm';
import type { Account } from './account/account.entity';
import type { Token } from './auth/token.entity';
import type { Membership } from './membership/membership.entity';
import type { Config } from './config';

/** Everything a request can reach. Built only by `createContext`. */
export interface Context {
  /** The data source; services open transactions on it. */
  db: DataSource;
  config: Config;
  /** The signed-in account, or null for a guest. */
  user: Account | null;
  /** The token this request was authenticated with. */
  token: Token | null;
  /** Per-request loader instances, keyed by their definition (see `defineLoader`). */
  loaders: Map<symbol, unknown>;
  /** Request id, for logs. */
  requestId: string;
  /**
   * Who is asking, for the per-client limits: the client's address as TRUST_PROXY says to read it,
   * IPv6 by /64 (auth/client-address.ts). 'unknown' outside an HTTP request.
   */
  clientAddress: string;
  /**
   * The caller's memberships as authentication read them; the request's membership loader starts
   * from them once (membership.loaders.ts) and, after a write clears the loaders, reads afresh.
   */
  preloadedMemberships: Membership[] | null;
}

export function createContext(args: {
  db: DataSource;
  config: Config;
  user?: Account | null;
  token?: Token | null;
  requestId?: string;
  clientAddress?: string;
  memberships?: Membership[] | null;
}): Context {
  return {
    db: args.db,
    config: args.config,
    user: args.user ?? null,
    token: args.token ?? null,
    loaders: new Map(),
    requestId: args.requestId ?? '-',
    clientAddress: args.clientAddress ?? 'unknown',
    preloadedMemberships: args.memberships ?? null,
  };
}

/** A per-request loader (see defineLoader). */
export interface RequestLoader<K, V, C = K> {
  (ctx: Context): DataLoader<K, V, C>;
  /**
   * The value this request already holds for `key` — primed, or loaded and settled — without
   * waiting; undefined when it has none yet (then `load` it). Hot fields answer synchronously
   * from it: graphql-js completes an object whose fields are all plain values without the
   * promise machinery it needs for one awaited field, which measured a third of W1's CPU.
   */
  peek(ctx: Context, key: K): V | undefined;
}

/**
 * The DataLoader every per-request loader is: it also keeps each value it is primed with or
 * settles on, under a primitive key, in a plain map that `peek` reads. Overrides on the class, not
 * functions assigned to each instance: V8 kept what per-instance closures reached (the loader, its
 * values, the request) alive through young-generation collections until the next full one.
 */
export class RequestDataLoader<K, V, C = K> extends DataLoader<K, V, C> {
  readonly settled = new Map<K, V>();

  override load(key: K): Promise<V> {
    const promise = super.load(key);
    if (typeof key !== 'object' && !this.settled.has(key)) promise.then((value) => this.settled.set(key, value), () => undefined);
    return promise;
  }

  override prime(key: K, value: V | PromiseLike<V> | Error): this {
    if (typeof key !== 'object' && !this.settled.has(key) && !(value instanceof Error) && !isPromiseLike(value)) this.settled.set(key, value);
    return super.prime(key, value);
  }

  override clear(key: K): this {
    this.settled.delete(key);
    return super.clear(key);
  }

  override clearAll(): this {
    this.settled.clear();
    return super.clearAll();
  }
}

/**
 * Defines a per-request DataLoader. Each feature declares its loaders next to its entity, and
 * `loader(ctx).load(key)` returns the request's own instance, created on first use — so there is
 * no module-level cache and no central registry to edit. `peek` knows values under primitive keys
 * (strings): a loader with object keys and a cacheKeyFn keeps working, without peek.
 */
export function defineLoader<K, V, C = K>(
  make: (ctx: Context) => RequestDataLoader<K, V, C>,
  /** Runs once the request's instance exists, e.g. to prime it with what the request already read. */
  init?: (loader: DataLoader<K, V, C>, ctx: Context) => void,
): RequestLoader<K, V, C> {
  const key = Symbol(make.name || 'loader');
  const instanceOf = (ctx: Context): RequestDataLoader<K, V, C> => {
    let instance = ctx.loaders.get(key) as RequestDataLoader<K, V, C> | undefined;
    if (!instance) {
      instance = make(ctx);
      ctx.loaders.set(key, instance);
      init?.(instance, ctx);
    }
    return instance;
  };
  const accessor = ((ctx: Context) => instanceOf(ctx)) as unknown as RequestLoader<K, V, C>;
  accessor.peek = (ctx, k) => instanceOf(ctx).settled.get(k);
  return accessor;
}

const isPromiseLike = (value: unknown): value is PromiseLike<unknown> =>
  typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';

/** Drops every cached loader value, after a mutation changed what they read. */
export function clearLoaders(ctx: Context): void {
  ctx.loaders.clear();
}

/** A transaction manager or the data source's own manager: services take either. */
export type Db = EntityManager;
