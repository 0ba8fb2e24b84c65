// Messages between the training thread and a replica thread. Typed arrays travel as transfers, so a
// step moves each buffer once and copies nothing.

/** A tensor as plain data: its values, shape and dtype. */
export interface HostTensor {
  data: Float32Array | Int32Array;
  shape: number[];
  dtype: 'float32' | 'int32';
}

/** What a replica needs to rebuild a compiled output head (the loss function itself cannot travel). */
export interface HeadConfig {
  name: string;
  lossName: string;
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
    }
  | {
      type: 'step';
      /** Every trainable weight, concatenated in model.trainableWeights order: the replica starts each step from these. */
      trainable: Float32Array;
      /** Every non-trainable weight (BatchNormalization's moving statistics), in model.nonTrainableWeights order. */
      state: Float32Array;
      xs: HostTensor[];
      ys: HostTensor[];
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
    }
  | {
      type: 'gradients';
      /** Gradients of the shard's mean loss, concatenated in trainable order; zeros where `present` is false. */
      grads: Float32Array;
      /** Whether the loss reached each trainable variable (a missing gradient leaves the variable untouched). */
      present: boolean[];
      loss: number;
      perHead: number[];
      preds: HostTensor[];
      /** The non-trainable weights after the forward pass (moving statistics updated by this shard). */
      state: Float32Array;
      /** Wall-clock ms the replica spent on the step, from receiving it to replying (for balancing). */
      ms: number;
    }
  | { type: 'failed'; message: string };
