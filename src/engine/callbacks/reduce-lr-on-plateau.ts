import { Callback, type Logs, type TrainingContext } from '../training/callback.ts';
import { Monitor, type MonitorMode } from './monitor.ts';

export interface ReduceLROnPlateauOptions {
  /** Default 'val_loss'. */
  monitor?: string;
  /** New rate = rate × factor. Default 0.1. */
  factor?: number;
  /** Epochs without improvement before reducing. Default 10. */
  patience?: number;
  /** Default 'auto'. */
  mode?: MonitorMode;
  /** Default 1e-4. */
  minDelta?: number;
  /** Epochs to wait after a reduction before counting again. Default 0. */
  cooldown?: number;
  /** Lower bound of the rate. Default 0. */
  minLr?: number;
}

interface State {
  wait: number;
  best: number;
  cooldownCounter: number;
}

/**
 * Keras' ReduceLROnPlateau (tfjs has none). The new rate is set on the optimizer at once, so the
 * next batch trains with it and the next epoch event reports it.
 */
export class ReduceLROnPlateauCallback extends Callback {
  readonly name = 'reduceLROnPlateau';
  private readonly monitor: Monitor;
  private state: State;

  constructor(
    private readonly opts: ReduceLROnPlateauOptions,
    private readonly log: (message: string, data: Record<string, unknown>) => void,
  ) {
    super();
    if ((opts.factor ?? 0.1) >= 1) throw new Error('reduceLROnPlateau.factor must be below 1');
    this.monitor = new Monitor(opts.monitor ?? 'val_loss', opts.mode ?? 'auto', opts.minDelta ?? 1e-4);
    this.state = { wait: 0, best: this.monitor.best, cooldownCounter: 0 };
  }

  override async onEpochEnd(epoch: number, logs: Logs, _r: unknown, ctx: TrainingContext): Promise<void> {
    const current = this.monitor.read(logs);
    if (current === undefined) {
      this.log(`reduceLROnPlateau: metric "${this.monitor.name}" is not available; skipping`, {});
      return;
    }
    const inCooldown = () => this.state.cooldownCounter > 0;
    if (inCooldown()) {
      this.state.cooldownCounter -= 1;
      this.state.wait = 0;
    }
    if (this.monitor.isImprovement(current, this.state.best)) {
      this.state.best = current;
      this.state.wait = 0;
    } else if (!inCooldown()) {
      this.state.wait += 1;
      if (this.state.wait >= (this.opts.patience ?? 10)) {
        const oldLr = ctx.learningRate;
        const minLr = this.opts.minLr ?? 0;
        if (oldLr > Math.fround(minLr)) {
          const newLr = Math.max(oldLr * (this.opts.factor ?? 0.1), minLr);
          ctx.learningRate = newLr;
          this.state.cooldownCounter = this.opts.cooldown ?? 0;
          this.state.wait = 0;
          this.log(`reduceLROnPlateau: reducing learning rate to ${newLr} after epoch ${epoch + 1}`, {
            oldLr,
            newLr,
            epoch: epoch + 1,
          });
        }
      }
    }
  }

  override getState(): unknown {
    return { ...this.state };
  }

  override setState(state: unknown): void {
    // JSON turns ±Infinity into null: an unset best comes back as null.
    const s = state as State;
    this.state = { ...s, best: s.best ?? this.monitor.best };
  }
}
