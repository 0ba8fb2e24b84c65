import type { ArtifactStore } from '../../artifacts/artifact-store.ts';
import type { RunEventDraft } from '../../domain/run-event.ts';
import type { CallbacksSpec } from '../../domain/run-spec/schema.ts';
import type { Callback } from '../training/callback.ts';
import type { CheckpointStore } from '../training/checkpoint-store.ts';
import { EarlyStoppingCallback } from './early-stopping.ts';
import { ModelCheckpointCallback } from './model-checkpoint.ts';
import { ReduceLROnPlateauCallback } from './reduce-lr-on-plateau.ts';
import { TensorBoardCallback } from './tensorboard.ts';
import { WeightsStore } from './weights-store.ts';

/** The user's Keras callbacks of a run spec, built in Keras' order of effect. */
export function userCallbacks(
  spec: CallbacksSpec | undefined,
  deps: { artifacts: ArtifactStore; prefix: string; checkpoints: CheckpointStore; emit: (e: RunEventDraft) => void },
): Callback[] {
  const log = (message: string, data: Record<string, unknown> = {}) =>
    deps.emit({ type: 'log', data: { level: 'info', message, ...data } });
  const callbacks: Callback[] = [];
  if (spec?.tensorBoard) {
    const updateFreq = spec.tensorBoard.updateFreq === 'batch' ? 1 : spec.tensorBoard.updateFreq;
    callbacks.push(
      new TensorBoardCallback({ ...spec.tensorBoard, updateFreq }, deps.artifacts, `${deps.prefix}/tensorboard`),
    );
  }
  if (spec?.reduceLROnPlateau) callbacks.push(new ReduceLROnPlateauCallback(spec.reduceLROnPlateau, log));
  if (spec?.modelCheckpoint) {
    callbacks.push(
      new ModelCheckpointCallback(spec.modelCheckpoint, deps.checkpoints, (saved) =>
        deps.emit({ type: 'checkpoint', data: { ...saved } }),
      ),
    );
  }
  if (spec?.earlyStopping) {
    callbacks.push(
      new EarlyStoppingCallback(
        spec.earlyStopping,
        new WeightsStore(deps.artifacts, `${deps.prefix}/callbacks/early-stopping-best`),
        log,
      ),
    );
  }
  return callbacks;
}
