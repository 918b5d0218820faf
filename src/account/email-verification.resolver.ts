import { Arg, Ctx, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import { Account } from './account.entity';
import { signedIn } from './account.resolver';
import { Me } from './account.types';
import * as verification from './email-verification.service';
import { limitClient, LIMITS } from '../auth/rate-limit';
import type { Context } from '../context';

@Resolver(() => Me)
export class EmailVerificationResolver {
  @FieldResolver(() => Boolean, { description: "Whether the account proved its address (the link of the verification email, or an invitation's token)." })
  emailVerified(@Root() me: Account): boolean {
    return me.emailVerifiedAt !== null && me.emailVerifiedAt !== undefined;
  }

  @Mutation(() => Boolean, { description: 'Marks the account whose verification token this is as verified; false for an unknown or used token.' })
  verifyEmail(@Arg('token', () => String, { description: 'The token from the verification link.' }) token: string, @Ctx() ctx: Context): Promise<boolean> {
    return ctx.db.transaction((tx) => verification.verifyEmail(tx, token));
  }

  @Mutation(() => Boolean, {
    description: 'Sends the signed-in account a new verification link (rate-limited); false when the address is verified already and nothing was sent.',
  })
  async resendVerificationEmail(@Ctx() ctx: Context): Promise<boolean> {
    const me = signedIn(ctx);
    if (me.emailVerifiedAt) return false;
    // Counted outside the transaction, so a refused or failed send still counts against the limit.
    await limitClient(ctx, 'verificationEmail', LIMITS.verificationResend(ctx.config, me.id));
    return ctx.db.transaction((tx) => verification.resendVerificationEmail(tx, ctx.config, me.id));
  }
}
