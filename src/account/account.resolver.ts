import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Account } from './account.entity';
import {
  AuthPayload,
  ChangePasswordInput,
  CreateAccessTokenInput,
  CreateAccessTokenPayload,
  DeleteMeInput,
  Me,
  SignInInput,
  SignUpInput,
  UpdateMeInput,
} from './account.types';
import * as accounts from './account.service';
import { Token, TokenKind } from '../auth/token.entity';
import { PlatformRole } from '../common/enums';
import { defineLoader, RequestDataLoader, type Context } from '../context';
import { notFound } from '../errors';
import { IsNull } from 'typeorm';
import { codeStorage } from '../code/storage';
import { deleteCodeFiles } from '../workspace/purge.job';
import { limitClient, limitSignInFailures } from '../auth/rate-limit';
import { sendVerificationEmail } from './email-verification.service';

/** The signed-in account; the shield guarantees one on every operation that calls this. */
export function signedIn(ctx: Context): Account {
  if (!ctx.user) throw new Error('signedIn() called without a signed-in caller');
  return ctx.user;
}

const toPayload = (s: accounts.NewSession): AuthPayload => ({ token: s.token, expiresAt: s.expiresAt, me: s.account as Me });

/**
 * Accounts whose email the caller may see (RULES.md §2): themselves, people sharing a live
 * workspace with them, and everyone for platform admins.
 */
const emailVisible = defineLoader(
  (ctx) =>
    new RequestDataLoader<string, boolean>(async (ids) => {
      const me = ctx.user;
      if (!me) return ids.map(() => false);
      if (me.platformRole === PlatformRole.ADMIN || me.isSuperuser) return ids.map(() => true);
      const rows: { account_id: string }[] = await ctx.db.query(
        `SELECT DISTINCT other.account_id FROM membership mine
           JOIN membership other ON other.workspace_id = mine.workspace_id
           JOIN workspace w ON w.id = mine.workspace_id AND w.removed_at IS NULL
          WHERE mine.account_id = $1 AND other.account_id = ANY($2::uuid[])`,
        [me.id, ids],
      );
      const shared = new Set(rows.map((r) => r.account_id));
      return ids.map((id) => id === me.id || shared.has(id));
    }),
);

/** Whether the caller may see the email of an account (User.email, Member.email). */
export const canSeeEmail = (ctx: Context, accountId: string) => emailVisible(ctx).load(accountId);

/**
 * Records an answer of canSeeEmail that a list query already worked out (the people page: the
 * members of a live workspace the caller belongs to share it with them), so it costs no query.
 * Platform admins see every address whatever the list says.
 */
export function primeEmailVisible(ctx: Context, accountId: string, visible: boolean): void {
  const me = ctx.user;
  if (!me) return;
  const everyone = me.platformRole === PlatformRole.ADMIN || me.isSuperuser;
  emailVisible(ctx).prime(accountId, everyone || accountId === me.id || visible);
}

@Resolver(() => Account)
export class UserResolver {
  @FieldResolver(() => String, {
    nullable: true,
    description: 'Visible to the user, to people who share a workspace with them (viewer or higher), and to platform admins; null otherwise.',
  })
  async email(@Root() user: Account, @Ctx() ctx: Context): Promise<string | null> {
    return (await canSeeEmail(ctx, user.id)) ? user.email : null;
  }
}

@Resolver(() => Me)
export class AccountResolver {
  @Query(() => Me, { nullable: true, description: 'The signed-in account; null for a guest.' })
  me(@Ctx() ctx: Context): Account | null {
    return ctx.user;
  }

  @FieldResolver(() => [Token], { description: 'Personal access tokens that have not been revoked.' })
  accessTokens(@Root() me: Account, @Ctx() ctx: Context): Promise<Token[]> {
    return ctx.db.getRepository(Token).find({
      where: { accountId: me.id, kind: TokenKind.ACCESS, revokedAt: IsNull() },
      order: { createdAt: 'DESC', id: 'DESC' },
    });
  }

  @Mutation(() => AuthPayload, {
    description: 'Creates an account, signs it in and emails a link to verify the address; until then the account sees no invitations.',
  })
  async signUp(@Arg('input', () => SignUpInput) input: SignUpInput, @Ctx() ctx: Context): Promise<AuthPayload> {
    await limitClient(ctx, 'signUp');
    return ctx.db.transaction(async (tx) => {
      const account = await accounts.createAccount(tx, input);
      await sendVerificationEmail(tx, ctx.config, account);
      return toPayload(await accounts.createSession(tx, account, ctx.config.sessionTtlDays));
    });
  }

  @Mutation(() => AuthPayload, { description: 'Signs in with email and password.' })
  async signIn(@Arg('input', () => SignInInput) input: SignInInput, @Ctx() ctx: Context): Promise<AuthPayload> {
    const account = await limitSignInFailures(ctx, input.email, () => accounts.checkCredentials(ctx.db.manager, input.email, input.password));
    return toPayload(await accounts.createSession(ctx.db.manager, account, ctx.config.sessionTtlDays));
  }

  @Mutation(() => Boolean, { description: 'Ends the session of the token used for this request.' })
  async signOut(@Ctx() ctx: Context): Promise<boolean> {
    await accounts.signOut(ctx.db.manager, ctx.token);
    return true;
  }

  @Mutation(() => Me, { description: 'Changes the account profile.' })
  async updateMe(@Arg('input', () => UpdateMeInput) input: UpdateMeInput, @Ctx() ctx: Context): Promise<Account> {
    const me = signedIn(ctx);
    const changes: Partial<Account> = {};
    if (input.name !== undefined && input.name !== null) changes.name = input.name.trim();
    if (input.jobTitle !== undefined) changes.jobTitle = input.jobTitle?.trim() || null;
    if (input.avatarUrl !== undefined) changes.avatarUrl = input.avatarUrl || null;
    if (Object.keys(changes).length) await ctx.db.getRepository(Account).update(me.id, changes);
    return ctx.db.getRepository(Account).findOneByOrFail({ id: me.id });
  }

  @Mutation(() => Boolean, {
    description:
      'Changes the password; every other session ends. Personal access tokens keep working (revoke them with revokeAccessToken); a password reset ends them too.',
  })
  async changePassword(@Arg('input', () => ChangePasswordInput) input: ChangePasswordInput, @Ctx() ctx: Context): Promise<boolean> {
    await ctx.db.transaction((tx) => accounts.changePassword(tx, signedIn(ctx), input.currentPassword, input.newPassword, ctx.token?.id ?? null));
    return true;
  }

  @Mutation(() => CreateAccessTokenPayload, { description: 'Creates a personal access token; its secret is shown once.' })
  createAccessToken(@Arg('input', () => CreateAccessTokenInput) input: CreateAccessTokenInput, @Ctx() ctx: Context): Promise<CreateAccessTokenPayload> {
    return accounts.createAccessToken(ctx.db.manager, signedIn(ctx), input);
  }

  @Mutation(() => Token, { description: 'Revokes one of your personal access tokens; it stops working at once.' })
  async revokeAccessToken(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<Token> {
    const token = await accounts.revokeAccessToken(ctx.db.manager, signedIn(ctx), id);
    if (!token) throw notFound('The access token');
    return token;
  }

  @Mutation(() => Boolean, { description: 'Deletes the account (needs the password). Refused while it owns a workspace with other members.' })
  async deleteMe(@Arg('input', () => DeleteMeInput) input: DeleteMeInput, @Ctx() ctx: Context): Promise<boolean> {
    const me = signedIn(ctx);
    await accounts.confirmPassword(me, input.password, 'password');
    const { codeFiles } = await ctx.db.transaction((tx) => accounts.deleteAccount(tx, me));
    // Archives of purged workspaces go once the rows are gone for good (after the commit).
    await deleteCodeFiles(codeStorage(ctx.config, ctx.db), codeFiles);
    return true;
  }
}
