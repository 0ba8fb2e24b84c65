import * as tf from '@tensorflow/tfjs';
import { batchGradients } from '../gradients.ts';
import type { OutputHead } from '../heads.ts';
import { trainableVariables, type TrainStep } from '../train-step.ts';
import { averageGradients, averageState, type ReplicaGradients } from './gradient-average.ts';
import { allocateSlot, copyFlat, copyRows, readFlat, slotFor, slotView, tensorFrom, writeFlat } from './host-tensors.ts';
import type { ReplicaReply, ReplicaRequest, SharedSlot } from './protocol.ts';
import { ReplicaThread } from './replica-thread.ts';
import { ShardBalancer, type ShardPlanner } from './shard-balancer.ts';
import { replicasRunOn } from './replicas.ts';

type GradientsReply = Extract<ReplicaReply, { type: 'gradients' }>;

/** The training thread's side of one replica thread and the buffers the two share. */
interface Link {
  thread: ReplicaThread;
  /** Written here: the replica's rows (xs, then ys). */
  inputs: SharedSlot[];
  /** Written by the replica: its gradients, moving statistics and predictions. */
  grads: Float32Array;
  state: Float32Array;
  preds: SharedSlot[];
}

const elementsOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const countOf = (weights: tf.LayerVariable[]) => weights.reduce((n, w) => n + elementsOf(w.shape as number[]), 0);

export interface ParallelStepOptions {
  /** Replicas in all, this thread included (so replicas - 1 threads start). At least 2. */
  replicas: number;
  classWeight?: Record<string, number>;
  /** How batches are split over the replicas; by default by each replica's measured speed (ShardBalancer). */
  planner?: ShardPlanner;
}

/**
 * A data-parallel step: every global batch is split by rows over `replicas` copies of the model —
 * this thread's and one per replica thread, each on its own backend instance (own wasm heap, own
 * core) — and the row-weighted average of their gradients goes through this thread's optimizer,
 * so the update is the full batch's. Before each step the replicas receive this thread's weights:
 * one optimizer, one set of weights, so checkpoints, learning-rate changes and resumed runs work as
 * with one replica. Resolves once every replica has built the model; close() stops the threads.
 */
export async function parallelTrainStep(model: tf.LayersModel, optimizer: tf.Optimizer, heads: OutputHead[], opts: ParallelStepOptions): Promise<TrainStep> {
  if (!Number.isInteger(opts.replicas) || opts.replicas < 2) throw new Error(`a parallel step needs an integer count of at least 2 replicas, got ${opts.replicas}`);
  const backend = tf.getBackend();
  if (!replicasRunOn(backend)) {
    throw new Error(`data-parallel replicas run on the wasm or cpu backend, not '${backend}' (which uses every core by itself)`);
  }
  const threads = Array.from({ length: opts.replicas - 1 }, () => new ReplicaThread());
  const close = async () => void (await Promise.all(threads.map((t) => t.close())));
  // Every replica starts each step from these: written here once per step, read by all.
  const [trainableCount, stateCount] = [countOf(model.trainableWeights), countOf(model.nonTrainableWeights)];
  const [weightsSlot, stateSlot] = [allocateSlot('float32', trainableCount), allocateSlot('float32', stateCount)];
  const weights = slotView(weightsSlot, trainableCount) as Float32Array;
  const stateBefore = slotView(stateSlot, stateCount) as Float32Array;
  let links: Link[];
  try {
    const init: ReplicaRequest = {
      type: 'init',
      backend,
      topology: model.toJSON(null, false),
      heads: heads.map((h) => ({ name: h.name, lossName: h.lossName, weight: h.weight })),
      classWeight: opts.classWeight,
      weights: weightsSlot,
      state: stateSlot,
    };
    const replies = await Promise.all(threads.map((t) => t.request(init)));
    const expected = JSON.stringify([model.trainableWeights.map((w) => w.shape), model.nonTrainableWeights.map((w) => w.shape)]);
    for (const reply of replies) {
      const got = reply.type === 'ready' ? JSON.stringify([reply.trainableShapes, reply.stateShapes]) : reply.type;
      if (got !== expected) throw new Error(`a replica rebuilt the model with other weights: ${got}, expected ${expected}`);
    }
    links = replies.map((reply, k) => {
      const ready = reply as Extract<ReplicaReply, { type: 'ready' }>;
      return { thread: threads[k]!, inputs: [], grads: slotView(ready.grads, trainableCount) as Float32Array, state: slotView(ready.state, stateCount) as Float32Array, preds: [] };
    });
  } catch (error) {
    await close();
    throw error;
  }

  const trainable = trainableVariables(model);
  const planner = opts.planner ?? new ShardBalancer(opts.replicas);
  return {
    async run(xs, ys, size) {
      const shards = planner.split(size);
      copyFlat(model.trainableWeights, weights);
      copyFlat(model.nonTrainableWeights, stateBefore);
      // Send the other shards first, so the replica threads work while this thread does its own.
      const remote = shards.slice(1).map((shard) => {
        const link = links[shard.replica - 1]!;
        let grown = false;
        link.inputs = [...xs, ...ys].map((t, i) => {
          // Room for the whole batch: balancing moves rows between replicas from step to step.
          const slot = slotFor(link.inputs[i], t.dtype as SharedSlot['dtype'], (t.size / t.shape[0]!) * size);
          grown ||= slot !== link.inputs[i];
          copyRows(t, shard.start, shard.rows, slotView(slot));
          return slot;
        });
        const shapeOf = (t: tf.Tensor) => [shard.rows, ...t.shape.slice(1)];
        const request: Extract<ReplicaRequest, { type: 'step' }> = {
          type: 'step',
          xShapes: xs.map(shapeOf),
          yShapes: ys.map(shapeOf),
          inputs: grown ? link.inputs : undefined,
          rngSeed: String(Math.random()),
        };
        const reply = link.thread.request(request);
        reply.catch(() => {}); // awaited below; this only keeps an early local failure from leaving it unhandled
        return reply as Promise<GradientsReply>;
      });
      const own = shards[0]!;
      const ownStarted = performance.now();
      const local = tf.tidy(() => {
        const slice = (ts: tf.Tensor[]) => (shards.length === 1 ? ts : ts.map((t) => t.slice(0, own.rows)));
        return batchGradients(model, heads, trainable, slice(xs), slice(ys), opts.classWeight);
      });
      planner.record(0, own.rows, performance.now() - ownStarted);
      try {
        const replies = await Promise.all(remote);
        replies.forEach((r, k) => planner.record(shards[k + 1]!.replica, shards[k + 1]!.rows, r.ms));
        const stateAfter = readFlat(model.nonTrainableWeights);
        const rows = [own.rows, ...shards.slice(1).map((s) => s.rows)];
        const answered = replies.map((r, k) => {
          const link = links[shards[k + 1]!.replica - 1]!;
          if (r.preds) link.preds = r.preds;
          return { reply: r, link };
        });
        const preds = tf.tidy(() => {
          const gradients: ReplicaGradients[] = [{ rows: own.rows, tensors: local.grads }, ...answered.map(({ reply, link }, k) => ({ rows: rows[k + 1]!, flat: link.grads, present: reply.present }))];
          optimizer.applyGradients(averageGradients(trainable, gradients));
          const remotePreds = (h: number) =>
            answered.map(({ reply, link }) => tensorFrom(slotView(link.preds[h]!, elementsOf(reply.predShapes[h]!)), reply.predShapes[h]!, link.preds[h]!.dtype));
          return local.preds.map((p, h) => (answered.length === 0 ? p.clone() : tf.concat([p, ...remotePreds(h)], 0)));
        });
        const merged = averageState(stateBefore, [{ rows: own.rows, state: stateAfter }, ...answered.map(({ link }, k) => ({ rows: rows[k + 1]!, state: link.state }))]);
        if (merged) writeFlat(model.nonTrainableWeights, merged);
        const weighted = (values: number[]) => values.reduce((sum, v, k) => sum + (rows[k]! / size) * v, 0);
        return {
          loss: weighted([local.loss.dataSync()[0]!, ...replies.map((r) => r.loss)]),
          perHead: heads.map((_, h) => weighted([local.perHead[h]!.dataSync()[0]!, ...replies.map((r) => r.perHead[h]!)])),
          preds,
        };
      } finally {
        tf.dispose([local.loss, ...local.perHead, ...local.preds, ...Object.values(local.grads)]);
      }
    },
    close,
  };
}
