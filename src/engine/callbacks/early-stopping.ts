import type * as tf from '@tensorflow/tfjs';
import { Callback, type Logs, type TrainingContext } from '../training/callback.ts';
import { Monitor, type MonitorMode } from './monitor.ts';
import type { WeightsStore } from './weights-store.ts';

export interface EarlyStoppingOptions {
  /** Metric to watch. Default 'val_loss'. */
  monitor?: string;
  /** Smallest change that counts as an improvement. Default 0. */
  minDelta?: number;
  /** Epochs without improvement before stopping. Default 0. */
  patience?: number;
  /** Default 'auto' (max for accuracy-like metrics, else min). */
  mode?: MonitorMode;
  /** Training stops unless the metric beats this. Default none. */
  baseline?: number;
  /** Put back the weights of the best epoch when training ends. Default false. */
  restoreBestWeights?: boolean;
  /** Epochs to wait before watching at all. Default 0. */
  startFromEpoch?: number;
}

interface State {
  wait: number;
  best: number;
  bestEpoch: number;
  stoppedEpoch: number;
  hasBestWeights: boolean;
}

/**
 * Keras 3's EarlyStopping, restoreBestWeights included (which tfjs refuses with NotImplementedError).
 * The best weights are kept in the artifact store, so a run resumed after a crash can still restore them.
 */
export class EarlyStoppingCallback extends Callback {
  readonly name = 'earlyStopping';
  private readonly monitor: Monitor;
  private state: State;

  constructor(
    private readonly opts: EarlyStoppingOptions,
    private readonly bestWeights: WeightsStore,
    private readonly log: (message: string) => void,
  ) {
    super();
    this.monitor = new Monitor(opts.monitor ?? 'val_loss', opts.mode ?? 'auto', opts.minDelta ?? 0);
    this.state = { wait: 0, best: this.monitor.best, bestEpoch: 0, stoppedEpoch: 0, hasBestWeights: false };
  }

  override async onEpochEnd(epoch: number, logs: Logs, _r: unknown, ctx: TrainingContext): Promise<void> {
    const current = this.monitor.read(logs);
    if (current === undefined) {
      this.log(
        `earlyStopping: metric "${this.monitor.name}" is not available (have: ${Object.keys(logs).join(', ')}); skipping`,
      );
      return;
    }
    if (epoch < (this.opts.startFromEpoch ?? 0)) return;
    if (this.opts.restoreBestWeights && !this.state.hasBestWeights) await this.keepWeights(ctx.model, epoch);
    this.state.wait += 1;
    if (this.monitor.isImprovement(current, this.state.best)) {
      this.state.best = current;
      this.state.bestEpoch = epoch;
      if (this.opts.restoreBestWeights) await this.keepWeights(ctx.model, epoch);
      if (this.opts.baseline === undefined || this.monitor.isImprovement(current, this.opts.baseline))
        this.state.wait = 0;
      return;
    }
    if (this.state.wait >= (this.opts.patience ?? 0) && epoch > 0) {
      this.state.stoppedEpoch = epoch;
      this.log(
        `earlyStopping: ${this.monitor.name} did not improve for ${this.state.wait} epochs; stopping after epoch ${epoch + 1}`,
      );
      ctx.stop('early-stopping');
    }
  }

  override async onTrainEnd(ctx: TrainingContext): Promise<void> {
    if (ctx.stopReason === 'canceled' || ctx.stopReason === 'interrupted') return;
    if (this.opts.restoreBestWeights && this.state.hasBestWeights) {
      const weights = await this.bestWeights.load();
      if (weights) {
        ctx.model.setWeights(weights);
        (await import('@tensorflow/tfjs')).dispose(weights);
        this.log(
          `earlyStopping: restored the weights of epoch ${this.state.bestEpoch + 1} (${this.monitor.name} = ${this.state.best})`,
        );
      }
    }
  }

  private async keepWeights(model: tf.LayersModel, epoch: number): Promise<void> {
    await this.bestWeights.save(model.getWeights());
    this.state.hasBestWeights = true;
    this.state.bestEpoch = epoch;
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
