import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { PersonStatus } from '../common/enums';
import type { Context } from '../context';
import { Invitation } from '../invitation/invitation.entity';
import { accountNameByEmail } from './membership.loaders';
import { invitationStatus } from './membership.service';

/** The Person fields of an invitation (the invitation feature resolves the rest). */
@Resolver(() => Invitation)
export class InvitationPersonResolver {
  @FieldResolver(() => String, { nullable: true, description: 'The name of the account registered with the invited address; null when there is none.' })
  name(@Root() invitation: Invitation, @Ctx() ctx: Context): Promise<string | null> {
    return accountNameByEmail(ctx).load(invitation.emailNormalized);
  }

  @FieldResolver(() => PersonStatus, {
    description: 'INVITED while pending; EXPIRED once a pending link is past its expiry, or after it was declined or revoked; ACTIVE once accepted.',
  })
  status(@Root() invitation: Invitation): PersonStatus {
    return invitationStatus(invitation);
  }
}
