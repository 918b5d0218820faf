import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { PersonStatus } from '../common/enums';
import type { Context } from '../context';
import { Invitation } from '../invitation/invitation.entity';
import { canSeeEmail } from '../account/account.resolver';
import { accountByEmail } from './membership.loaders';
import { invitationStatus } from './membership.service';

/** The Person fields of an invitation (the invitation feature resolves the rest). */
@Resolver(() => Invitation)
export class InvitationPersonResolver {
  @FieldResolver(() => String, {
    nullable: true,
    description:
      'The name of the account registered with the invited address, when the caller already shares a workspace with it; null otherwise, so an invitation never reveals who has an account.',
  })
  async name(@Root() invitation: Invitation, @Ctx() ctx: Context): Promise<string | null> {
    const account = await accountByEmail(ctx).load(invitation.emailNormalized);
    return account && (await canSeeEmail(ctx, account.id)) ? account.name : null;
  }

  @FieldResolver(() => PersonStatus, {
    description: 'INVITED while pending; EXPIRED once a pending link is past its expiry, or after it was declined or revoked; ACTIVE once accepted.',
  })
  status(@Root() invitation: Invitation): PersonStatus {
    return invitationStatus(invitation);
  }
}
