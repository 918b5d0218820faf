import type { GraphQLError } from 'graphql';

/** Whether `error` is PostgreSQL's unique violation of the named constraint. */
export function isUniqueViolation(error: unknown, constraint: string): boolean {
  const e = error as { code?: string; constraint?: string; driverError?: { code?: string; constraint?: string } } | null;
  const code = e?.code ?? e?.driverError?.code;
  const name = e?.constraint ?? e?.driverError?.constraint;
  return code === '23505' && name === constraint;
}

/** Runs `work`, turning a unique violation of `constraint` into `err()`; other errors pass unchanged. */
export async function mapUniqueViolation<T>(work: () => Promise<T>, constraint: string, err: () => GraphQLError): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isUniqueViolation(error, constraint)) throw err();
    throw error;
  }
}
