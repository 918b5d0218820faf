import { defineLoader, RequestDataLoader } from '../context';
import { byKeys, isUuid } from '../common/ids';
import { entitiesByIds } from '../db/rows';
import { Workspace } from './workspace.entity';

/** Live (not removed) workspaces by id. */
export const workspaceById = defineLoader(
  (ctx) =>
    new RequestDataLoader<string, Workspace | null>(async (ids) => {
      const rows = await entitiesByIds(ctx.db, Workspace, ids.filter(isUuid), { where: 't.removed_at IS NULL' });
      return byKeys(ids, rows, (w) => w.id);
    }),
);

/** Workspaces by id, removed ones included (restore, purge). */
export const anyWorkspaceById = defineLoader(
  (ctx) =>
    new RequestDataLoader<string, Workspace | null>(async (ids) => {
      const rows = await entitiesByIds(ctx.db, Workspace, ids.filter(isUuid));
      return byKeys(ids, rows, (w) => w.id);
    }),
);
