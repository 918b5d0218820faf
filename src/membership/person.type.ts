import { Field, ID, InterfaceType } from 'type-graphql';
import { PersonStatus, WorkspaceRole } from '../common/enums';
import { Node } from '../common/node';

/**
 * Someone on a workspace's people page: an active member or an invitation. No `resolveType`: the
 * page's values are Membership and Invitation instances, and type-graphql's own resolver picks the
 * type by class, synchronously (a custom one would be wrapped in a promise, which graphql-jit refuses).
 */
@InterfaceType('Person', {
  // A Node itself, so a PersonEdge's node is one (Relay's edge rule), as each of its types is.
  implements: Node,
  description: "Someone on a workspace's people page: a member, or an invitation not yet accepted.",
})
export abstract class Person {
  @Field(() => ID)
  id: string;

  @Field(() => String, { nullable: true, description: 'Display name; null for an invitation to someone without an account.' })
  name: string | null;

  @Field(() => String, { nullable: true, description: 'Email address, where the caller may see it.' })
  email: string | null;

  @Field(() => WorkspaceRole, { description: 'Role in the workspace (the invited role for an invitation).' })
  role: WorkspaceRole;

  @Field(() => PersonStatus, { description: 'ACTIVE for members, INVITED or EXPIRED for invitations.' })
  status: PersonStatus;

  @Field({ description: 'When the membership or invitation was created.' })
  createdAt: Date;
}
