import { createServer, type Server } from 'node:http';
import { hostname } from 'node:os';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Logger } from 'pino';
import type { RunEventDraft } from '../domain/run-event.ts';

/**
 * A worker's Prometheus metrics: jobs running and finished, how long they took, and the training
 * throughput per device, labelled with this worker (host and pid) so that many workers can be told
 * apart in one Prometheus.
 */
export class WorkerMetrics {
  readonly registry = new Registry();
  private readonly labels: { worker: string; device: string };
  private readonly running: Gauge<'worker' | 'device'>;
  private readonly finished: Counter<'worker' | 'device' | 'outcome'>;
  private readonly duration: Histogram<'worker' | 'device' | 'outcome'>;
  private readonly samplesPerSec: Gauge<'worker' | 'device' | 'run'>;

  constructor(device: string) {
    this.labels = { worker: `${hostname()}:${process.pid}`, device };
    collectDefaultMetrics({ register: this.registry, prefix: 'kiln_worker_' });
    const registers = [this.registry];
    this.running = new Gauge({
      name: 'kiln_worker_jobs_running',
      help: 'Training jobs this worker runs now',
      labelNames: ['worker', 'device'],
      registers,
    });
    this.running.set(this.labels, 0);
    this.finished = new Counter({
      name: 'kiln_worker_jobs_finished_total',
      help: 'Training jobs this worker ended, by outcome',
      labelNames: ['worker', 'device', 'outcome'],
      registers,
    });
    this.duration = new Histogram({
      name: 'kiln_worker_job_duration_seconds',
      help: 'How long one attempt of a training job ran on this worker, by outcome',
      labelNames: ['worker', 'device', 'outcome'],
      buckets: [1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 12 * 3600, 48 * 3600],
      registers,
    });
    this.samplesPerSec = new Gauge({
      name: 'kiln_training_samples_per_second',
      help: "Training throughput of each running job's current epoch",
      labelNames: ['worker', 'device', 'run'],
      registers,
    });
  }

  /** Call when a job starts; the returned function ends it with an outcome (succeeded, failed, retried, ...). */
  jobStarted(runId: string): { observe(event: RunEventDraft): void; end(outcome: string): void } {
    const started = performance.now();
    this.running.inc(this.labels);
    return {
      observe: (event) => {
        const samplesPerSec = event.type === 'batch' ? event.data.samplesPerSec : undefined;
        if (typeof samplesPerSec === 'number') this.samplesPerSec.set({ ...this.labels, run: runId }, samplesPerSec);
      },
      end: (outcome) => {
        this.running.dec(this.labels);
        this.samplesPerSec.remove({ ...this.labels, run: runId });
        this.finished.inc({ ...this.labels, outcome });
        this.duration.observe({ ...this.labels, outcome }, (performance.now() - started) / 1000);
      },
    };
  }

  /**
   * Serves GET /metrics on `port`. A port already taken is logged, not fatal (training matters more),
   * with the setting that moves it: the operator sees why Prometheus finds nothing, and what to change.
   */
  listen(port: number, log: Logger): Promise<Server | undefined> {
    const server = createServer((request, response) => {
      if (request.url !== '/metrics') {
        response.writeHead(404).end();
        return;
      }
      this.registry.metrics().then(
        (body) => response.writeHead(200, { 'content-type': this.registry.contentType }).end(body),
        (error: Error) => response.writeHead(500).end(error.message),
      );
    });
    return new Promise((resolve) => {
      server.once('error', (error: NodeJS.ErrnoException) => {
        const why =
          error.code === 'EADDRINUSE'
            ? `port ${port} is already in use (another program, or another Kiln worker on this machine)`
            : `it could not listen on port ${port} (${error.message})`;
        log.error(
          { err: error, port, setting: 'KILN_METRICS_PORT' },
          `worker metrics endpoint not started: ${why}; set KILN_METRICS_PORT to a free port (npm start gives its workers that port, +1, +2, …) or to 0 to turn it off. Training continues without it`,
        );
        resolve(undefined);
      });
      server.listen(port, () => {
        const address = server.address();
        log.info({ port: typeof address === 'object' && address ? address.port : port }, 'worker metrics at /metrics');
        resolve(server);
      });
    });
  }
}
