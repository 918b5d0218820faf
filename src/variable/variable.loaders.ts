import { defineChildPages } from '../project/child-pages';
import { Variable } from './variable.entity';

/** Project.variables: one page per project, by name, for many projects in one query pair. */
export const variablePages = defineChildPages<Variable>({
  entity: Variable,
  parentColumn: 'project_id',
  parentOf: (v) => v.projectId,
  keys: [
    { column: 'name', direction: 'ASC', type: 'text', value: (v) => v.name },
    { column: 'id', direction: 'ASC', type: 'uuid', value: (v) => v.id },
  ],
});
