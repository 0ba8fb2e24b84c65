import type { ChildProcess } from 'node:child_process';
import type { RunError } from '../domain/run-status.ts';

/**
 * Grace beyond the step timeout: an asynchronous step that outlives it is failed by the training
 * process itself (with its message); only one stuck in synchronous code, which no timer inside that
 * process can interrupt, is left to this.
 */
const GRACE_MS = 2000;

/**
 * The worker's side of a user's train_step timeout (KILN_STEP_TIMEOUT_SECONDS). The training process
 * arms it before each call of user code and disarms it after (`watchdog` messages); past the time
 * armed, the process is killed and the run fails with an error naming the setting, not retried.
 */
export class StepWatchdog {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly child: ChildProcess,
    private readonly onExpired: (error: RunError) => void,
  ) {}

  /** `ms`: user code runs for at most this long from now; null: it no longer runs. */
  set(ms: number | null): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (ms === null) return;
    this.timer = setTimeout(() => {
      this.onExpired({
        code: 'training_error',
        message: `the run's train_step did not return within ${ms / 1000} s (KILN_STEP_TIMEOUT_SECONDS); its training process was ended`,
      });
      this.child.kill('SIGKILL');
    }, ms + GRACE_MS);
  }

  stop(): void {
    this.set(null);
  }
}
