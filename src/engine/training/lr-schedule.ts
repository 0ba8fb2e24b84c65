import type { LearningRateSchedule } from '../../domain/run-spec/schema.ts';

/** A learning rate as a function of the optimizer's iteration count (the steps taken so far). */
export type Schedule = (step: number) => number;

/**
 * Keras 3's schedules (keras/src/optimizers/schedules/learning_rate_schedule.py), formula for
 * formula, in float64 (Keras computes in float32; the difference is below 1e-7 relative).
 */
export function createSchedule(spec: LearningRateSchedule): Schedule {
  switch (spec.className) {
    case 'ExponentialDecay': {
      const { initialLearningRate, decaySteps, decayRate, staircase = false } = spec.config;
      return (step) => {
        const p = staircase ? Math.floor(step / decaySteps) : step / decaySteps;
        return initialLearningRate * Math.pow(decayRate, p);
      };
    }
    case 'CosineDecay': {
      const { initialLearningRate, decaySteps, alpha = 0, warmupTarget, warmupSteps = 0 } = spec.config;
      const decay = (step: number, from: number) => {
        const cosine = 0.5 * (1 + Math.cos((Math.PI * step) / decaySteps));
        return from * ((1 - alpha) * cosine + alpha);
      };
      // Without warmup_target, Keras ignores warmup_steps.
      if (warmupTarget === undefined || warmupTarget === null)
        return (step) => decay(Math.min(step, decaySteps), initialLearningRate);
      return (step) => {
        const s = Math.min(step, decaySteps + warmupSteps);
        return s < warmupSteps
          ? (warmupTarget - initialLearningRate) * (s / warmupSteps) + initialLearningRate
          : decay(s - warmupSteps, warmupTarget);
      };
    }
    case 'PiecewiseConstantDecay': {
      const { boundaries, values } = spec.config;
      // values[0] up to and including boundaries[0], values[i] in (boundaries[i-1], boundaries[i]], the last beyond.
      return (step) => {
        const i = boundaries.findIndex((b) => step <= b);
        return values[i === -1 ? boundaries.length : i]!;
      };
    }
  }
}
