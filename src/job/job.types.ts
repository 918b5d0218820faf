import { Field, ID, InputType } from 'type-graphql';
import { IsOptional, MaxLength } from 'class-validator';
import { connectionTypes } from '../common/page';
import { SingleLine, TrimmedLength } from '../common/validators';
import { Job } from './job.entity';

export const { EdgeType: JobEdge, ConnectionType: JobConnection } = connectionTypes('Job', () => Job);

export const JOB_DESCRIPTION_MAX = 10_000;
export const JOB_COMMAND_MAX = 10_000;

@InputType('CreateJobInput', { description: 'A new job of a project.' })
export class CreateJobInput {
  @Field(() => ID, { description: 'The project.' })
  projectId: string;

  @Field({ description: 'Name, 1–255 characters, unique in the project.' })
  @TrimmedLength(1, 255)
  @SingleLine()
  name: string;

  @Field(() => String, { nullable: true, defaultValue: '', description: 'What the job does, up to 10,000 characters.' })
  @IsOptional()
  @MaxLength(JOB_DESCRIPTION_MAX, { message: 'description must be at most 10000 characters long.' })
  description?: string | null;

  @Field({ description: 'The command a runner executes, 1–10,000 characters.' })
  @TrimmedLength(1, JOB_COMMAND_MAX)
  command: string;
}

@InputType('UpdateJobInput', { description: 'Changes to a job; omitted fields stay as they are.' })
export class UpdateJobInput {
  @Field(() => ID, { description: 'The job.' })
  id: string;

  @Field(() => String, { nullable: true, description: 'Name, 1–255 characters, unique in the project.' })
  @TrimmedLength(1, 255)
  @SingleLine()
  name?: string | null;

  @Field(() => String, { nullable: true, description: 'What the job does, up to 10,000 characters.' })
  @IsOptional()
  @MaxLength(JOB_DESCRIPTION_MAX, { message: 'description must be at most 10000 characters long.' })
  description?: string | null;

  @Field(() => String, { nullable: true, description: 'The command, 1–10,000 characters.' })
  @TrimmedLength(1, JOB_COMMAND_MAX)
  command?: string | null;
}
