import type { ChildProcess } from 'node:child_process';
import { UnrecoverableError, WaitingError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { parseTrainJobPayload } from '../queue/contracts.ts';
import type { EventPublisher } from '../queue/event-publisher.ts';
import type { RunEventDraft } from '../domain/run-event.ts';
import type { RunError } from '../domain/run-status.ts';
import type { TrainingOutcome } from '../engine/run-training.ts';
import { sweepScratch } from './scratch-sweep.ts';
import { StepWatchdog } from './step-watchdog.ts';
import type { ChildMessage, ParentMessage, TrainingSettings } from './training-process-protocol.ts';
import type { WorkerMetrics } from './metrics.ts';
import type { TrainingProcesses } from './training-processes.ts';
import type { RunOwnerClaim } from './run-owner.ts';

export interface TrainJobDeps {
  publisher: EventPublisher;
  settings: TrainingSettings;
  /** Fires when this worker shuts down; the job checkpoints and goes back to the queue. */
  shutdown: AbortSignal;
  log: Logger;
  /** This worker's Prometheus metrics (jobs, durations, samples/s). */
  metrics?: WorkerMetrics;
  /** Forks the training process and ends it when the shutdown runs out of time. */
  processes: TrainingProcesses;
  /** Marks the run as trained here for as long as the job runs (see run-owner.ts). */
  claim(runId: string): Promise<RunOwnerClaim>;
}

type ChildResult =
  | { kind: 'outcome'; outcome: TrainingOutcome; checkpointed?: false }
  | { kind: 'failed'; error: RunError; retryable: boolean }
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
  // One budget for every way an attempt can end without a verdict: BullMQ counts a crash in
  // attemptsMade and a vanished worker in stalledCounter; the run's tries are their sum.
  const attempt = job.attemptsMade + (job.stalledCounter ?? 0) + 1;
  const attempts = job.opts.attempts ?? 1;
  const log = deps.log.child({ runId: payload.runId, jobId: job.id, attempt });
  const publish = orderedPublisher(deps.publisher, payload.runId, log);
  if (attempt > attempts) return giveUp(attempts, publish, log);
  log.info('training job started');
  const tracked = deps.metrics?.jobStarted(payload.runId);
  const claim = await deps.claim(payload.runId);

  const child = deps.processes.start();
  log.info({ pid: child.pid }, 'training process started');
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
    await claim.release();
  }
  if (result.kind === 'crashed' && deps.processes.endedByShutdown) {
    // The shutdown ran out of time and ended the process mid-batch: not the run's fault, so no try is spent.
    result = { kind: 'outcome', outcome: { status: 'interrupted' }, checkpointed: false };
  }
  // A training process that died (killed, out of memory) leaves its local copy of the dataset behind.
  await sweepScratch(deps.settings.dataDir, log);
  await publish.drain();
  try {
    const settled = await settle(job, token, { attempt, attempts }, result, publish, log);
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
  { attempt, attempts }: { attempt: number; attempts: number },
  result: ChildResult,
  publish: OrderedPublisher,
  log: Logger,
) {
  if (result.kind === 'outcome') {
    const { outcome } = result;
    if (outcome.status === 'interrupted') {
      // Shutdown: the checkpoint is written; put the job back so any worker resumes it.
      const reason =
        result.checkpointed === false
          ? 'worker shut down before the running batch ended (KILN_SHUTDOWN_TIMEOUT_MS); the run resumes from its last checkpoint'
          : 'worker shut down; the run resumes from its checkpoint';
      publish({ type: 'status', data: { status: 'queued', reason } });
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
  if (result.kind === 'failed' && !result.retryable) {
    publish({ type: 'status', data: { status: 'failed', error: result.error } });
    await publish.drain();
    log.warn({ error: result.error }, 'training failed');
    throw new UnrecoverableError(result.error.message);
  }
  // The training process died (killed, out of memory) or the store failed (full disk): a retry may well
  // succeed, unless this was the last try.
  const error: RunError =
    result.kind === 'failed'
      ? result.error
      : { code: 'worker_crashed', message: `the training process ${result.message}` };
  if (attempt >= attempts) {
    const final = { ...error, message: `${error.message} (try ${attempt} of ${attempts}, KILN_JOB_ATTEMPTS)` };
    publish({ type: 'status', data: { status: 'failed', error: final } });
    await publish.drain();
    log.warn(final.message);
    throw new UnrecoverableError(final.message);
  }
  publish({
    type: 'status',
    data: { status: 'queued', reason: `${error.message}; retrying (attempt ${attempt + 1} of ${attempts})` },
  });
  await publish.drain();
  log.warn(error.message);
  throw new Error(error.message);
}

/**
 * Every try of the run is spent (its workers vanished or its training processes died): end it
 * `failed` without starting it again.
 */
async function giveUp(attempts: number, publish: OrderedPublisher, log: Logger): Promise<never> {
  const error: RunError = {
    code: 'worker_crashed',
    message: `the run's training was lost ${attempts} time(s) (worker or training process died); KILN_JOB_ATTEMPTS is ${attempts}`,
  };
  publish({ type: 'status', data: { status: 'failed', error } });
  await publish.drain();
  log.warn(error.message);
  throw new UnrecoverableError(error.message);
}

/** Waits for the child's verdict, forwarding its events; resolves on its exit. */
function superviseChild(child: ChildProcess, onEvent: (event: RunEventDraft) => void): Promise<ChildResult> {
  return new Promise((resolve) => {
    let verdict: ChildResult | undefined;
    const watchdog = new StepWatchdog(child, (error) => (verdict ??= { kind: 'failed', error, retryable: false }));
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'event') onEvent(message.event);
      else if (message.type === 'watchdog') watchdog.set(message.ms);
      else if (message.type === 'outcome') verdict = { kind: 'outcome', outcome: message.outcome };
      else if (message.type === 'failed')
        verdict = { kind: 'failed', error: message.error, retryable: message.retryable };
    });
    child.on('error', (error) => {
      verdict ??= { kind: 'crashed', message: `could not start: ${error.message}` };
    });
    child.on('exit', (code, sig) => {
      watchdog.stop();
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
