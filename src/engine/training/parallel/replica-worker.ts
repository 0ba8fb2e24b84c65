// Entry point of a replica thread: holds its own copy of the model on its own backend instance (its
// own wasm heap), and per step trains on the rows it is sent, starting from the weights it is sent,
// and returns the gradients. It never updates its weights itself: the training thread owns the
// optimizer, so every copy starts every step from the same values.
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';
import { initBackend } from '../../backend.ts';
import '../../model/index.ts'; // registers Kiln's own layer classes, so modelFromJSON knows them
import { batchGradients } from '../gradients.ts';
import type { OutputHead } from '../heads.ts';
import { lossFunction } from '../losses.ts';
import { trainableVariables } from '../train-step.ts';
import type { LossName } from '../../../domain/run-spec/schema.ts';
import {
  allocateSlot,
  copyFlat,
  elementsOf,
  slotFor,
  slotView,
  tensorFrom,
  valuesIn,
  valuesOf,
  writeFlat,
} from './host-tensors.ts';
import type { ReplicaReply, ReplicaRequest, SharedSlot } from './protocol.ts';

const port = parentPort!;

interface Replica {
  model: tf.LayersModel;
  heads: OutputHead[];
  trainable: tf.Variable[];
  classWeight?: Record<string, number>;
  /** Written by the training thread: the weights every step starts from, and this replica's rows. */
  weights: Float32Array;
  state: Float32Array;
  inputs: SharedSlot[];
  /** Written here: gradients, moving statistics and predictions. */
  grads: Float32Array;
  stateOut: Float32Array;
  preds: SharedSlot[];
}
let replica: Replica | undefined;

function reply(message: ReplicaReply): void {
  port.postMessage(message);
}

async function init(request: Extract<ReplicaRequest, { type: 'init' }>): Promise<void> {
  await initBackend(request.backend);
  const model = await tf.models.modelFromJSON({ modelTopology: request.topology as tf.io.ModelJSON['modelTopology'] });
  const heads = request.heads.map((h) => ({
    ...h,
    lossName: h.lossName as LossName,
    loss: lossFunction(h.lossName as LossName, h.lossOptions),
    metricNames: [],
  }));
  const [trainableCount, stateCount] = [valuesIn(model.trainableWeights), valuesIn(model.nonTrainableWeights)];
  const [grads, stateOut] = [allocateSlot('float32', trainableCount), allocateSlot('float32', stateCount)];
  replica = {
    model,
    heads,
    trainable: trainableVariables(model),
    classWeight: request.classWeight,
    weights: slotView(request.weights, trainableCount) as Float32Array,
    state: slotView(request.state, stateCount) as Float32Array,
    inputs: [],
    grads: slotView(grads, trainableCount) as Float32Array,
    stateOut: slotView(stateOut, stateCount) as Float32Array,
    preds: [],
  };
  reply({
    type: 'ready',
    trainableShapes: model.trainableWeights.map((w) => w.shape as number[]),
    stateShapes: model.nonTrainableWeights.map((w) => w.shape as number[]),
    grads,
    state: stateOut,
  });
}

function step(request: Extract<ReplicaRequest, { type: 'step' }>): void {
  if (!replica) throw new Error('replica stepped before init');
  const started = performance.now();
  const r = replica;
  if (request.inputs) r.inputs = request.inputs;
  writeFlat(r.model.trainableWeights, r.weights);
  writeFlat(r.model.nonTrainableWeights, r.state);
  // Dropout draws from Math.random: one seed per step from the run's generator.
  Math.random = seedrandom(request.rngSeed);
  let message: Extract<ReplicaReply, { type: 'gradients' }> | undefined;
  tf.tidy(() => {
    const shapes = [...request.xShapes, ...request.yShapes];
    const tensors = shapes.map((shape, i) =>
      tensorFrom(slotView(r.inputs[i]!, elementsOf(shape)), shape, r.inputs[i]!.dtype),
    );
    const out = batchGradients(
      r.model,
      r.heads,
      r.trainable,
      tensors.slice(0, request.xShapes.length),
      tensors.slice(request.xShapes.length),
      r.classWeight,
    );
    const present = r.trainable.map((v) => out.grads[v.name] !== undefined);
    copyFlat(
      r.trainable.map((v, i) => ({ shape: v.shape, read: () => (present[i] ? out.grads[v.name]! : tf.zerosLike(v)) })),
      r.grads,
    );
    copyFlat(r.model.nonTrainableWeights, r.stateOut);
    let grown = false;
    r.preds = out.preds.map((p, h) => {
      const slot = slotFor(r.preds[h], 'float32', p.size);
      grown ||= slot !== r.preds[h];
      slotView(slot, p.size).set(valuesOf(p));
      return slot;
    });
    message = {
      type: 'gradients',
      present,
      loss: out.loss.dataSync()[0]!,
      perHead: out.perHead.map((l) => l.dataSync()[0]!),
      predShapes: out.preds.map((p) => p.shape),
      preds: grown ? r.preds : undefined,
      ms: 0,
    };
  });
  message!.ms = performance.now() - started;
  reply(message!);
}
port.on('message', (request: ReplicaRequest) => {
  // Requests arrive one at a time (the training thread awaits each reply), so init finishes before any step.
  const work = request.type === 'init' ? init(request) : Promise.resolve().then(() => step(request));
  work.catch((err: unknown) =>
    reply({ type: 'failed', message: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
  );
});
port.postMessage({ type: 'listening' });
