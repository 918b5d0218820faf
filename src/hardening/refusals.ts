import { createHash } from 'node:crypto';
import type { ApolloServerPlugin } from '@apollo/server';
import type express from 'express';
import { LruMap } from '../common/bounded';
import type { Context } from '../context';

/**
 * Remembered refusals. A document that fails to parse (syntax, the token limit), to validate
 * (unknown fields, the depth and alias limits) or the repetition guard fails the same way every
 * time, whoever sends it and with whatever variables: such a verdict depends on the text alone.
 * Apollo caches the parsed form of valid documents only, so a client (or an attacker) repeating a
 * refused one would pay the parse and validation each time. This remembers the answer per
 * document text and Accept header (which decides the status) and answers a repeat before anything
 * is parsed or the caller authenticated. A cost refusal is remembered only for an operation
 * without variables, since the variables (page sizes) change the cost.
 * One memory per server, since the answer also depends on its configuration (suggestions).
 */
export interface Refusal {
  status: number;
  contentType: string;
  body: string;
}

export interface RefusalMemory {
  /** Express middleware (after the body parser): answers a remembered document. */
  replay: express.RequestHandler;
  /** Apollo plugin noting refusals at parsing or validation (or marked refusedForText); `replay` stores them once sent. */
  recorder(requestOf: (ctx: Context) => express.Request | undefined): ApolloServerPlugin<Context>;
  /** Remembers the answer to a request refused for what its document's text is. */
  remember(req: express.Request, refusal: Refusal): void;
  /** Whether this request's document passed the repetition guard before; `pass` records that it did. */
  passedBefore(req: express.Request): boolean;
  pass(req: express.Request): void;
  /** Marks a request whose refusal, raised after validation, depends on its text alone (recorder remembers it). */
  refusedForText(req: express.Request): void;
  /** Documents remembered, and requests answered from memory. */
  readonly stats: { size: number; hits: number };
}

/** Bounded: the least recently used entry goes first. Long documents are keyed by their SHA-256, short ones by their text (hashing costs more than it saves there). */
const MAX_ENTRIES = 1_000;
const MAX_TEXT_KEY = 4_096;
const KEY = Symbol('atrium.refusalKey');
/** The refused body the recorder saw, for the replay middleware to store with the status and type actually sent. */
const RECORDED = Symbol('atrium.refusalBody');
const TEXTUAL = Symbol('atrium.refusedForText');

function keyOf(req: express.Request): string | null {
  const query = req.method === 'GET' ? req.query.query : (req.body as { query?: unknown } | undefined)?.query;
  if (typeof query !== 'string') return null;
  const document = query.length <= MAX_TEXT_KEY ? query : `sha256:${createHash('sha256').update(query).digest('base64')}`;
  return `${req.headers.accept ?? ''}\n${document}`;
}

const keyOnRequest = (req: express.Request) => (req as unknown as Record<symbol, string | undefined>)[KEY];

export function refusalMemory(): RefusalMemory {
  const refusals = new LruMap<string, Refusal>(MAX_ENTRIES);
  /** Documents the repetition guard let through, keyed like the refusals: it parses each new document once. */
  const passed = new LruMap<string, true>(MAX_ENTRIES);
  const stats = {
    hits: 0,
    get size() {
      return refusals.size;
    },
  };
  const remember = (req: express.Request, refusal: Refusal) => {
    const key = keyOnRequest(req);
    if (!key) return;
    refusals.set(key, refusal);
  };
  return {
    stats,
    remember,
    passedBefore: (req) => {
      const key = keyOnRequest(req);
      return key !== undefined && passed.get(key) === true;
    },
    pass: (req) => {
      const key = keyOnRequest(req);
      if (!key) return;
      passed.set(key, true);
    },
    refusedForText: (req) => {
      (req as unknown as Record<symbol, boolean>)[TEXTUAL] = true;
    },
    replay: (req, res, next) => {
      const key = keyOf(req);
      if (!key) return next();
      const known = refusals.get(key);
      if (!known) {
        (req as unknown as Record<symbol, string>)[KEY] = key;
        // Apollo sets the content type after its last hook: take status and type as sent.
        res.once('finish', () => {
          const body = (req as unknown as Record<symbol, string | undefined>)[RECORDED];
          const contentType = res.getHeader('content-type');
          if (body !== undefined && typeof contentType === 'string') remember(req, { status: res.statusCode, contentType, body });
        });
        return next();
      }
      stats.hits++;
      res.status(known.status).type(known.contentType).send(known.body);
    },
    recorder: (requestOf) => ({
      async requestDidStart() {
        let refused = false;
        return {
          async parsingDidStart() {
            return async (error?: Error) => {
              if (error) refused = true;
            };
          },
          async validationDidStart() {
            return async (errors?: readonly Error[]) => {
              if (errors?.length) refused = true;
            };
          },
          async willSendResponse({ response, contextValue }) {
            const req = requestOf(contextValue);
            if (!req || response.body.kind !== 'single') return;
            if (!refused && !(req as unknown as Record<symbol, boolean | undefined>)[TEXTUAL]) return;
            (req as unknown as Record<symbol, string>)[RECORDED] = JSON.stringify(response.body.singleResult) + '\n';
          },
        };
      },
    }),
  };
}
