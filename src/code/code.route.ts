import { pipeline } from 'node:stream/promises';
import express from 'express';
import { GraphQLError } from 'graphql';
import type { DataSource } from 'typeorm';
import { authenticate, type Authentication } from '../auth/authenticate';
import { canInProject, projectAccess } from '../auth/access';
import { clientAddressOf } from '../auth/client-address';
import { isUuid } from '../common/ids';
import type { Config } from '../config';
import { createContext } from '../context';
import { classifyError } from '../errors-format';
import { graphqlError } from '../hardening/http';
import type { Logger } from '../hardening/logging';
import { codeVersionById } from './code.loaders';
import { codeStorage } from './storage';

export const archivePath = (codeVersionId: string) => `/code-versions/${codeVersionId}/archive`;

/**
 * GET /code-versions/:id/archive: the archive of a code version, streamed from the code storage
 * as it is read (never whole in memory), for whoever may see the project's code versions
 * (`project.code.view`, docs/RULES.md §2). Authenticated like /graphql (`Authorization: Bearer`).
 * An unknown id and a version the caller may not see answer the same 404, so an id is never confirmed.
 */
export function codeRouter(db: DataSource, config: Config, logger: Logger): express.Router {
  const router = express.Router();
  router.get('/code-versions/:id/archive', async (req, res) => {
    res.set('Cache-Control', 'private, no-store');
    const notFound = () => graphqlError(res, 404, 'The code version was not found.', { code: 'NOT_FOUND' });
    let auth: Authentication;
    try {
      auth = await authenticate(db, req.headers.authorization);
    } catch (error) {
      if (error instanceof GraphQLError && error.extensions.code === 'UNAUTHENTICATED') {
        res.set('WWW-Authenticate', 'Bearer error="invalid_token"');
        return graphqlError(res, 401, error.message, { code: 'UNAUTHENTICATED' });
      }
      return failed(error);
    }
    function failed(error: unknown) {
      if (classifyError(error) === 'unavailable') {
        res.set('Retry-After', '5');
        return graphqlError(res, 503, 'The database is unavailable; try again shortly.', { code: 'SERVICE_UNAVAILABLE' });
      }
      logger.error({ err: error }, 'code archive download failed');
      return graphqlError(res, 500, 'Internal server error.', { code: 'INTERNAL_SERVER_ERROR' });
    }
    try {
      const id = req.params.id;
      if (!isUuid(id)) return notFound();
      const ctx = createContext({ db, config, user: auth.user, token: auth.token, memberships: auth.memberships, clientAddress: clientAddressOf(req.ip) });
      const version = await codeVersionById(ctx).load(id);
      const access = version && (await projectAccess(ctx, version.projectId));
      if (!version || !access || !canInProject(access, 'project.code.view')) return notFound();
      const stream = await codeStorage(config, db).get(version.storageKey);
      if (!stream) {
        logger.warn({ codeVersionId: version.id, storageKey: version.storageKey }, 'code archive missing from the code storage');
        return graphqlError(res, 404, "The code version's archive is missing from the code storage.", { code: 'NOT_FOUND' });
      }
      res.attachment(version.filename);
      res.set({
        // Whatever the file name says, the bytes are a download, never a page this origin renders.
        'Content-Type': 'application/octet-stream',
        'Content-Length': String(version.sizeBytes),
        ETag: `"${version.sha256}"`,
        'Repr-Digest': `sha-256=:${Buffer.from(version.sha256, 'hex').toString('base64')}:`,
      });
      if (req.method === 'HEAD') {
        // The headers alone: the bytes would only be read from the storage to be thrown away.
        stream.destroy();
        return res.end();
      }
      try {
        await pipeline(stream, res);
      } catch (error) {
        // Headers are out: the connection is cut, and the client sees a body shorter than Content-Length.
        if (!res.destroyed) res.destroy(error as Error);
        if ((error as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE')
          logger.error({ err: error, codeVersionId: version.id }, 'code archive download cut short');
      }
    } catch (error) {
      if (res.headersSent) res.destroy(error as Error);
      else failed(error);
    }
  });
  return router;
}
