import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Account } from '../account/account.entity';
import { signedIn } from '../account/account.resolver';
import { AuthPayload, Me } from '../account/account.types';
import { parentOf, workspaceAccess } from '../auth/access';
import { consumeAll, LIMITS } from '../auth/rate-limit';
import { clearLoaders, type Context } from '../context';
import { notFound } from '../errors';
import { Membership } from '../membership/membership.entity';
import { membershipByWorkspaceAccount } from '../membership/membership.loaders';
import { Workspace } from '../workspace/workspace.entity';
import { anyWorkspaceById } from '../workspace/workspace.loaders';
import { Invitation } from './invitation.entity';
import * as invitations from './invitation.service';
import { InvitationPreview, InviteMembersInput, InviteMembersPayload, SignUpAndAcceptInvitationInput } from './invitation.types';

/** The per-workspace and per-inviter limits on invitation emails, counted outside the business transaction. */
async function countInvitationEmails(ctx: Context, workspaceId: string, count: number): Promise<void> {
  const me = signedIn(ctx);
  await consumeAll(ctx.db, [LIMITS.invitesPerWorkspace(ctx.config, workspaceId), LIMITS.invitesPerInviter(ctx.config, me.id)], count);
}

@Resolver(() => Invitation)
export class InvitationResolver {
  @Query(() => InvitationPreview, {
    nullable: true,
    description: 'What the accept page shows to whoever holds an invitation token; null for an unknown token.',
  })
  invitationPreview(
    @Arg('token', () => String, { description: 'The token from the invitation link.' }) token: string,
    @Ctx() ctx: Context,
  ): Promise<InvitationPreview | null> {
    return invitations.previewInvitation(ctx.db.manager, token);
  }

  @Mutation(() => InviteMembersPayload, {
    description: 'Invites 1–50 addresses with one role; each address gets its own result, in input order.',
  })
  async inviteMembers(
    @Arg('input', () => InviteMembersInput, { description: 'The workspace, the addresses, the role and an optional note.' }) input: InviteMembersInput,
    @Ctx() ctx: Context,
  ): Promise<InviteMembersPayload> {
    const me = signedIn(ctx);
    const access = await workspaceAccess(ctx, input.workspaceId);
    if (!access) throw notFound('The workspace');
    // The role ceiling first: a refused request must not use up the caller's allowance.
    invitations.ensureInviteCeiling(access.membership?.role ?? null, access.superuser, input.role);
    await countInvitationEmails(ctx, access.workspace.id, invitations.planInvites(input.emails).candidates.length);
    const payload = await ctx.db.transaction((tx) => invitations.inviteMembers(tx, ctx.config, me, access.superuser, input));
    clearLoaders(ctx);
    return payload;
  }

  @Mutation(() => Invitation, { description: 'Sends a pending or expired invitation again with a new link (the old one stops working) and a new expiry.' })
  async resendInvitation(@Arg('id', () => ID, { description: 'The invitation.' }) id: string, @Ctx() ctx: Context): Promise<Invitation> {
    const workspaceId = await parentOf(ctx, 'invitation', id);
    if (!workspaceId) throw notFound('The invitation');
    await countInvitationEmails(ctx, workspaceId, 1);
    const invitation = await ctx.db.transaction((tx) => invitations.resendInvitation(tx, ctx.config, signedIn(ctx), id));
    clearLoaders(ctx);
    return invitation;
  }

  @Mutation(() => Invitation, { description: 'Ends a pending invitation; its link stops working.' })
  async revokeInvitation(@Arg('id', () => ID, { description: 'The invitation.' }) id: string, @Ctx() ctx: Context): Promise<Invitation> {
    const invitation = await ctx.db.transaction((tx) => invitations.revokeInvitation(tx, signedIn(ctx), id));
    clearLoaders(ctx);
    return invitation;
  }

  @Mutation(() => Membership, {
    description: 'Accepts an invitation as the signed-in account, whose email must be the invited address; this also verifies the address.',
  })
  async acceptInvitation(
    @Arg('token', () => String, { description: 'The token from the invitation link.' }) token: string,
    @Ctx() ctx: Context,
  ): Promise<Membership> {
    const member = await ctx.db.transaction((tx) => invitations.acceptInvitation(tx, signedIn(ctx), token));
    clearLoaders(ctx);
    return member;
  }

  @Mutation(() => AuthPayload, {
    description:
      'Creates a verified account for the invited address, accepts the invitation and signs in, all at once. An account that never verified the address is taken over instead (new name and password; its sessions and tokens end); a verified one answers CONFLICT, ACCOUNT_EXISTS.',
  })
  async signUpAndAcceptInvitation(
    @Arg('input', () => SignUpAndAcceptInvitationInput, { description: "The invitation token and the new account's name and password." })
    input: SignUpAndAcceptInvitationInput,
    @Ctx() ctx: Context,
  ): Promise<AuthPayload> {
    const session = await ctx.db.transaction((tx) => invitations.signUpAndAcceptInvitation(tx, ctx.config, input));
    clearLoaders(ctx);
    return { token: session.token, expiresAt: session.expiresAt, me: session.account as Me };
  }

  @Mutation(() => Boolean, { description: 'Declines an invitation; whoever holds the token may do so.' })
  async declineInvitation(
    @Arg('token', () => String, { description: 'The token from the invitation link.' }) token: string,
    @Ctx() ctx: Context,
  ): Promise<boolean> {
    await ctx.db.transaction((tx) => invitations.declineInvitation(tx, ctx.user, token));
    clearLoaders(ctx);
    return true;
  }

  @FieldResolver(() => Membership, { nullable: true, description: 'The member who sent the invitation; null when they are no longer in the workspace.' })
  async invitedBy(@Root() invitation: Invitation, @Ctx() ctx: Context): Promise<Membership | null> {
    if (!invitation.invitedById) return null;
    return membershipByWorkspaceAccount(ctx).load(`${invitation.workspaceId}:${invitation.invitedById}`);
  }

  @FieldResolver(() => Workspace, { description: 'The workspace the invitation is for.' })
  async workspace(@Root() invitation: Invitation, @Ctx() ctx: Context): Promise<Workspace> {
    const workspace = await anyWorkspaceById(ctx).load(invitation.workspaceId);
    if (!workspace) throw notFound('The workspace');
    return workspace;
  }
}

@Resolver(() => Me)
export class MyInvitationsResolver {
  @FieldResolver(() => [Invitation], {
    description: "Pending invitations addressed to this account's email, in any workspace; none until the address is verified.",
  })
  async pendingInvitations(@Root() me: Account, @Ctx() ctx: Context): Promise<Invitation[]> {
    // Anyone can sign up with any address; until it is proved, invitations to it (and the private
    // workspaces they name) belong to whoever holds the inbox, not to this account.
    if (!me.emailVerifiedAt) return [];
    return invitations.pendingInvitationsFor(ctx.db.manager, me.email);
  }
}
