import { Writable } from 'node:stream';
import type { GraphQLSchema } from 'graphql';
import type { Config } from '../config';
import { TestServer } from '../test/harness';
import { createLogger } from './logging';

/** Everything a server logged, as text and as parsed JSON lines. */
export class LogCapture {
  readonly chunks: string[] = [];
  readonly stream = new Writable({
    write: (chunk, _encoding, done) => {
      this.chunks.push(String(chunk));
      done();
    },
  });
  get text(): string {
    return this.chunks.join('');
  }
  get lines(): Record<string, any>[] {
    return this.text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  }
}

/**
 * Like TestServer.start, with the options the harness does not take: a captured logger (level
 * trace), another schema, or a database URL of the caller's (e.g. through a proxy it can cut).
 */
export function startServer(
  options: { overrides?: Partial<Config>; schema?: GraphQLSchema; capture?: LogCapture; databaseUrl?: (cloneUrl: string) => string | Promise<string> } = {},
): Promise<TestServer> {
  const logger = options.capture ? createLogger({ level: 'trace', destination: options.capture.stream }) : undefined;
  return TestServer.start(options.overrides, { schema: options.schema, databaseUrl: options.databaseUrl, logger, poolSize: 5 });
}
