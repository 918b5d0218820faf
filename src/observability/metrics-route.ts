import cluster from 'node:cluster';
import { createHash, timingSafeEqual } from 'node:crypto';
import express from 'express';
import type { AtriumMetrics } from './metrics';
import { clusterMetricsGatherer } from './cluster-metrics';

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * Whether an Authorization header carries `Bearer <token>`. Both sides are hashed first so the
 * comparison takes as long whatever the header holds (timingSafeEqual needs equal lengths, and
 * comparing lengths first would tell the token's length).
 */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header ?? '');
  return timingSafeEqual(digest(match?.[1] ?? ''), digest(token)) && Boolean(match);
}

/**
 * GET /metrics in the Prometheus text format, for a scrape that sends `Authorization: Bearer
 * <METRICS_TOKEN>` (Prometheus's `authorization` setting); 401 otherwise. Mounted only when
 * METRICS_TOKEN is set, so without it /metrics is the 404 of any unknown path. In a cluster
 * worker the answer covers every worker (cluster-metrics.ts), otherwise this process.
 */
export function metricsRouter(metrics: AtriumMetrics, token: string): express.Router {
  const gather = cluster.isWorker ? clusterMetricsGatherer(metrics.registry) : () => metrics.registry.metrics();
  const router = express.Router();
  router.get('/metrics', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    if (!bearerMatches(req.headers.authorization, token)) {
      res.status(401).set('WWW-Authenticate', 'Bearer realm="metrics"').type('text').send('A bearer token is required.\n');
      return;
    }
    try {
      const text = await gather();
      res.set('Content-Type', metrics.registry.contentType).send(text);
    } catch (error) {
      res
        .status(503)
        .type('text')
        .send(`Metrics are unavailable: ${(error as Error).message}\n`);
    }
  });
  return router;
}
