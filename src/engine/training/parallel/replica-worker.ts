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
import type { LossName } from '../../spec/run-spec.ts';
import { fromHost, readFlat, toHost, transfers, writeFlat } from './host-tensors.ts';
import type { ReplicaReply, ReplicaRequest } from './protocol.ts';

const port = parentPort!;

interface Replica {
  model: tf.LayersModel;
  heads: OutputHead[];
  trainable: tf.Variable[];
  classWeight?: Record<string, number>;
}
let replica: Replica | undefined;

function reply(message: ReplicaReply, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

async function init(request: Extract<ReplicaRequest, { type: 'init' }>): Promise<void> {
  await initBackend(request.backend);
  const model = await tf.models.modelFromJSON({ modelTopology: request.topology as tf.io.ModelJSON['modelTopology'] });
  const heads = request.heads.map((h) => ({ ...h, lossName: h.lossName as LossName, loss: lossFunction(h.lossName as LossName), metricNames: [] }));
  replica = { model, heads, trainable: trainableVariables(model), classWeight: request.classWeight };
  reply({
    type: 'ready',
    trainableShapes: model.trainableWeights.map((w) => w.shape as number[]),
    stateShapes: model.nonTrainableWeights.map((w) => w.shape as number[]),
  });
}

function step(request: Extract<ReplicaRequest, { type: 'step' }>): void {
  if (!replica) throw new Error('replica stepped before init');
  const started = performance.now();
  const { model, heads, trainable, classWeight } = replica;
  writeFlat(model.trainableWeights, request.trainable);
  writeFlat(model.nonTrainableWeights, request.state);
  // Dropout draws from Math.random: one seed per step from the run's generator keeps runs repeatable.
  Math.random = seedrandom(request.rngSeed);
  let message: Extract<ReplicaReply, { type: 'gradients' }> | undefined;
  tf.tidy(() => {
    const xs = request.xs.map(fromHost);
    const ys = request.ys.map(fromHost);
    const out = batchGradients(model, heads, trainable, xs, ys, classWeight);
    const present = trainable.map((v) => out.grads[v.name] !== undefined);
    const grads = readFlat(trainable.map((v, i) => ({ read: () => (present[i] ? out.grads[v.name]! : tf.zerosLike(v)) })));
    message = {
      type: 'gradients',
      grads,
      present,
      loss: out.loss.dataSync()[0]!,
      perHead: out.perHead.map((l) => l.dataSync()[0]!),
      preds: out.preds.map(toHost),
      state: readFlat(model.nonTrainableWeights),
      ms: 0,
    };
  });
  message!.ms = performance.now() - started;
  reply(message!, transfers(message!.grads, message!.preds, message!.state));
}

port.on('message', (request: ReplicaRequest) => {
  // Requests arrive one at a time (the training thread awaits each reply), so init finishes before any step.
  const work = request.type === 'init' ? init(request) : Promise.resolve().then(() => step(request));
  work.catch((err: unknown) => reply({ type: 'failed', message: err instanceof Error ? err.stack ?? err.message : String(err) }));
});
port.postMessage({ type: 'listening' });
