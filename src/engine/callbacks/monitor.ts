import type { Logs } from '../training/callback.ts';

export type MonitorMode = 'auto' | 'min' | 'max';

/** Keras' rule for mode 'auto': accuracy-like quantities are maximised, everything else minimised. */
export function resolveMode(monitor: string, mode: MonitorMode): 'min' | 'max' {
  if (mode !== 'auto') return mode;
  return /acc|auc|precision|recall|fmeasure/.test(monitor) ? 'max' : 'min';
}

/** Tracks the best value of a monitored metric with Keras' min_delta semantics. */
export class Monitor {
  readonly mode: 'min' | 'max';
  best: number;

  constructor(
    readonly name: string,
    mode: MonitorMode,
    private readonly minDelta = 0,
  ) {
    this.mode = resolveMode(name, mode);
    this.best = this.mode === 'min' ? Infinity : -Infinity;
  }

  /** The monitored value in these logs; undefined (with Keras' warning left to the caller) when absent. */
  read(logs: Logs): number | undefined {
    const value = logs[this.name];
    return typeof value === 'number' && !Number.isNaN(value) ? value : undefined;
  }

  isImprovement(current: number, reference = this.best): boolean {
    const delta = Math.abs(this.minDelta);
    return this.mode === 'min' ? current < reference - delta : current > reference + delta;
  }
}
