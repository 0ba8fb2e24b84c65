import type { Queue } from 'bullmq';
import type { RunEventDraft } from '../../domain/run-event.ts';
import type { TrainJobPayload } from '../../queue/contracts.ts';
import type { EventPublisher } from '../../queue/event-publisher.ts';
import type { RunEventsRepository } from '../../store/repositories/run-events.ts';
import type { RunsRepository } from '../../store/repositories/runs.ts';

export interface RunReconcilerDeps {
  runs: RunsRepository;
  runEvents: RunEventsRepository;
  queue: Queue<TrainJobPayload>;
  publisher: EventPublisher;
  log: { warn(obj: object, msg: string): void };
}

/**
 * A run must never stay `queued` or `running` after its job is gone: when a worker vanished more
 * often than the retry budget allows, BullMQ fails the job without any worker left to say so.
 * This periodically compares active runs with their jobs and records the ending the workers could not.
 */
export class RunReconciler {
  private timer?: NodeJS.Timeout;
  private busy = false;

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
    const { runs, runEvents, queue, publisher, log } = this.deps;
    try {
      for (const run of await runs.listActive(new Date(Date.now() - this.intervalMs))) {
        const job = await queue.getJob(run.id);
        const state = job ? await job.getState() : 'missing';
        let draft: RunEventDraft | undefined;
        if (state === 'failed') {
          draft = {
            type: 'status',
            data: {
              status: 'failed',
              error: { code: 'worker_lost', message: `the job failed: ${job?.failedReason ?? 'unknown reason'}` },
            },
          };
        } else if (state === 'missing') {
          draft = {
            type: 'status',
            data: {
              status: 'failed',
              error: { code: 'job_lost', message: 'the queued job no longer exists (was Redis flushed?)' },
            },
          };
        }
        if (draft) {
          log.warn({ runId: run.id, state }, 'reconciling a run whose job ended without a final event');
          await runEvents.record(await publisher.publish(run.id, draft));
        }
      }
    } catch (error) {
      log.warn({ err: error }, 'run reconciliation failed');
    } finally {
      this.busy = false;
    }
  }
}
