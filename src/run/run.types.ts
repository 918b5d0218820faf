import { Field, ID, InputType } from 'type-graphql';
import { IsOptional, MaxLength } from 'class-validator';
import { RunStatus } from '../common/enums';
import { connectionTypes } from '../common/page';
import { SingleLine } from '../common/validators';
import { Run } from './run.entity';

export const { EdgeType: RunEdge, ConnectionType: RunConnection } = connectionTypes('Run', () => Run);

export const RUN_DESCRIPTION_MAX = 10_000;
export const RUN_PAYLOAD_MAX = 1024 * 1024;

@InputType('RunFilter', { description: 'Narrows a run list.' })
export class RunFilter {
  @Field(() => [RunStatus], { nullable: true, description: 'Only runs in one of these statuses.' })
  statuses?: RunStatus[] | null;
}

/** The name and description a run carries, when started and when changed. */
@InputType('RunTextInput', { description: 'Name and description of a run.' })
abstract class RunTextInput {
  @Field(() => String, { nullable: true, description: 'Name of the run, up to 255 characters.' })
  @IsOptional()
  @MaxLength(255, { message: 'name must be at most 255 characters long.' })
  @SingleLine()
  name?: string | null;

  @Field(() => String, { nullable: true, description: 'What the run is for, up to 10,000 characters.' })
  @IsOptional()
  @MaxLength(RUN_DESCRIPTION_MAX, { message: 'description must be at most 10000 characters long.' })
  description?: string | null;
}

@InputType('StartRunInput', { description: 'Starts a run of a job, queued, with the latest code version of the project.' })
export class StartRunInput extends RunTextInput {
  @Field(() => ID, { description: 'The job to run.' })
  jobId: string;

  @Field(() => String, { nullable: true, description: 'Input of the run: JSON text, up to 1 MiB.' })
  payload?: string | null;
}

@InputType('UpdateRunInput', { description: 'Changes to a run; omitted fields stay as they are.' })
export class UpdateRunInput extends RunTextInput {
  @Field(() => ID, { description: 'The run.' })
  id: string;
}
