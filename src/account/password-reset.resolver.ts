import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import { AuthPayload, Me, ResetPasswordInput } from './account.types';
import * as resets from './password-reset.service';
import { limitClient, LIMITS } from '../auth/rate-limit';
import type { Context } from '../context';

@Resolver()
export class PasswordResetResolver {
  @Mutation(() => Boolean, {
    description: 'Emails a password reset link to the address if it has an account. Always answers true, whether or not the address has an account.',
  })
  async requestPasswordReset(
    @Arg('email', () => String, { description: 'The email address of the account.' }) email: string,
    @Ctx() ctx: Context,
  ): Promise<boolean> {
    // Counted per client, and per address whether or not it has an account, so the limit reveals nothing either.
    await limitClient(ctx, 'passwordReset', LIMITS.passwordReset(ctx.config, email));
    await ctx.db.transaction((tx) => resets.requestPasswordReset(tx, ctx.config, email));
    return true;
  }

  @Mutation(() => AuthPayload, {
    description: 'Sets a new password with the emailed reset token; every session and personal access token of the account ends, and a new session starts.',
  })
  async resetPassword(
    @Arg('input', () => ResetPasswordInput, { description: 'The emailed token and the new password.' }) input: ResetPasswordInput,
    @Ctx() ctx: Context,
  ): Promise<AuthPayload> {
    const session = await ctx.db.transaction((tx) => resets.resetPassword(tx, ctx.config, input));
    return { token: session.token, expiresAt: session.expiresAt, me: session.account as Me };
  }
}
