// Training throughput of the seed MNIST CNN: a full 8,000-sample pass on wasm, 2 batches on cpu, and
// the same pass through the engine's training step with 1 and with 2 data-parallel replicas.
import * as tf from '@tensorflow/tfjs';
import { resolveHeads } from '../src/engine/training/heads.ts';
import { parallelTrainStep } from '../src/engine/training/parallel/parallel-step.ts';
import { localTrainStep, type TrainStep } from '../src/engine/training/train-step.ts';
import type { CompileSpec } from '../src/engine/spec/run-spec.ts';
import { useBackend, type BackendName } from './lib/backends.ts';
import { batchAt, trainBatch } from './lib/batches.ts';
import { loadMnistTest, type MnistSet } from './lib/mnist.ts';
import { compared, type BenchResult } from './lib/results.ts';
import { buildSeedCnn } from './lib/seed_cnn.ts';

const BATCH = 128;
const WASM_SAMPLES = 8000;
const CPU_BATCHES = 2;

interface Throughput {
  /** Samples per wall-clock second. */
  wall: number;
  /** Samples per second of this process's CPU time: less distorted when the shared machine is busy. */
  cpu: number;
}

async function throughput(backend: BackendName, data: MnistSet, samples: number): Promise<Throughput> {
  await useBackend(backend);
  const model = buildSeedCnn();
  // One untimed batch so kernel set-up and JIT warm-up are not billed to throughput.
  if (backend === 'wasm') await trainBatch(model, data, 0, BATCH);
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  for (let start = 0; start < samples; start += BATCH) await trainBatch(model, data, start, Math.min(BATCH, samples - start));
  const cpuUsed = process.cpuUsage(cpuStarted);
  const seconds = (performance.now() - started) / 1000;
  model.dispose();
  return { wall: samples / seconds, cpu: samples / ((cpuUsed.user + cpuUsed.system) / 1e6) };
}

/**
 * Samples/s of the engine's own step (what fit runs per batch) on wasm, with `replicas` data-parallel
 * replicas (1 = today's single-thread step). Thread start-up and one warm-up batch are not timed.
 */
async function stepThroughput(replicas: number, data: MnistSet, samples: number): Promise<Throughput> {
  await useBackend('wasm');
  const model = buildSeedCnn();
  const optimizer = tf.train.adam(0.001);
  const heads = resolveHeads(model.outputNames, { loss: 'categoricalCrossentropy' } as CompileSpec);
  const step: TrainStep = replicas > 1 ? await parallelTrainStep(model, optimizer, heads, { replicas }) : localTrainStep(model, optimizer, heads);
  const run = async (start: number, size: number) => {
    const { x, y } = batchAt(data, start, size);
    const { preds } = await step.run([x], [y], size);
    tf.dispose([x, y, ...preds]);
  };
  try {
    await run(0, BATCH);
    const started = performance.now();
    const cpuStarted = process.cpuUsage(); // every thread of the process: the replicas' work included
    for (let start = 0; start < samples; start += BATCH) await run(start, Math.min(BATCH, samples - start));
    const cpuUsed = process.cpuUsage(cpuStarted);
    return { wall: samples / ((performance.now() - started) / 1000), cpu: samples / ((cpuUsed.user + cpuUsed.system) / 1e6) };
  } finally {
    await step.close();
    optimizer.dispose();
    model.dispose();
  }
}

/** Runs the training benchmark and returns samples/s on wasm compared with cpu. */
export async function runTraining(): Promise<BenchResult[]> {
  const data = loadMnistTest(WASM_SAMPLES);
  const wasm = await throughput('wasm', data, WASM_SAMPLES);
  const oneReplica = await stepThroughput(1, data, WASM_SAMPLES);
  const twoReplicas = await stepThroughput(2, data, WASM_SAMPLES);
  const cpu = await throughput('cpu', data, CPU_BATCHES * BATCH);
  await tf.setBackend('wasm');
  return [
    { name: `cpu seed CNN train (batch ${BATCH}, ${CPU_BATCHES} batches)`, value: cpu.wall, unit: 'samples/s' },
    compared(`wasm seed CNN train (batch ${BATCH}, ${WASM_SAMPLES} samples)`, wasm.wall, 'samples/s', { name: 'cpu', value: cpu.wall }),
    { name: 'cpu seed CNN train per CPU-second', value: cpu.cpu, unit: 'samples/cpu-s' },
    compared('wasm seed CNN train per CPU-second', wasm.cpu, 'samples/cpu-s', { name: 'cpu', value: cpu.cpu }),
    { name: `wasm seed CNN engine step, 1 replica (batch ${BATCH}, ${WASM_SAMPLES} samples)`, value: oneReplica.wall, unit: 'samples/s' },
    // The goal is x1.7 on 2 cores; the machine's cores are shared, so quote the median of a few runs.
    compared(`wasm seed CNN engine step, 2 replicas (batch ${BATCH}, ${WASM_SAMPLES} samples)`, twoReplicas.wall, 'samples/s', { name: '1 replica', value: oneReplica.wall }),
    // Less distorted by other load: x1.00 would mean replicas cost no CPU beyond the work itself.
    { name: 'wasm seed CNN engine step per CPU-second, 1 replica', value: oneReplica.cpu, unit: 'samples/cpu-s' },
    compared('wasm seed CNN engine step per CPU-second, 2 replicas', twoReplicas.cpu, 'samples/cpu-s', { name: '1 replica', value: oneReplica.cpu }),
  ];
}
