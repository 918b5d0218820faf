import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { Length, MaxLength } from 'class-validator';
import { AccessTokenScope, PlatformRole } from '../common/enums';
import { IsEmailAddress, IsHttpUrl, SingleLine, TrimmedLength } from '../common/validators';
import { Token } from '../auth/token.entity';

/** The signed-in account. The resolver returns an `Account`; this class only shapes the GraphQL type. */
@ObjectType('Me', { description: 'The signed-in account.' })
export class Me {
  @Field(() => ID)
  id: string;

  @Field({ description: 'Display name.' })
  name: string;

  @Field({ description: 'Email address (stored lower-case).' })
  email: string;

  @Field(() => String, { nullable: true, description: 'Job title shown on the profile.' })
  jobTitle: string | null;

  @Field(() => String, { nullable: true, description: 'URL of the profile picture.' })
  avatarUrl: string | null;

  @Field(() => PlatformRole, { description: 'MEMBER for every account; ADMIN for platform operators.' })
  platformRole: PlatformRole;

  @Field({ description: 'Whether the account may do everything everywhere (every use is audited).' })
  isSuperuser: boolean;

  @Field({ description: 'When the account was created.' })
  createdAt: Date;
}

@ObjectType('AuthPayload', { description: 'A new session.' })
export class AuthPayload {
  @Field({ description: 'Bearer token for the Authorization header. Shown once.' })
  token: string;

  @Field({ description: 'When the session ends unless signed out earlier.' })
  expiresAt: Date;

  @Field(() => Me, { description: 'The signed-in account.' })
  me: Me;
}

@ObjectType('CreateAccessTokenPayload', { description: 'A new personal access token.' })
export class CreateAccessTokenPayload {
  @Field({ description: 'The secret, shown once.' })
  token: string;

  @Field(() => Token, { description: "The token's description." })
  accessToken: Token;
}

const PASSWORD = { message: 'password must be 8–256 characters long.' };

@InputType('SignUpInput', { description: 'A new account.' })
export class SignUpInput {
  @Field({ description: 'Email address; must not belong to another account (ignoring case).' })
  @IsEmailAddress()
  email: string;

  @Field({ description: 'Password, 8–256 characters.' })
  @Length(8, 256, PASSWORD)
  password: string;

  @Field({ description: 'Display name, 1–255 characters.' })
  @TrimmedLength(1, 255)
  @SingleLine()
  name: string;
}

@InputType('SignInInput', { description: 'Credentials.' })
export class SignInInput {
  @Field({ description: 'Email address.' })
  @MaxLength(320)
  email: string;

  @Field({ description: 'Password.' })
  @MaxLength(256)
  password: string;
}

@InputType('UpdateMeInput', { description: 'Changes to the account profile; omitted fields stay as they are.' })
export class UpdateMeInput {
  @Field(() => String, { nullable: true, description: 'Display name, 1–255 characters.' })
  @TrimmedLength(1, 255)
  @SingleLine()
  name?: string | null;

  @Field(() => String, { nullable: true, description: 'Job title, up to 255 characters; empty to clear.' })
  @TrimmedLength(0, 255)
  @SingleLine()
  jobTitle?: string | null;

  @Field(() => String, { nullable: true, description: 'http(s) URL of a picture; empty to clear.' })
  @IsHttpUrl()
  avatarUrl?: string | null;
}

@InputType('ChangePasswordInput', { description: 'A password change.' })
export class ChangePasswordInput {
  @Field({ description: 'The current password.' })
  @MaxLength(256)
  currentPassword: string;

  @Field({ description: 'The new password, 8–256 characters.' })
  @Length(8, 256, PASSWORD)
  newPassword: string;
}

@InputType('DeleteMeInput', { description: 'Confirmation of account deletion.' })
export class DeleteMeInput {
  @Field({ description: 'The current password.' })
  @MaxLength(256)
  password: string;
}

@InputType('ResetPasswordInput', { description: 'A new password, with the emailed reset token.' })
export class ResetPasswordInput {
  @Field({ description: 'The token from the reset email.' })
  @MaxLength(512)
  token: string;

  @Field({ description: 'The new password, 8–256 characters.' })
  @Length(8, 256, PASSWORD)
  newPassword: string;
}

@InputType('CreateAccessTokenInput', { description: 'A new personal access token.' })
export class CreateAccessTokenInput {
  @Field({ description: 'A name to recognise it by, 1–255 characters.' })
  @TrimmedLength(1, 255)
  @SingleLine()
  name: string;

  @Field(() => AccessTokenScope, { nullable: true, defaultValue: AccessTokenScope.WRITE, description: 'READ: queries only; WRITE: queries and mutations.' })
  scope?: AccessTokenScope | null;

  @Field(() => Date, { nullable: true, description: 'When it stops working; never when omitted. Must be in the future.' })
  expiresAt?: Date | null;
}
