import { ClassType, Field, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'Relay pagination state of a connection.' })
export class PageInfo {
  @Field({ description: 'Paging forward (first/after): whether more items follow the last edge. Always false paging backward.' })
  hasNextPage: boolean;

  @Field({ description: 'Paging backward (last/before): whether more items precede the first edge. Always false paging forward.' })
  hasPreviousPage: boolean;

  @Field(() => String, { nullable: true, description: 'Cursor of the first edge; pass it as `before` for the previous page.' })
  startCursor: string | null;

  @Field(() => String, { nullable: true, description: 'Cursor of the last edge; pass it as `after` for the next page.' })
  endCursor: string | null;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

/**
 * An edge whose cursor is encoded on first read: a page of 100 people costs no cursor work when
 * the client selects only nodes (pageInfo's start and end cursors are encoded anyway).
 */
export class LazyEdge<T> implements Edge<T> {
  #cursor: string | undefined;
  constructor(
    readonly node: T,
    private readonly encode: () => string,
  ) {}
  get cursor(): string {
    return (this.#cursor ??= this.encode());
  }
}
/**
 * `totalCount` may be a promise (see LazyConnection): graphql resolves it only when a client selects
 * the field. `nodes` is the edges' nodes, in their order (the shortcut GitHub's and GitLab's APIs offer).
 */
export interface Connection<T> {
  edges: Edge<T>[];
  nodes: T[];
  pageInfo: PageInfo;
  totalCount: number | Promise<number>;
}

/**
 * A connection whose `totalCount` runs `count` on first read and remembers the answer, so a list
 * costs its COUNT query only when the client selects totalCount (type-graphql and graphql-jit
 * resolve a plain @Field by reading the property, which calls the getter; the promise is awaited).
 * A getter of the class, not one defined on each page (Object.defineProperty): V8's
 * young-generation collector kept all that a per-object accessor's closure reached — the page, its
 * rows, the request's context — alive until the next full collection.
 */
export class LazyConnection<T> implements Connection<T> {
  readonly pageInfo: PageInfo;
  #total: number | Promise<number> | undefined;
  readonly #count: number | (() => Promise<number>);
  #nodes: T[] | undefined;
  /**
   * `edges` is the page, in the list's order; `hasNextPage` whether more items follow it and
   * `hasPreviousPage` whether items precede it. `count` is the total, or how to count it.
   */
  constructor(
    readonly edges: Edge<T>[],
    hasNextPage: boolean,
    count: number | (() => Promise<number>),
    hasPreviousPage = false,
  ) {
    this.pageInfo = { hasNextPage, hasPreviousPage, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null };
    this.#count = count;
  }
  get totalCount(): number | Promise<number> {
    return (this.#total ??= typeof this.#count === 'number' ? this.#count : this.#count());
  }
  /** The edges' nodes; built on first read, so a client that selects only edges pays nothing for it. */
  get nodes(): T[] {
    return (this.#nodes ??= this.edges.map((edge) => edge.node));
  }
}

/**
 * Builds the `XEdge` and `XConnection` object types for a node type, as the contract names them.
 * `totalCount` may be a number or a lazy thunk so a list can skip its COUNT query when not asked.
 */
export function connectionTypes<T extends object>(name: string, node: () => ClassType<T> | Function) {
  @ObjectType(`${name}Edge`, { description: `An edge of a ${name} connection.` })
  class EdgeType {
    @Field({ description: 'Opaque cursor of this edge.' })
    cursor: string;

    @Field(node as () => ClassType<T>, { description: `The ${name}.` })
    node: T;
  }

  @ObjectType(`${name}Connection`, { description: `A page of ${name} items.` })
  class ConnectionType {
    @Field(() => [EdgeType], { description: 'The items of this page.' })
    edges: EdgeType[];

    @Field(() => [(node as () => ClassType<T>)()], { description: `The ${name} items of this page, as in edges (without their cursors).` })
    nodes: T[];

    @Field(() => PageInfo, { description: 'Pagination state.' })
    pageInfo: PageInfo;

    @Field(() => Int, { description: 'How many items match, across all pages.' })
    totalCount: number | Promise<number>;
  }

  return { EdgeType, ConnectionType };
}
