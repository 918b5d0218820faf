import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { ArrayMaxSize, MaxLength } from 'class-validator';
import { PersonStatus, SortDirection, WorkspaceRole } from '../common/enums';
import { connectionTypes } from '../common/page';
import { IsHttpUrl, SingleLine, TrimmedLength } from '../common/validators';
import { Project } from '../project/project.entity';
import { Membership } from './membership.entity';
import { Person } from './person.type';

export const { EdgeType: PersonEdge, ConnectionType: PersonConnection } = connectionTypes('Person', () => Person);
export const { EdgeType: MemberEdge, ConnectionType: MemberConnection } = connectionTypes('Member', () => Membership);

@InputType('PeopleFilter', { description: 'Narrows the people list; conditions combine with AND. An empty list means no condition.' })
export class PeopleFilter {
  @Field(() => [WorkspaceRole], { nullable: true, description: 'Only people with one of these roles (the invited role for invitations).' })
  @ArrayMaxSize(20)
  roles?: WorkspaceRole[] | null;

  @Field(() => [PersonStatus], { nullable: true, description: 'Only people with one of these statuses.' })
  @ArrayMaxSize(20)
  statuses?: PersonStatus[] | null;

  @Field(() => String, { nullable: true, description: 'Case-insensitive match on name or email.' })
  @MaxLength(320)
  search?: string | null;
}

export enum PeopleOrderField {
  NAME = 'NAME',
  EMAIL = 'EMAIL',
  ROLE = 'ROLE',
  STATUS = 'STATUS',
  CREATED_AT = 'CREATED_AT',
}
registerEnumType(PeopleOrderField, {
  name: 'PeopleOrderField',
  description: 'What to sort the people list by. ROLE ranks VIEWER < MEMBER < ADMIN < OWNER; STATUS ranks ACTIVE < INVITED < EXPIRED.',
});

@InputType('PeopleOrder', { description: 'Sort order of the people list; ties break by id, so the order is stable.' })
export class PeopleOrder {
  @Field(() => PeopleOrderField, { description: 'The sort key.' })
  field: PeopleOrderField;

  @Field(() => SortDirection, { defaultValue: SortDirection.ASC, description: 'The direction.' })
  direction: SortDirection;
}

@InputType('UpdateMyMembershipInput', {
  description:
    "Changes to the caller's own workspace profile; omitted fields stay as they are, null or empty clears. Setting a profile field without useAccountProfile switches the workspace profile on.",
})
export class UpdateMyMembershipInput {
  @Field(() => ID, { description: 'The workspace.' })
  workspaceId: string;

  @Field(() => String, { nullable: true, description: 'Name shown in this workspace, up to 255 characters; empty to fall back to the account name.' })
  @TrimmedLength(0, 255)
  @SingleLine()
  name?: string | null;

  @Field(() => String, { nullable: true, description: 'Job title shown in this workspace, up to 255 characters; empty to clear.' })
  @TrimmedLength(0, 255)
  @SingleLine()
  jobTitle?: string | null;

  @Field(() => String, { nullable: true, description: 'http(s) URL of a picture shown in this workspace; empty to clear.' })
  @IsHttpUrl()
  avatarUrl?: string | null;

  @Field(() => Boolean, { nullable: true, description: "true: show the account's own name, job title and avatar here; false: show the workspace profile." })
  useAccountProfile?: boolean | null;
}

@InputType('ChangeMemberRoleInput', { description: "A new role for a member (not the owner's, not your own, never OWNER)." })
export class ChangeMemberRoleInput {
  @Field(() => ID, { description: 'The membership to change.' })
  memberId: string;

  @Field(() => WorkspaceRole, { description: 'The new role: VIEWER, MEMBER or ADMIN. OWNER is refused: use transferOwnership.' })
  role: WorkspaceRole;
}

@InputType('TransferOwnershipInput', { description: 'Hands the workspace to another active member; the old owner becomes an admin.' })
export class TransferOwnershipInput {
  @Field(() => ID, { description: 'The workspace.' })
  workspaceId: string;

  @Field(() => ID, { description: 'The membership of the new owner; must be an active member of this workspace.' })
  memberId: string;
}

@ObjectType('RemoveMemberPayload', { description: 'The result of removing a member.' })
export class RemoveMemberPayload {
  @Field(() => ID, { description: 'The id of the membership that ended.' })
  removedMemberId: string;

  @Field(() => [Project], { description: 'Projects the removed person owned, now owned by the workspace owner.' })
  reassignedProjects: Project[];
}

@ObjectType('LeaveWorkspacePayload', { description: 'The result of leaving a workspace.' })
export class LeaveWorkspacePayload {
  @Field(() => ID, { description: 'The workspace that was left.' })
  workspaceId: string;

  @Field(() => [Project], { description: 'Projects the caller owned there, now owned by the workspace owner.' })
  reassignedProjects: Project[];
}
