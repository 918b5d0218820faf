import { Field, ID, InputType } from 'type-graphql';
import { IsOptional, MaxLength } from 'class-validator';
import { connectionTypes } from '../common/page';
import { IsFileName, TrimmedLength } from '../common/validators';
import { CodeVersion } from './code-version.entity';

export const { EdgeType: CodeVersionEdge, ConnectionType: CodeVersionConnection } = connectionTypes('CodeVersion', () => CodeVersion);

export const CODE_DESCRIPTION_MAX = 10_000;

@InputType('PushCodeInput', { description: "A new version of a project's code: an archive, base64-encoded." })
export class PushCodeInput {
  @Field(() => ID, { description: 'The project.' })
  projectId: string;

  @Field({ description: 'Name of the archive file, 1–255 characters on one line, without a path; not "." or "..".' })
  @TrimmedLength(1, 255)
  @IsFileName()
  filename: string;

  @Field({ description: 'The archive, base64-encoded; at most MAX_CODE_BYTES (default 10 MiB) once decoded.' })
  contentBase64: string;

  @Field(() => String, { nullable: true, defaultValue: '', description: 'What changed, up to 10,000 characters.' })
  @IsOptional()
  @MaxLength(CODE_DESCRIPTION_MAX, { message: 'description must be at most 10000 characters long.' })
  description?: string | null;
}
