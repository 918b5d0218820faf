import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Resolver, Root } from 'type-graphql';
import type { EntityManager } from 'typeorm';
import { Account } from '../account/account.entity';
import { canSeeEmail, primeEmailVisible, signedIn } from '../account/account.resolver';
import { Me } from '../account/account.types';
import { accessTo, canInWorkspace } from '../auth/access';
import { PersonStatus, PlatformRole } from '../common/enums';
import type { Connection } from '../common/page';
import { paginate } from '../common/pagination';
import { clearLoaders, type Context } from '../context';
import { forbidden, notFound } from '../errors';
import type { Invitation } from '../invitation/invitation.entity';
import { Workspace } from '../workspace/workspace.entity';
import { anyWorkspaceById } from '../workspace/workspace.loaders';
import { Membership } from './membership.entity';
import { accountByEmail, accountById } from './membership.loaders';
import { listPeople } from './people.query';
import * as memberships from './membership.service';
import {
  ChangeMemberRoleInput,
  LeaveWorkspacePayload,
  MemberConnection,
  PeopleFilter,
  PeopleOrder,
  PersonConnection,
  RemoveMemberPayload,
  TransferOwnershipInput,
  UpdateMyMembershipInput,
} from './membership.types';

/**
 * Runs a membership change in one transaction and drops the request's loaders so the answer reads
 * the committed state. A constraint violation that escaped the rules reaches the client as
 * CONFLICT (errors-format.ts).
 */
async function change<T>(ctx: Context, work: (tx: EntityManager, actor: memberships.Actor) => Promise<T>): Promise<T> {
  const user = signedIn(ctx);
  const actor = { id: user.id, isSuperuser: user.isSuperuser };
  try {
    return await ctx.db.transaction((tx) => work(tx, actor));
  } finally {
    clearLoaders(ctx);
  }
}

async function accountOf(ctx: Context, member: Membership): Promise<Account> {
  const account = await accountById(ctx).load(member.accountId);
  if (!account) throw notFound('The account');
  return account;
}

/**
 * `read(account)` of a member's account: at once when the membership was read with its account
 * (the people page, the projects page's owners, membershipByWorkspaceAccount), else once it is loaded.
 */
function fromAccount<T>(ctx: Context, member: Membership, read: (account: Account) => T): T | Promise<T> {
  return member.account ? read(member.account) : accountOf(ctx, member).then(read);
}

@Resolver(() => Membership)
export class MembershipResolver {
  @FieldResolver(() => String, {
    nullable: true,
    description: 'The workspace profile name, or the account name when useAccountProfile is true or no profile name is set.',
  })
  name(@Root() member: Membership, @Ctx() ctx: Context): string | Promise<string> {
    return fromAccount(ctx, member, (account) => (!member.useAccountProfile && member.profileName) || account.name);
  }

  @FieldResolver(() => String, {
    nullable: true,
    description: "The account's email, where the caller may see it (the person themself, people sharing a workspace with them, platform admins).",
  })
  email(@Root() member: Membership, @Ctx() ctx: Context): Promise<string | null> {
    return canSeeEmail(ctx, member.accountId).then((yes) => (yes ? fromAccount(ctx, member, (account) => account.email) : null));
  }

  @FieldResolver(() => PersonStatus, { description: 'Always ACTIVE for a member.' })
  status(): PersonStatus {
    return PersonStatus.ACTIVE;
  }

  @FieldResolver(() => Date, { description: 'When the person joined the workspace.' })
  joinedAt(@Root() member: Membership): Date {
    return member.createdAt;
  }

  @FieldResolver(() => String, { nullable: true, description: "Job title: the workspace profile's, or the account's when useAccountProfile is true." })
  jobTitle(@Root() member: Membership, @Ctx() ctx: Context): string | null | Promise<string | null> {
    return member.useAccountProfile ? fromAccount(ctx, member, (account) => account.jobTitle) : member.profileJobTitle;
  }

  @FieldResolver(() => String, { nullable: true, description: "Picture URL: the workspace profile's, or the account's when useAccountProfile is true." })
  avatarUrl(@Root() member: Membership, @Ctx() ctx: Context): string | null | Promise<string | null> {
    return member.useAccountProfile ? fromAccount(ctx, member, (account) => account.avatarUrl) : member.profileAvatarUrl;
  }

  @FieldResolver(() => Boolean, { description: "True when this membership is the caller's own." })
  isViewer(@Root() member: Membership, @Ctx() ctx: Context): boolean {
    return member.accountId === ctx.user?.id;
  }

  @FieldResolver(() => Account, { description: 'The account behind the membership.' })
  user(@Root() member: Membership, @Ctx() ctx: Context): Account | Promise<Account> {
    return fromAccount(ctx, member, (account) => account);
  }

  @FieldResolver(() => Workspace, { description: 'The workspace.' })
  async workspace(@Root() member: Membership, @Ctx() ctx: Context): Promise<Workspace> {
    const workspace = await anyWorkspaceById(ctx).load(member.workspaceId);
    if (!workspace) throw notFound('The workspace');
    return workspace;
  }

  @Mutation(() => Membership, { description: 'Changes your own profile in a workspace, or switches to showing your account profile there.' })
  updateMyMembership(@Arg('input', () => UpdateMyMembershipInput) input: UpdateMyMembershipInput, @Ctx() ctx: Context): Promise<Membership> {
    return change(ctx, (tx, actor) => memberships.updateMyMembership(tx, actor, input));
  }

  @Mutation(() => Membership, {
    description: "Changes a member's role (admins and the owner; up to ADMIN). Not your own role, not the owner's; OWNER only by transferOwnership.",
  })
  changeMemberRole(@Arg('input', () => ChangeMemberRoleInput) input: ChangeMemberRoleInput, @Ctx() ctx: Context): Promise<Membership> {
    return change(ctx, (tx, actor) => memberships.changeMemberRole(tx, actor, input));
  }

  @Mutation(() => RemoveMemberPayload, {
    description:
      'Removes a member (admins and the owner; not yourself, not the owner). Their projects pass to the owner; the pending invitations they sent are revoked.',
  })
  removeMember(@Arg('memberId', () => ID, { description: 'The membership to end.' }) memberId: string, @Ctx() ctx: Context): Promise<RemoveMemberPayload> {
    return change(ctx, (tx, actor) => memberships.removeMember(tx, actor, memberId));
  }

  @Mutation(() => LeaveWorkspacePayload, { description: 'Leaves a workspace (anyone but the owner). Your projects there pass to the owner.' })
  leaveWorkspace(
    @Arg('workspaceId', () => ID, { description: 'The workspace to leave.' }) workspaceId: string,
    @Ctx() ctx: Context,
  ): Promise<LeaveWorkspacePayload> {
    return change(ctx, (tx, actor) => memberships.leaveWorkspace(tx, actor, workspaceId));
  }

  @Mutation(() => Workspace, { description: 'Makes another active member the owner (owner only); the old owner becomes an admin.' })
  transferOwnership(@Arg('input', () => TransferOwnershipInput) input: TransferOwnershipInput, @Ctx() ctx: Context): Promise<Workspace> {
    return change(ctx, (tx, actor) => memberships.transferOwnership(tx, actor, input));
  }
}

@Resolver(() => Workspace)
export class WorkspacePeopleResolver {
  @FieldResolver(() => PersonConnection, {
    nullable: true,
    description:
      'Members and, for members and above, pending and expired invitations, as on the people page. Guests never see people: null for them, with a FORBIDDEN error.',
  })
  async people(
    @Root() workspace: Workspace,
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true, description: 'Page size, 0–100 (default 20).' }) first?: number,
    @Arg('after', () => String, { nullable: true, description: 'The endCursor of the previous page.' }) after?: string,
    @Arg('last', () => Int, { nullable: true, description: 'Page size going backward, 0–100 (default 20); with before, not with first or after.' })
    last?: number,
    @Arg('before', () => String, { nullable: true, description: 'The startCursor of the next page, to page backward before it.' }) before?: string,
    @Arg('filter', () => PeopleFilter, { nullable: true, description: 'Narrows the list.' }) filter?: PeopleFilter,
    @Arg('orderBy', () => PeopleOrder, { nullable: true, description: 'Sort order; NAME ascending by default.' }) orderBy?: PeopleOrder,
  ): Promise<Connection<Membership | Invitation>> {
    const access = await accessTo(ctx, workspace);
    // The shield already refused callers without workspace.people.list; this is defence in depth.
    if (!access || !canInWorkspace(access, 'workspace.people.list')) throw forbidden();
    const me = ctx.user;
    const { page, accounts, invitees } = await listPeople(ctx.db.manager, workspace.id, {
      first,
      after,
      last,
      before,
      filter,
      orderBy,
      includeInvitations: canInWorkspace(access, 'workspace.invitation.view'),
      viewerId: me?.id ?? null,
      viewerSeesEveryone: !!me && (me.platformRole === PlatformRole.ADMIN || me.isSuperuser),
    });
    // What the Person fields will ask for is in the page already: hand it to their loaders.
    // Members of a live workspace the caller belongs to share it with the caller (email visibility).
    const sharesThisWorkspace = access.membership !== null && !workspace.removedAt;
    for (const account of accounts) {
      accountById(ctx).prime(account.id, account);
      if (sharesThisWorkspace) primeEmailVisible(ctx, account.id, true);
    }
    for (const invitee of invitees) {
      accountByEmail(ctx).prime(invitee.emailNormalized, invitee.account);
      if (invitee.account) primeEmailVisible(ctx, invitee.account.id, invitee.visible);
    }
    return page;
  }
}

@Resolver(() => Me)
export class MeMembershipsResolver {
  @FieldResolver(() => MemberConnection, { description: 'Your memberships of live workspaces, in the order you joined them.' })
  memberships(
    @Root() me: Account,
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true, description: 'Page size, 0–100 (default 20).' }) first?: number,
    @Arg('after', () => String, { nullable: true, description: 'The endCursor of the previous page.' }) after?: string,
    @Arg('last', () => Int, { nullable: true, description: 'Page size going backward, 0–100 (default 20); with before, not with first or after.' })
    last?: number,
    @Arg('before', () => String, { nullable: true, description: 'The startCursor of the next page, to page backward before it.' }) before?: string,
  ): Promise<Connection<Membership>> {
    const qb = ctx.db
      .getRepository(Membership)
      .createQueryBuilder('m')
      .innerJoin(Workspace, 'w', 'w.id = m.workspace_id AND w.removed_at IS NULL')
      .where('m.account_id = :me', { me: me.id });
    return paginate(
      qb,
      [
        { expr: 'm.created_at', direction: 'ASC', value: (m) => m.createdAt },
        { expr: 'm.id', direction: 'ASC', value: (m) => m.id },
      ],
      { first, after, last, before },
    );
  }
}
