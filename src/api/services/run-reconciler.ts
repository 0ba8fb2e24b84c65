import type { FastifyInstance } from 'fastify';
import { runsRepository } from '../../store/repositories/runs.ts';
import { recordRunEvent } from '../../store/repositories/run-events.ts';
import type { RunEventDraft } from '../../domain/run-event.ts';

/**
 * A run must never stay `queued` or `running` after its job is gone: when a worker vanished more
 * often than the retry budget allows, BullMQ fails the job without any worker left to say so.
 * This periodically compares active runs with their jobs and records the ending the workers could not.
 */
export class RunReconciler {
  private timer?: NodeJS.Timeout;
  private busy = false;

  constructor(
    private readonly app: FastifyInstance,
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
    try {
      const runs = await runsRepository(this.app.db.prisma).listActive(new Date(Date.now() - this.intervalMs));
      for (const run of runs) {
        const job = await this.app.trainingQueue.getJob(run.id);
        const state = job ? await job.getState() : 'missing';
        let draft: RunEventDraft | undefined;
        if (state === 'failed') {
          draft = { type: 'status', data: { status: 'failed', error: { code: 'worker_lost', message: `the job failed: ${job?.failedReason ?? 'unknown reason'}` } } };
        } else if (state === 'missing') {
          draft = { type: 'status', data: { status: 'failed', error: { code: 'job_lost', message: 'the queued job no longer exists (was Redis flushed?)' } } };
        }
        if (draft) {
          this.app.log.warn({ runId: run.id, state }, 'reconciling a run whose job ended without a final event');
          await recordRunEvent(this.app.db.prisma, await this.app.events.publish(run.id, draft));
        }
      }
    } catch (error) {
      this.app.log.warn({ err: error }, 'run reconciliation failed');
    } finally {
      this.busy = false;
    }
  }
}
