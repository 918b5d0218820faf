import { In } from 'typeorm';
import { byKeys, isUuid } from '../common/ids';
import { defineLoader, RequestDataLoader } from '../context';
import { defineChildPages } from '../project/child-pages';
import { CodeVersion } from './code-version.entity';

/** Code versions by id. */
export const codeVersionById = defineLoader(
  (ctx) =>
    new RequestDataLoader<string, CodeVersion | null>(async (ids) => {
      const valid = ids.filter(isUuid);
      const rows = valid.length ? await ctx.db.getRepository(CodeVersion).findBy({ id: In(valid) }) : [];
      return byKeys(ids, rows, (c) => c.id);
    }),
);

/** Project.codeVersions: newest first, one page per project, for many projects in one query pair. */
export const codeVersionPages = defineChildPages<CodeVersion>({
  entity: CodeVersion,
  parentColumn: 'project_id',
  parentOf: (c) => c.projectId,
  keys: [
    { column: 'created_at', direction: 'DESC', type: 'timestamp', value: (c) => c.createdAt },
    { column: 'id', direction: 'DESC', type: 'uuid', value: (c) => c.id },
  ],
});
