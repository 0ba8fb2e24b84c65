import { Callback } from '../training/callback.ts';
import { UserCodeError } from './user-code-error.ts';

/**
 * Carries a train step's own state (what its module keeps between calls: a counter, a schedule, a
 * running statistic) through checkpoints, as a callback's state is: the module's getState() is saved
 * with every checkpoint and handed to its setState() when a run resumes. The state is JSON; tensors
 * belong in the further models' weights.
 */
export class StepStateCallback extends Callback {
  readonly name = 'train-step-state';

  constructor(private readonly module: { getState(): unknown; setState(state: unknown): unknown; file: string }) {
    super();
  }

  override getState(): unknown {
    let state: unknown;
    try {
      state = this.module.getState();
    } catch (error) {
      throw UserCodeError.thrown('getState threw', error, this.module.file);
    }
    // What the checkpoint will hold: a value JSON cannot carry would come back different on resume.
    const json = JSON.stringify(state);
    if (json === undefined) throw new UserCodeError(`getState returned ${typeof state}: return a JSON value`);
    return JSON.parse(json) as unknown;
  }

  override setState(state: unknown): void {
    try {
      this.module.setState(state);
    } catch (error) {
      throw UserCodeError.thrown('setState threw', error, this.module.file);
    }
  }
}
