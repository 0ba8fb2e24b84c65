import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { UnrecoverableError, WaitingError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { parseTrainJobPayload } from '../queue/contracts.ts';
import type { EventPublisher } from '../queue/event-publisher.ts';
import type { RunEventDraft } from '../domain/run-event.ts';
import type { RunError } from '../domain/run-status.ts';
import type { TrainingOutcome } from '../engine/run-training.ts';
import { sweepScratch } from './scratch-sweep.ts';
import type { ChildMessage, ParentMessage, TrainingSettings } from './training-process-protocol.ts';
import type { WorkerMetrics } from './metrics.ts';

const TRAINING_PROCESS = fileURLToPath(new URL('./training-process.ts', import.meta.url));

export interface TrainJobDeps {
  publisher: EventPublisher;
  settings: TrainingSettings;
  /** Fires when this worker shuts down; the job checkpoints and goes back to the queue. */
  shutdown: AbortSignal;
  log: Logger;
  /** This worker's Prometheus metrics (jobs, durations, samples/s). */
  metrics?: WorkerMetrics;
}

type ChildResult =
  | { kind: 'outcome'; outcome: TrainingOutcome }
  | { kind: 'failed'; error: RunError }
  | { kind: 'crashed'; message: string };

/**
 * The BullMQ processor for training jobs, thin on purpose: it forks the training process, relays
 * its events to Redis in order, turns cancellation and shutdown into messages to it, and maps the
 * outcome onto the queue: done, failed for good (bad spec), retried (crash), or handed back (shutdown).
 */
export async function processTrainJob(
  job: Job,
  token: string | undefined,
  signal: AbortSignal | undefined,
  deps: TrainJobDeps,
) {
  const payload = parseTrainJobPayload(job.data);
  const attempt = job.attemptsMade + (job.stalledCounter ?? 0) + 1;
  const log = deps.log.child({ runId: payload.runId, jobId: job.id, attempt });
  const publish = orderedPublisher(deps.publisher, payload.runId, log);
  log.info('training job started');
  const tracked = deps.metrics?.jobStarted(payload.runId);

  const child = fork(TRAINING_PROCESS, [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const tell = (m: ParentMessage) => {
    if (child.connected) child.send(m);
  };
  const onCancel = () => tell({ type: 'cancel' });
  const onShutdown = () => tell({ type: 'interrupt' });
  signal?.addEventListener('abort', onCancel, { once: true });
  deps.shutdown.addEventListener('abort', onShutdown, { once: true });
  let result: ChildResult;
  try {
    const supervised = superviseChild(child, (event) => {
      tracked?.observe(event);
      publish(event.type === 'status' ? { ...event, data: { ...event.data, attempt } } : event);
    });
    tell({ type: 'start', payload, settings: deps.settings });
    if (signal?.aborted) onCancel();
    if (deps.shutdown.aborted) onShutdown();
    result = await supervised;
  } finally {
    signal?.removeEventListener('abort', onCancel);
    deps.shutdown.removeEventListener('abort', onShutdown);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  // A training process that died (killed, out of memory) leaves its local copy of the dataset behind.
  await sweepScratch(deps.settings.dataDir, log);
  await publish.drain();
  try {
    const settled = await settle(job, token, attempt, result, publish, log);
    tracked?.end(settled.status);
    return settled;
  } catch (error) {
    tracked?.end(
      error instanceof WaitingError ? 'interrupted' : error instanceof UnrecoverableError ? 'failed' : 'retried',
    );
    throw error;
  }
}

async function settle(
  job: Job,
  token: string | undefined,
  attempt: number,
  result: ChildResult,
  publish: OrderedPublisher,
  log: Logger,
) {
  if (result.kind === 'outcome') {
    const { outcome } = result;
    if (outcome.status === 'interrupted') {
      // Shutdown: the checkpoint is written; put the job back so any worker resumes it.
      publish({
        type: 'status',
        data: { status: 'queued', reason: 'worker shut down; the run resumes from its checkpoint' },
      });
      await publish.drain();
      await job.moveToWait(token);
      log.info('training interrupted by shutdown; job handed back to the queue');
      throw new WaitingError();
    }
    if (outcome.status === 'timeout') {
      // Out of time is final: retrying would only run out of time again.
      const error: RunError = {
        code: 'timeout',
        message: `the run reached fit.maxRuntimeSeconds (${outcome.maxRuntimeSeconds} s) after ${outcome.epochs} complete epoch(s); its last checkpoint is kept`,
      };
      publish({ type: 'status', data: { status: 'failed', error } });
      await publish.drain();
      log.warn({ error }, 'training timed out');
      throw new UnrecoverableError(error.message);
    }
    publish({
      type: 'status',
      data:
        outcome.status === 'succeeded'
          ? { status: 'succeeded', model: outcome.model, epochs: outcome.epochs, stoppedEarly: outcome.stoppedEarly }
          : { status: 'canceled' },
    });
    await publish.drain();
    log.info({ status: outcome.status }, 'training job ended');
    return { status: outcome.status };
  }
  if (result.kind === 'failed') {
    publish({ type: 'status', data: { status: 'failed', error: result.error } });
    await publish.drain();
    log.warn({ error: result.error }, 'training failed');
    throw new UnrecoverableError(result.error.message);
  }
  // The training process died (killed, out of memory): a retry may well succeed.
  const attempts = job.opts.attempts ?? 1;
  const last = job.attemptsMade + 1 >= attempts;
  const error: RunError = { code: 'worker_crashed', message: `the training process ${result.message}` };
  publish(
    last
      ? { type: 'status', data: { status: 'failed', error } }
      : {
          type: 'status',
          data: { status: 'queued', reason: `${error.message}; retrying (attempt ${attempt + 1} of ${attempts})` },
        },
  );
  await publish.drain();
  log.warn({ last }, error.message);
  throw new Error(error.message);
}

/** Waits for the child's verdict, forwarding its events; resolves on its exit. */
function superviseChild(child: ChildProcess, onEvent: (event: RunEventDraft) => void): Promise<ChildResult> {
  return new Promise((resolve) => {
    let verdict: ChildResult | undefined;
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'event') onEvent(message.event);
      else if (message.type === 'outcome') verdict = { kind: 'outcome', outcome: message.outcome };
      else if (message.type === 'failed') verdict = { kind: 'failed', error: message.error };
    });
    child.on('error', (error) => {
      verdict ??= { kind: 'crashed', message: `could not start: ${error.message}` };
    });
    child.on('exit', (code, sig) => {
      resolve(verdict ?? { kind: 'crashed', message: sig ? `was killed by ${sig}` : `exited with code ${code}` });
    });
  });
}

type OrderedPublisher = ((event: RunEventDraft) => void) & { drain(): Promise<void> };

/** Publishes events one after another in call order, without making the caller wait for Redis. */
function orderedPublisher(publisher: EventPublisher, runId: string, log: Logger): OrderedPublisher {
  let chain = Promise.resolve();
  const publish = ((event: RunEventDraft) => {
    chain = chain.then(() =>
      publisher.publish(runId, event).then(
        () => undefined,
        (error: unknown) => log.error({ err: error, type: event.type }, 'could not publish run event'),
      ),
    );
  }) as OrderedPublisher;
  publish.drain = () => chain;
  return publish;
}
