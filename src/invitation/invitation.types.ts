import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ArrayMaxSize, ArrayMinSize, Length, MaxLength } from 'class-validator';
import { InvitationState, WorkspaceRole } from '../common/enums';
import { SingleLine, TrimmedLength } from '../common/validators';
import { Invitation } from './invitation.entity';

/** The longest note an inviter may add to the invitation email. */
export const MAX_INVITE_MESSAGE = 2000;
/** How many addresses one inviteMembers call takes. */
export const MAX_INVITE_EMAILS = 50;

export enum InviteResultStatus {
  INVITED = 'INVITED',
  INVALID_EMAIL = 'INVALID_EMAIL',
  ALREADY_MEMBER = 'ALREADY_MEMBER',
  ALREADY_INVITED = 'ALREADY_INVITED',
  DUPLICATE_IN_REQUEST = 'DUPLICATE_IN_REQUEST',
}
registerEnumType(InviteResultStatus, {
  name: 'InviteResultStatus',
  description: 'What happened to one address of an inviteMembers request.',
  valuesConfig: {
    INVITED: { description: 'A new invitation was created and its email queued.' },
    INVALID_EMAIL: { description: 'The address is not a valid email address.' },
    ALREADY_MEMBER: { description: 'Someone with this address is already a member.' },
    ALREADY_INVITED: { description: 'The address already has a pending invitation (returned, so it can be resent).' },
    DUPLICATE_IN_REQUEST: { description: 'The address appears earlier in the same request (compared trimmed, ignoring case).' },
  },
});

@InputType('InviteMembersInput', { description: 'People to invite to a workspace, all with one role.' })
export class InviteMembersInput {
  @Field(() => ID, { description: 'The workspace to invite to.' })
  workspaceId: string;

  @Field(() => [String], { description: `1–${MAX_INVITE_EMAILS} email addresses; each gets its own result.` })
  @ArrayMinSize(1, { message: 'emails must hold at least one address.' })
  @ArrayMaxSize(MAX_INVITE_EMAILS, { message: `emails may hold at most ${MAX_INVITE_EMAILS} addresses.` })
  emails: string[];

  @Field(() => WorkspaceRole, {
    defaultValue: WorkspaceRole.MEMBER,
    description: 'The role the invitees get. Members may invite viewers and members; admins and the owner up to admin; nobody invites an owner.',
  })
  role: WorkspaceRole;

  @Field(() => String, { nullable: true, description: `Optional note included in the invitation email, up to ${MAX_INVITE_MESSAGE} characters.` })
  @MaxLength(MAX_INVITE_MESSAGE, { message: `message must be at most ${MAX_INVITE_MESSAGE} characters long.` })
  message?: string | null;
}

@ObjectType('InviteResult', { description: 'The outcome for one address of an inviteMembers request.' })
export class InviteResult {
  @Field({ description: 'The address as given.' })
  email: string;

  @Field(() => InviteResultStatus, { description: 'What happened to this address.' })
  status: InviteResultStatus;

  @Field({ description: 'The outcome in words, for people.' })
  message: string;

  @Field(() => Invitation, { nullable: true, description: 'The new invitation (INVITED) or the existing pending one (ALREADY_INVITED).' })
  invitation: Invitation | null;
}

@ObjectType('InviteMembersPayload', { description: 'The outcome of an inviteMembers request, one result per address in input order.' })
export class InviteMembersPayload {
  @Field(() => [InviteResult], { description: 'One result per address, in the order given.' })
  results: InviteResult[];

  @Field(() => Int, { description: 'How many invitations were created.' })
  invitedCount: number;
}

@ObjectType('InvitationPreview', {
  description:
    'What the accept page shows to whoever holds an invitation token. Once accepted the token is spent: the address is masked and the inviter is null.',
})
export class InvitationPreview {
  @Field({ description: 'The name of the workspace the invitation is for.' })
  workspaceName: string;

  @Field(() => String, { nullable: true, description: 'The name of the person who sent the invitation; null when their account is gone, and once accepted.' })
  invitedByName: string | null;

  @Field({ description: 'The invited address; masked (j•••@e•••.com) once the invitation is accepted.' })
  email: string;

  @Field(() => WorkspaceRole, { description: 'The role the invitee gets on accepting.' })
  role: WorkspaceRole;

  @Field(() => InvitationState, { description: "The invitation's state; only PENDING can be accepted or declined." })
  state: InvitationState;

  @Field({ description: 'When the link stops working.' })
  expiresAt: Date;

  @Field({
    description:
      'Whether an account with the invited email exists and has verified it, so the page offers sign-in; false: sign-up (signUpAndAcceptInvitation, which also takes over an unverified account of the address).',
  })
  accountExists: boolean;
}

const PASSWORD = { message: 'password must be 8–256 characters long.' };

@InputType('SignUpAndAcceptInvitationInput', { description: 'A new account for the invited address, created while accepting the invitation.' })
export class SignUpAndAcceptInvitationInput {
  @Field({ description: 'The token from the invitation link.' })
  @MaxLength(512)
  token: string;

  @Field({ description: 'Display name, 1–255 characters.' })
  @TrimmedLength(1, 255)
  @SingleLine()
  name: string;

  @Field({ description: 'Password, 8–256 characters.' })
  @Length(8, 256, PASSWORD)
  password: string;
}
