import { Field, ID, InterfaceType } from 'type-graphql';

/**
 * Relay's global identification: every object with an id. No `resolveType`, as for Person: the
 * values are entity instances and type-graphql's own resolver picks the type by class,
 * synchronously. An id is the row's UUID, the same the typed queries and mutations take, and
 * unique across tables (docs/RULES.md §8).
 */
@InterfaceType('Node', { description: 'An object with a globally unique id; node(id) fetches it again.' })
export abstract class Node {
  @Field(() => ID, { description: 'Globally unique: the same id the typed queries and mutations take.' })
  id: string;
}
