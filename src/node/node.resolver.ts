import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { Node } from '../common/node';
import type { Context } from '../context';
import { MAX_NODE_IDS, nodesByIds } from './node.service';

/** Relay's root fields: any object by its id, with the typed queries' access checks (node.service.ts). */
@Resolver()
export class NodeResolver {
  @Query(() => Node, { nullable: true, description: 'Any object the caller may view, by id; null with a NOT_FOUND error otherwise, whether or not it exists.' })
  async node(@Arg('id', () => ID, { description: 'The id, as any field or typed query answers it.' }) id: string, @Ctx() ctx: Context): Promise<object> {
    const [found] = await nodesByIds(ctx, [id]);
    if (found instanceof Error) throw found;
    return found;
  }

  @Query(() => [Node], {
    nullable: 'items',
    description: `Up to ${MAX_NODE_IDS} objects by id, in the order given; null (with a NOT_FOUND error) for each the caller may not view.`,
  })
  nodes(@Arg('ids', () => [ID], { description: `The ids, at most ${MAX_NODE_IDS}.` }) ids: string[], @Ctx() ctx: Context): Promise<object[]> {
    return nodesByIds(ctx, ids);
  }
}
