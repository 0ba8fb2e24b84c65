import type { Queue } from 'bullmq';
import type { RunEventDraft } from '../../domain/run-event.ts';
import type { TrainJobPayload, TrainJobResult } from '../../queue/contracts.ts';
import type { RunsRepository } from '../../store/repositories/runs.ts';

export interface RunReconcilerDeps {
  runs: RunsRepository;
  queue: Queue<TrainJobPayload, TrainJobResult>;
  /** Publishes and records an event the api originates for a run (see runs-service). */
  emit(runId: string, draft: RunEventDraft): Promise<void>;
  /** Puts a run whose job vanished back in the queue, from its stored spec. */
  requeue(runId: string, reason: string): Promise<void>;
  /**
   * Up to when every event published so far is stored (see EventStreamConsumer.storedUpTo);
   * undefined while events cannot be stored. A job that ended after it may still have its final
   * event on the way, so it is left alone until the events catch up.
   */
  eventsStoredUpTo(): Promise<number | undefined>;
  /** Whether a worker holds the run (it trains it now, whatever became of its job). */
  isHeld(runId: string): Promise<boolean>;
  log: { warn(obj: object, msg: string): void };
}

/**
 * A run must never stay `queued` or `running` once its job has ended or is gone. Every interval, the
 * active runs are compared with their jobs:
 * - a job that completed or failed whose final event is not stored although every event published
 *   before it ended is (it was lost): the run is settled from the job, its result or its failure;
 * - a job that no longer exists (Redis lost it) of a run no worker holds, seen twice in a row: the run
 *   is queued again from its stored spec and resumes from its last checkpoint.
 */
export class RunReconciler {
  private timer?: NodeJS.Timeout;
  private busy = false;
  /** Runs whose job was missing at the last tick (one miss may be a job being added or a worker between heartbeats). */
  private missing = new Set<string>();

  constructor(
    private readonly deps: RunReconcilerDeps,
    private readonly intervalMs = 15_000,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    const { runs, queue, log } = this.deps;
    try {
      const storedUpTo = await this.deps.eventsStoredUpTo();
      if (storedUpTo === undefined) return; // events are not being stored: nothing can be judged now
      const stillMissing = new Set<string>();
      for (const run of await runs.listActive(new Date(Date.now() - this.intervalMs))) {
        const job = await queue.getJob(run.id);
        if (!job) {
          if (await this.deps.isHeld(run.id)) continue;
          if (!this.missing.has(run.id)) {
            stillMissing.add(run.id);
            continue;
          }
          log.warn(
            { runId: run.id },
            'the job of a run no worker holds is gone (Redis lost it?); queueing the run again',
          );
          await this.deps.requeue(
            run.id,
            'its job was lost (did Redis lose its data?); queued again, it resumes from its last checkpoint',
          );
          continue;
        }
        const state = await job.getState();
        if (state !== 'completed' && state !== 'failed') continue;
        if ((job.finishedOn ?? Infinity) > storedUpTo) continue; // its final event may still be on its way
        const draft = endingOf(state, job.returnvalue, job.failedReason);
        log.warn({ runId: run.id, state }, 'settling a run whose job ended without a stored final event');
        await this.deps.emit(run.id, draft);
      }
      this.missing = stillMissing;
    } catch (error) {
      log.warn({ err: error }, 'run reconciliation failed');
    } finally {
      this.busy = false;
    }
  }
}

/** The final status a finished job stands for: its result when it completed, its failure otherwise. */
function endingOf(
  state: 'completed' | 'failed',
  result: TrainJobResult | undefined,
  failedReason: string | undefined,
): RunEventDraft {
  if (state === 'completed' && result?.status) return { type: 'status', data: result };
  const message =
    state === 'completed' ? 'the job ended without a result' : `the job failed: ${failedReason ?? 'unknown reason'}`;
  return { type: 'status', data: { status: 'failed', error: { code: 'worker_lost', message } } };
}
