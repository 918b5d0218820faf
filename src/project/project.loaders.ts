import DataLoader from 'dataloader';
import { In, IsNull } from 'typeorm';
import { defineLoader } from '../context';
import { byKeys, isUuid } from '../common/ids';
import { Project } from './project.entity';

/** Live (not removed) projects by id. Whether their workspace is live is the access check's business. */
export const projectById = defineLoader(
  (ctx) =>
    new DataLoader<string, Project | null>(async (ids) => {
      const valid = ids.filter(isUuid);
      const rows = valid.length ? await ctx.db.getRepository(Project).findBy({ id: In(valid), removedAt: IsNull() }) : [];
      return byKeys(ids, rows, (p) => p.id);
    }),
);
