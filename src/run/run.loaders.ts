import type { RunStatus } from '../common/enums';
import { ChildFilter, defineChildPages } from '../project/child-pages';
import { Run } from './run.entity';

const NEWEST_FIRST = [
  { column: 'created_at', direction: 'DESC' as const, type: 'timestamp' as const, value: (r: Run) => r.createdAt },
  { column: 'id', direction: 'DESC' as const, type: 'uuid' as const, value: (r: Run) => r.id },
];

/** Project.runs: newest first, one page per project, for many projects in one query pair. */
export const projectRunPages = defineChildPages<Run>({ entity: Run, parentColumn: 'project_id', parentOf: (r) => r.projectId, keys: NEWEST_FIRST });

/** Job.runs: newest first, one page per job, for many jobs in one query pair. */
export const jobRunPages = defineChildPages<Run>({ entity: Run, parentColumn: 'job_id', parentOf: (r) => r.jobId, keys: NEWEST_FIRST });

/** The RunFilter as a child-list filter; null when it filters nothing. */
export function runStatusFilter(statuses: RunStatus[] | null | undefined): ChildFilter | null {
  if (!statuses) return null;
  const unique = [...new Set(statuses)].sort();
  return { key: `statuses:${unique.join(',')}`, sql: 'c.status = ANY(:statuses::varchar[])', params: { statuses: unique } };
}
