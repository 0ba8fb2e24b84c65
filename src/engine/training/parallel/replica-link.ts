import type * as tf from '@tensorflow/tfjs';
import { copyRows, elementsOf, slotFor, slotView, tensorFrom } from './host-tensors.ts';
import type { ReplicaReply, ReplicaRequest, SharedSlot } from './protocol.ts';
import type { ReplicaThread } from './replica-thread.ts';
import type { Shard } from './shards.ts';

export type GradientsReply = Extract<ReplicaReply, { type: 'gradients' }>;

/** What a replica answered for its shard: its gradients and moving statistics (views of its buffers). */
export interface ReplicaAnswer {
  reply: GradientsReply;
  grads: Float32Array;
  state: Float32Array;
  /** The shard's predictions for output `h`, as a tensor of the caller's tidy. */
  preds(h: number): tf.Tensor;
}

/**
 * The training thread's side of one replica thread and the buffers the two share (protocol.ts):
 * writes the shard's rows into the replica's input buffers, posts the step, and reads the answer
 * from the buffers the replica writes. One step at a time.
 */
export class ReplicaLink {
  /** Written here: the replica's rows (xs, then ys). */
  private inputs: SharedSlot[] = [];
  /** Written by the replica. */
  private readonly grads: Float32Array;
  private readonly state: Float32Array;
  private preds: SharedSlot[] = [];

  constructor(
    private readonly thread: ReplicaThread,
    ready: Extract<ReplicaReply, { type: 'ready' }>,
    counts: { trainable: number; state: number },
  ) {
    this.grads = slotView(ready.grads, counts.trainable) as Float32Array;
    this.state = slotView(ready.state, counts.state) as Float32Array;
  }

  /** Sends the replica rows `shard` of a batch of `batchRows` rows; resolves with its answer. */
  step(shard: Shard, xs: tf.Tensor[], ys: tf.Tensor[], batchRows: number, rngSeed: string): Promise<ReplicaAnswer> {
    let grown = false;
    this.inputs = [...xs, ...ys].map((t, i) => {
      // Room for the whole batch: balancing moves rows between replicas from step to step.
      const slot = slotFor(this.inputs[i], t.dtype as SharedSlot['dtype'], (t.size / t.shape[0]!) * batchRows);
      grown ||= slot !== this.inputs[i];
      copyRows(t, shard.start, shard.rows, slotView(slot));
      return slot;
    });
    const shapeOf = (t: tf.Tensor) => [shard.rows, ...t.shape.slice(1)];
    const request: Extract<ReplicaRequest, { type: 'step' }> = {
      type: 'step',
      xShapes: xs.map(shapeOf),
      yShapes: ys.map(shapeOf),
      inputs: grown ? this.inputs : undefined,
      rngSeed,
    };
    return this.thread.request(request).then((reply) => this.answer(reply as GradientsReply));
  }

  private answer(reply: GradientsReply): ReplicaAnswer {
    if (reply.preds) this.preds = reply.preds;
    const preds = this.preds;
    return {
      reply,
      grads: this.grads,
      state: this.state,
      preds: (h) =>
        tensorFrom(slotView(preds[h]!, elementsOf(reply.predShapes[h]!)), reply.predShapes[h]!, preds[h]!.dtype),
    };
  }
}
