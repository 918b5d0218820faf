import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, Gauge, type MetricObjectWithValues, type MetricValue, type Registry } from 'prom-client';

/**
 * Metrics of all the workers of a cluster (index.ts's WEB_CONCURRENCY > 1), answered by whichever
 * worker Prometheus's scrape reaches: that worker asks the primary over the cluster's IPC channel,
 * the primary asks every worker that is serving for its metrics as JSON and sums them with
 * prom-client's AggregatorRegistry.aggregate (each metric's own aggregator: counters and histograms
 * add up, `atrium_runs` takes the largest). prom-client's own clusterMetrics() is not used: it asks
 * every connected worker, including one still starting that cannot answer yet, and fails the whole
 * scrape after 5 seconds when one does not; here a worker that does not answer within
 * PART_TIMEOUT_MS is left out and `atrium_cluster_workers` says how many answered.
 */

const ASK = 'atrium:metrics:ask';
const COLLECT = 'atrium:metrics:collect';
const PART = 'atrium:metrics:part';
const ANSWER = 'atrium:metrics:answer';
/** How long the primary waits for a worker's part. */
const PART_TIMEOUT_MS = 3_000;
/** How long a worker waits for the primary's answer. */
const ANSWER_TIMEOUT_MS = 8_000;

/** A send's error goes to its callback: without one, a channel closing meanwhile would be an 'error' event nobody handles. */
const ignore = () => undefined;

type Message = { type?: string; id?: number; text?: string; error?: string; metrics?: MetricObjectWithValues<MetricValue<string>>[] };

/** Primary side: answers workers' requests for the cluster's metrics. `serving` lists the workers that have started. */
export function serveClusterMetrics(serving: () => Worker[]): void {
  let next = 0;
  const parts = new Map<number, { expected: Set<number>; received: Message['metrics'][]; finish: () => void }>();
  cluster.on('message', (worker, message: Message) => {
    if (message?.type === PART && typeof message.id === 'number') {
      const collection = parts.get(message.id);
      if (!collection || !collection.expected.delete(worker.id)) return;
      collection.received.push(message.metrics ?? []);
      if (collection.expected.size === 0) collection.finish();
      return;
    }
    if (message?.type !== ASK) return;
    const workers = serving().filter((w) => w.isConnected());
    const id = ++next;
    const received: Message['metrics'][] = [];
    const expected = new Set(workers.map((w) => w.id));
    const finish = () => {
      clearTimeout(timer);
      parts.delete(id);
      const fail = (error: unknown) => reply({ type: ANSWER, id: message.id, error: String((error as Error)?.message ?? error) });
      try {
        const registry = AggregatorRegistry.aggregate(received as never);
        const reporting = new Gauge({
          name: 'atrium_cluster_workers',
          help: 'Worker processes serving, and how many of them answered this scrape.',
          labelNames: ['state'],
          registers: [registry],
        });
        reporting.set({ state: 'serving' }, workers.length);
        reporting.set({ state: 'reporting' }, received.length);
        registry.metrics().then((text) => reply({ type: ANSWER, id: message.id, text }), fail);
      } catch (error) {
        fail(error);
      }
    };
    const reply = (answer: Message) => {
      if (worker.isConnected()) worker.send(answer, undefined, ignore);
    };
    const timer = setTimeout(finish, PART_TIMEOUT_MS);
    parts.set(id, { expected, received, finish });
    for (const w of workers) w.send({ type: COLLECT, id }, undefined, ignore);
    if (expected.size === 0) finish();
  });
}

let workerRegistry: Registry | null = null;
let nextAsk = 0;
let pendingAnswers: Map<number, (answer: Message) => void> | null = null;

/**
 * Worker side: hands `registry`'s metrics to the primary when it collects, and returns the function
 * that asks the primary for the whole cluster's text. One registry per process (the last server created).
 */
export function clusterMetricsGatherer(registry: Registry): () => Promise<string> {
  workerRegistry = registry;
  if (!pendingAnswers) {
    const answers = new Map<number, (answer: Message) => void>();
    pendingAnswers = answers;
    process.on('message', (message: Message) => {
      if (message?.type === COLLECT) {
        void workerRegistry?.getMetricsAsJSON().then(
          (metrics) => process.send?.({ type: PART, id: message.id, metrics }, undefined, undefined, ignore),
          () => process.send?.({ type: PART, id: message.id, metrics: [] }, undefined, undefined, ignore),
        );
      } else if (message?.type === ANSWER && typeof message.id === 'number') {
        answers.get(message.id)?.(message);
      }
    });
  }
  const answers = pendingAnswers;
  return () =>
    new Promise<string>((resolve, reject) => {
      const id = ++nextAsk;
      const timer = setTimeout(() => {
        answers.delete(id);
        reject(new Error("the primary process did not answer with the cluster's metrics"));
      }, ANSWER_TIMEOUT_MS);
      answers.set(id, (answer) => {
        clearTimeout(timer);
        answers.delete(id);
        if (answer.error !== undefined || answer.text === undefined) reject(new Error(answer.error ?? 'no metrics'));
        else resolve(answer.text);
      });
      process.send!({ type: ASK, id }, undefined, undefined, (error) => {
        if (!error) return;
        clearTimeout(timer);
        answers.delete(id);
        reject(error);
      });
    });
}
