import DataLoader from 'dataloader';
import { In, IsNull } from 'typeorm';
import { defineLoader } from '../context';
import { byKeys, isUuid } from '../common/ids';
import { Workspace } from './workspace.entity';

/** Live (not removed) workspaces by id. */
export const workspaceById = defineLoader(
  (ctx) =>
    new DataLoader<string, Workspace | null>(async (ids) => {
      const valid = ids.filter(isUuid);
      const rows = valid.length ? await ctx.db.getRepository(Workspace).findBy({ id: In(valid), removedAt: IsNull() }) : [];
      return byKeys(ids, rows, (w) => w.id);
    }),
);

/** Workspaces by id, removed ones included (restore, purge). */
export const anyWorkspaceById = defineLoader(
  (ctx) =>
    new DataLoader<string, Workspace | null>(async (ids) => {
      const valid = ids.filter(isUuid);
      const rows = valid.length ? await ctx.db.getRepository(Workspace).findBy({ id: In(valid) }) : [];
      return byKeys(ids, rows, (w) => w.id);
    }),
);
