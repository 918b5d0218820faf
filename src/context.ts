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
export type RequestLoader<K, V, C = K> = (ctx: Context) => DataLoader<K, V, C>;

/** The DataLoader every per-request loader is (see defineLoader). */
export class RequestDataLoader<K, V, C = K> extends DataLoader<K, V, C> {}

/**
 * Defines a per-request DataLoader. Each feature declares its loaders next to its entity, and
 * `loader(ctx).load(key)` returns the request's own instance, created on first use — so there is
 * no module-level cache and no central registry to edit. A page that already read what its items'
 * fields will ask for primes the loaders those fields use.
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
  return instanceOf;
}

/** Drops every cached loader value, after a mutation changed what they read. */
export function clearLoaders(ctx: Context): void {
  ctx.loaders.clear();
}

/** A transaction manager or the data source's own manager: services take either. */
export type Db = EntityManager;
