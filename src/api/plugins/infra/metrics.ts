import fp from 'fastify-plugin';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The api's Prometheus metrics; other plugins record into them, GET /metrics exposes them. */
export interface ApiMetrics {
  registry: Registry;
  /** Predict calls by model (`name:version`) and outcome (ok, overloaded: refused by a full queue, error). */
  predictSeconds: Histogram<'model' | 'outcome'>;
  /** Instances in each batch a model runs, by model. */
  servingBatchSize: Histogram<'model'>;
  /** How long each predict request waited in its model's micro-batch queue, by model. */
  servingQueueSeconds: Histogram<'model'>;
  /** From a worker emitting an event to the api storing it. */
  eventLagSeconds: Histogram;
  /** From a run's start to its final status, by that status. */
  runDurationSeconds: Histogram<'status'>;
  runsFinished: Counter<'status'>;
  /** Events set aside because they can never be stored. */
  eventsDeadLettered: Counter;
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: ApiMetrics;
  }
}

const JOB_STATES = ['waiting', 'prioritized', 'active', 'delayed', 'completed', 'failed'] as const;

/**
 * Operator metrics in Prometheus' format. Queue depths and WebSocket connections are read when
 * Prometheus scrapes (always current, no bookkeeping); latencies and lags are histograms recorded as
 * they happen. Each api replica reports its own sockets, predict latencies and ingest lag.
 */
export default fp(
  async (app) => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: 'kiln_api_' });

    new Gauge({
      name: 'kiln_jobs',
      help: 'Jobs in each queue by state (from BullMQ, read at scrape time)',
      labelNames: ['queue', 'state'],
      registers: [registry],
      async collect() {
        for (const queue of [app.trainingQueue, app.datasetQueue]) {
          if (!queue) continue;
          const counts = await queue.getJobCounts(...JOB_STATES);
          for (const state of JOB_STATES) this.set({ queue: queue.name, state }, counts[state] ?? 0);
        }
      },
    });
    new Gauge({
      name: 'kiln_websocket_connections',
      help: 'Open WebSocket connections to this api process',
      registers: [registry],
      collect() {
        this.set(app.websocketServer?.clients.size ?? 0);
      },
    });

    app.decorate('metrics', {
      registry,
      predictSeconds: new Histogram({
        name: 'kiln_predict_duration_seconds',
        help: 'Predict request latency by model, decoding and micro-batch wait included',
        labelNames: ['model', 'outcome'],
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
        registers: [registry],
      }),
      servingBatchSize: new Histogram({
        name: 'kiln_serving_batch_size',
        help: 'Instances per micro-batch a model ran, by model (KILN_BATCH_MAX_SIZE at most, one request alone beyond it)',
        labelNames: ['model'],
        buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096],
        registers: [registry],
      }),
      servingQueueSeconds: new Histogram({
        name: 'kiln_serving_queue_seconds',
        help: "Time a predict request waited in its model's micro-batch queue before its batch started, by model",
        labelNames: ['model'],
        buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
        registers: [registry],
      }),
      eventLagSeconds: new Histogram({
        name: 'kiln_event_lag_seconds',
        help: 'Time from a worker emitting a run event to this api storing it',
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
        registers: [registry],
      }),
      runDurationSeconds: new Histogram({
        name: 'kiln_run_duration_seconds',
        help: "From a run's start to its final status, by that status",
        labelNames: ['status'],
        buckets: [1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 12 * 3600, 48 * 3600],
        registers: [registry],
      }),
      runsFinished: new Counter({
        name: 'kiln_runs_finished_total',
        help: 'Runs that reached a final status, by status',
        labelNames: ['status'],
        registers: [registry],
      }),
      eventsDeadLettered: new Counter({
        name: 'kiln_events_dead_lettered_total',
        help: 'Run events that could never be stored (malformed or refused for their data), set aside in the dead-letter stream',
        registers: [registry],
      }),
    });
  },
  { name: 'metrics', dependencies: ['config'] },
);
