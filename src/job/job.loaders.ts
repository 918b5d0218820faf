import { In } from 'typeorm';
import { byKeys, isUuid } from '../common/ids';
import { defineLoader, RequestDataLoader } from '../context';
import { defineChildPages } from '../project/child-pages';
import { Job } from './job.entity';

/** Jobs by id. */
export const jobById = defineLoader(
  (ctx) =>
    new RequestDataLoader<string, Job | null>(async (ids) => {
      const valid = ids.filter(isUuid);
      const rows = valid.length ? await ctx.db.getRepository(Job).findBy({ id: In(valid) }) : [];
      return byKeys(ids, rows, (j) => j.id);
    }),
);

/** Project.jobs: one page per project, by name, for many projects in one query pair. */
export const jobPages = defineChildPages<Job>({
  entity: Job,
  parentColumn: 'project_id',
  parentOf: (j) => j.projectId,
  keys: [
    { column: 'name', direction: 'ASC', type: 'text', value: (j) => j.name },
    { column: 'id', direction: 'ASC', type: 'uuid', value: (j) => j.id },
  ],
});
