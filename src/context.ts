import type DataLoader from 'dataloader';
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
  memberships?: Membership[] | null;
}): Context {
  return {
    db: args.db,
    config: args.config,
    user: args.user ?? null,
    token: args.token ?? null,
    loaders: new Map(),
    requestId: args.requestId ?? '-',
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

interface Instance<K, V, C> { loader: DataLoader<K, V, C>; settled: Map<K, V> }

/**
 * Defines a per-request DataLoader. Each feature declares its loaders next to its entity, and
 * `loader(ctx).load(key)` returns the request's own instance, created on first use — so there is
 * no module-level cache and no central registry to edit. `peek` knows values under primitive keys
 * (strings): a loader with object keys and a cacheKeyFn keeps working, without peek.
 */
export function defineLoader<K, V, C = K>(
  make: (ctx: Context) => DataLoader<K, V, C>,
  /** Runs once the request's instance exists, e.g. to prime it with what the request already read. */
  init?: (loader: DataLoader<K, V, C>, ctx: Context) => void,
): RequestLoader<K, V, C> {
  const key = Symbol(make.name || 'loader');
  const instanceOf = (ctx: Context): Instance<K, V, C> => {
    let instance = ctx.loaders.get(key) as Instance<K, V, C> | undefined;
    if (!instance) {
      instance = track(make(ctx));
      ctx.loaders.set(key, instance);
      init?.(instance.loader, ctx);
    }
    return instance;
  };
  const accessor = ((ctx: Context) => instanceOf(ctx).loader) as RequestLoader<K, V, C>;
  accessor.peek = (ctx, k) => instanceOf(ctx).settled.get(k);
  return accessor;
}

/** Wraps a loader so every value it is primed with or settles on is also kept in a plain map. */
function track<K, V, C>(loader: DataLoader<K, V, C>): Instance<K, V, C> {
  const settled = new Map<K, V>();
  const { load, prime, clear, clearAll } = loader;
  loader.load = (k: K) => {
    const promise = load.call(loader, k);
    if (typeof k !== 'object' && !settled.has(k)) promise.then((value) => settled.set(k, value), () => undefined);
    return promise;
  };
  loader.prime = (k: K, value: V | PromiseLike<V> | Error) => {
    if (typeof k !== 'object' && !settled.has(k) && !(value instanceof Error) && !isPromiseLike(value)) settled.set(k, value);
    return prime.call(loader, k, value);
  };
  loader.clear = (k: K) => {
    settled.delete(k);
    return clear.call(loader, k);
  };
  loader.clearAll = () => {
    settled.clear();
    return clearAll.call(loader);
  };
  return { loader, settled };
}

const isPromiseLike = (value: unknown): value is PromiseLike<unknown> =>
  typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';

/** Drops every cached loader value, after a mutation changed what they read. */
export function clearLoaders(ctx: Context): void {
  ctx.loaders.clear();
}

/** A transaction manager or the data source's own manager: services take either. */
export type Db = EntityManager;
