import * as tf from '@tensorflow/tfjs';
import { batchGradients } from '../gradients.ts';
import type { OutputHead } from '../heads.ts';
import { trainableVariables, type TrainStep } from '../train-step.ts';
import { averageGradients, averageState, type ReplicaGradients } from './gradient-average.ts';
import { allocateSlot, copyFlat, readFlat, slotView, valuesIn, writeFlat } from './host-tensors.ts';
import type { ReplicaReply, ReplicaRequest } from './protocol.ts';
import { ReplicaLink, type ReplicaAnswer } from './replica-link.ts';
import { ReplicaThread } from './replica-thread.ts';
import { ShardBalancer, type ShardPlanner } from './shard-balancer.ts';
import { replicasRunOn } from './replicas.ts';

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
export async function parallelTrainStep(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  heads: OutputHead[],
  opts: ParallelStepOptions,
): Promise<TrainStep> {
  if (!Number.isInteger(opts.replicas) || opts.replicas < 2)
    throw new Error(`a parallel step needs an integer count of at least 2 replicas, got ${opts.replicas}`);
  const backend = tf.getBackend();
  if (!replicasRunOn(backend)) {
    throw new Error(
      `data-parallel replicas run on the wasm or cpu backend, not '${backend}' (which uses every core by itself)`,
    );
  }
  const threads = Array.from({ length: opts.replicas - 1 }, () => new ReplicaThread());
  const close = async () => void (await Promise.all(threads.map((t) => t.close())));
  // Every replica starts each step from these: written here once per step, read by all.
  const [trainableCount, stateCount] = [valuesIn(model.trainableWeights), valuesIn(model.nonTrainableWeights)];
  const [weightsSlot, stateSlot] = [allocateSlot('float32', trainableCount), allocateSlot('float32', stateCount)];
  const weights = slotView(weightsSlot, trainableCount) as Float32Array;
  const stateBefore = slotView(stateSlot, stateCount) as Float32Array;
  let links: ReplicaLink[];
  try {
    const init: ReplicaRequest = {
      type: 'init',
      backend,
      topology: model.toJSON(null, false),
      heads: heads.map((h) => ({ name: h.name, lossName: h.lossName, lossOptions: h.lossOptions, weight: h.weight })),
      classWeight: opts.classWeight,
      weights: weightsSlot,
      state: stateSlot,
    };
    const replies = await Promise.all(threads.map((t) => t.request(init)));
    const expected = JSON.stringify([
      model.trainableWeights.map((w) => w.shape),
      model.nonTrainableWeights.map((w) => w.shape),
    ]);
    for (const reply of replies) {
      const got = reply.type === 'ready' ? JSON.stringify([reply.trainableShapes, reply.stateShapes]) : reply.type;
      if (got !== expected)
        throw new Error(`a replica rebuilt the model with other weights: ${got}, expected ${expected}`);
    }
    links = replies.map(
      (ready, k) =>
        new ReplicaLink(threads[k]!, ready as Extract<ReplicaReply, { type: 'ready' }>, {
          trainable: trainableCount,
          state: stateCount,
        }),
    );
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
        const answer = links[shard.replica - 1]!.step(shard, xs, ys, size, String(Math.random()));
        answer.catch(() => {}); // awaited below; this only keeps an early local failure from leaving it unhandled
        return answer;
      });
      const own = shards[0]!;
      const ownStarted = performance.now();
      const local = tf.tidy(() => {
        const slice = (ts: tf.Tensor[]) => (shards.length === 1 ? ts : ts.map((t) => t.slice(0, own.rows)));
        return batchGradients(model, heads, trainable, slice(xs), slice(ys), opts.classWeight);
      });
      planner.record(0, own.rows, performance.now() - ownStarted);
      try {
        const answers: ReplicaAnswer[] = await Promise.all(remote);
        answers.forEach((a, k) => planner.record(shards[k + 1]!.replica, shards[k + 1]!.rows, a.reply.ms));
        const stateAfter = readFlat(model.nonTrainableWeights);
        const rows = [own.rows, ...shards.slice(1).map((s) => s.rows)];
        const preds = tf.tidy(() => {
          const gradients: ReplicaGradients[] = [
            { rows: own.rows, tensors: local.grads },
            ...answers.map((a, k) => ({ rows: rows[k + 1]!, flat: a.grads, present: a.reply.present })),
          ];
          optimizer.applyGradients(averageGradients(trainable, gradients));
          return local.preds.map((p, h) =>
            answers.length === 0 ? p.clone() : tf.concat([p, ...answers.map((a) => a.preds(h))], 0),
          );
        });
        const merged = averageState(stateBefore, [
          { rows: own.rows, state: stateAfter },
          ...answers.map((a, k) => ({ rows: rows[k + 1]!, state: a.state })),
        ]);
        if (merged) writeFlat(model.nonTrainableWeights, merged);
        const weighted = (values: number[]) => values.reduce((sum, v, k) => sum + (rows[k]! / size) * v, 0);
        return {
          loss: weighted([local.loss.dataSync()[0]!, ...answers.map((a) => a.reply.loss)]),
          perHead: heads.map((_, h) =>
            weighted([local.perHead[h]!.dataSync()[0]!, ...answers.map((a) => a.reply.perHead[h]!)]),
          ),
          preds,
        };
      } finally {
        tf.dispose([local.loss, ...local.perHead, ...local.preds, ...Object.values(local.grads)]);
      }
    },
    close,
  };
}
