import type { RunningDatabase } from '../db/embedded';

export default async function globalTeardown(): Promise<void> {
  const db = (globalThis as Record<string, unknown>).__ATRIUM_DB__ as RunningDatabase | undefined;
  await db?.stop();
}
