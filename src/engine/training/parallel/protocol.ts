// Messages between the training thread and a replica thread. The values themselves (weights,
// rows, gradients, predictions) live in shared buffers, set up once and rewritten in place every
// step; messages carry only shapes and scalars, and a buffer when one is first made or outgrown.
// Whoever writes a buffer allocates it. Steps strictly alternate (the training thread writes, the
// replica reads and writes its answers, the training thread reads them), so no buffer is ever
// written while the other side reads it.

import type { LossOptions } from '../losses.ts';

/** A shared buffer of float32 or int32 values. */
export interface SharedSlot {
  buffer: SharedArrayBuffer;
  dtype: 'float32' | 'int32';
}

/** What a replica needs to rebuild a compiled output head (the loss function itself cannot travel). */
export interface HeadConfig {
  name: string;
  lossName: string;
  lossOptions: LossOptions;
  weight: number;
}

/** Training thread → replica. */
export type ReplicaRequest =
  | {
      type: 'init';
      /** The backend the training thread uses ('wasm' or 'cpu'); the replica loads the same one. */
      backend: 'wasm' | 'cpu';
      /** model.toJSON(null, false): the same architecture, rebuilt with tf.models.modelFromJSON. */
      topology: unknown;
      heads: HeadConfig[];
      classWeight?: Record<string, number>;
      /** Every trainable weight, concatenated in model.trainableWeights order, rewritten before each step (shared by all replicas). */
      weights: SharedSlot;
      /** Every non-trainable weight (BatchNormalization's moving statistics), in model.nonTrainableWeights order, likewise. */
      state: SharedSlot;
    }
  | {
      type: 'step';
      /** Shapes of this shard's model inputs and targets; their rows are at the front of the input slots. */
      xShapes: number[][];
      yShapes: number[][];
      /** The replica's input slots (xs, then ys), sent when first made or replaced by larger ones. */
      inputs?: SharedSlot[];
      /** Seeds the replica's Math.random for this step (Dropout), drawn from the run's generator. */
      rngSeed: string;
    };

/** Replica → training thread. */
export type ReplicaReply =
  | {
      type: 'ready';
      /** Shapes of the replica's trainable and non-trainable weights, checked against the training thread's model. */
      trainableShapes: number[][];
      stateShapes: number[][];
      /** Where the replica writes its gradients (trainable order; zeros where not `present`) each step. */
      grads: SharedSlot;
      /** Where it writes its non-trainable weights after each forward pass (moving statistics updated by its shard). */
      state: SharedSlot;
    }
  | {
      type: 'gradients';
      /** Whether the loss reached each trainable variable (a missing gradient leaves the variable untouched). */
      present: boolean[];
      loss: number;
      perHead: number[];
      /** Shapes of the predictions, one per output, at the front of the prediction slots. */
      predShapes: number[][];
      /** The prediction slots, sent when first made or replaced by larger ones. */
      preds?: SharedSlot[];
      /** Wall-clock ms the replica spent on the step, from receiving it to replying (for balancing). */
      ms: number;
    }
  | { type: 'failed'; message: string };
