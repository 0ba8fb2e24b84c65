// Training throughput of the seed MNIST CNN: a full 8,000-sample pass on wasm, 2 batches on cpu.
import * as tf from '@tensorflow/tfjs';
import { useBackend, type BackendName } from './lib/backends.ts';
import { trainBatch } from './lib/batches.ts';
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

/** Runs the training benchmark and returns samples/s on wasm compared with cpu. */
export async function runTraining(): Promise<BenchResult[]> {
  const data = loadMnistTest(WASM_SAMPLES);
  const wasm = await throughput('wasm', data, WASM_SAMPLES);
  const cpu = await throughput('cpu', data, CPU_BATCHES * BATCH);
  await tf.setBackend('wasm');
  return [
    { name: `cpu seed CNN train (batch ${BATCH}, ${CPU_BATCHES} batches)`, value: cpu.wall, unit: 'samples/s' },
    compared(`wasm seed CNN train (batch ${BATCH}, ${WASM_SAMPLES} samples)`, wasm.wall, 'samples/s', { name: 'cpu', value: cpu.wall }),
    { name: 'cpu seed CNN train per CPU-second', value: cpu.cpu, unit: 'samples/cpu-s' },
    compared('wasm seed CNN train per CPU-second', wasm.cpu, 'samples/cpu-s', { name: 'cpu', value: cpu.cpu }),
  ];
}
