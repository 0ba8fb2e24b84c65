// Training throughput of the seed MNIST CNN: a full 8,000-sample pass on wasm, 2 batches on cpu, and
// the same pass through the engine's training step with 1 replica and with 2 (balanced by speed, and
// split evenly), beside the ceiling for 2: bare gradients on 2 threads in lockstep against 1, and
// beside the peer a user would pick instead: PyTorch on the same model and digits, 1 and 2 threads.
// Throughput is steady-state: the first WARM_UP_BATCHES are not timed, since V8 compiles the wasm and
// JS kernels to optimised code during a run's first few batches; how long they took is printed too.
import * as tf from '@tensorflow/tfjs';
import { resolveHeads } from '../src/engine/training/heads.ts';
import { parallelTrainStep } from '../src/engine/training/parallel/parallel-step.ts';
import { ShardBalancer } from '../src/engine/training/parallel/shard-balancer.ts';
import { shardRows } from '../src/engine/training/parallel/shards.ts';
import { localTrainStep, type TrainStep } from '../src/engine/training/train-step.ts';
import type { CompileSpec } from '../src/domain/run-spec/schema.ts';
import { useBackend, type BackendName } from './lib/backends.ts';
import { bareGradientStep } from './lib/bare-gradients.ts';
import { batchAt, trainBatch } from './lib/batches.ts';
import { loadMnistTest, type MnistSet } from './lib/mnist.ts';
import { compared, type BenchResult } from './lib/results.ts';
import { buildSeedCnn } from './lib/seed-cnn.ts';
import {
  describeKernels,
  startTorchPeer,
  torchUnavailable,
  type TorchKernels,
  type TorchPeerStep,
} from './lib/torch-peer.ts';

const BATCH = 128;
const WASM_SAMPLES = 8000;
const CPU_BATCHES = 2;
const WARM_UP_BATCHES = 5;
/** 1 and 2 replicas take turns this many batches at a time (the machine is shared). */
const STEP_CHUNK = 8;

interface Throughput {
  /** Samples per wall-clock second. */
  wall: number;
  /** Samples per second of this process's CPU time: less distorted when the shared machine is busy. */
  cpu: number;
  /** Wall-clock ms of the untimed warm-up batches. */
  warmUpMs: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;

async function throughput(backend: BackendName, data: MnistSet, samples: number): Promise<Throughput> {
  await useBackend(backend);
  const model = buildSeedCnn();
  // Untimed batches so kernel set-up and JIT warm-up are not billed to throughput.
  const warmUpStarted = performance.now();
  if (backend === 'wasm') for (let i = 0; i < WARM_UP_BATCHES; i++) await trainBatch(model, data, i * BATCH, BATCH);
  const warmUpMs = performance.now() - warmUpStarted;
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  for (let start = 0; start < samples; start += BATCH)
    await trainBatch(model, data, start, Math.min(BATCH, samples - start));
  const cpuUsed = process.cpuUsage(cpuStarted);
  const seconds = (performance.now() - started) / 1000;
  model.dispose();
  return { wall: samples / seconds, cpu: samples / ((cpuUsed.user + cpuUsed.system) / 1e6), warmUpMs };
}

/** The engine's own training step (what fit runs per batch) on its own copy of the seed CNN. */
interface EngineStep {
  /** Trains rows [start, start + size) and returns the wall-clock ms it took (batch tensors included). */
  run(start: number, size: number): Promise<number>;
  close(): Promise<void>;
}

/** How a multi-replica step splits its batches: as fit does (by measured speed) or always evenly. */
type Split = 'balanced' | 'even';

async function engineStep(replicas: number, data: MnistSet, split: Split = 'balanced'): Promise<EngineStep> {
  const model = buildSeedCnn();
  const optimizer = tf.train.adam(0.001);
  const heads = resolveHeads(model.outputNames, { loss: 'categoricalCrossentropy' } as CompileSpec);
  const planner =
    split === 'even'
      ? { split: (rows: number) => shardRows(rows, replicas), record() {} }
      : new ShardBalancer(replicas);
  const step: TrainStep =
    replicas > 1
      ? await parallelTrainStep(model, optimizer, heads, { replicas, planner })
      : localTrainStep(model, optimizer, heads);
  return {
    async run(start, size) {
      const started = performance.now();
      const { x, y } = batchAt(data, start, size);
      const { preds } = await step.run([x], [y], size);
      tf.dispose([x, y, ...preds]);
      return performance.now() - started;
    },
    async close() {
      await step.close();
      optimizer.dispose();
      model.dispose();
    },
  };
}

interface StepFigures extends Throughput {
  /** Samples/s at the median batch time: steady state, robust to a burst of load from other tenants. */
  median: number;
}

/** The bare-gradient threads (lib/bare-gradients.ts) as steps: their own fixed batch, whatever rows they are given. */
async function bareStep(threads: number): Promise<EngineStep> {
  const step = await bareGradientStep(BATCH, threads, WARM_UP_BATCHES);
  return { run: () => step.run(), close: () => step.close() };
}

/**
 * Samples/s of each step, side by side: all live at once and take turns, STEP_CHUNK batches each,
 * over a full pass each. Taking turns puts a burst of load from the machine's other tenants on all
 * alike; the median batch time is reported with the whole pass's wall-clock rate. Thread start-up
 * and the warm-up batches are not timed.
 */
async function sideBySide(steps: EngineStep[], samples: number): Promise<StepFigures[]> {
  const warmUpMs = steps.map(() => 0);
  for (const [k, step] of steps.entries()) {
    for (let i = 0; i < WARM_UP_BATCHES; i++) warmUpMs[k]! += await step.run(i * BATCH, BATCH);
  }
  const batchMs: number[][] = steps.map(() => []);
  const wallMs = steps.map(() => 0);
  const cpuMicros = steps.map(() => 0);
  for (let chunk = 0; chunk < samples; chunk += STEP_CHUNK * BATCH) {
    for (const [k, step] of steps.entries()) {
      const cpuStarted = process.cpuUsage(); // every thread of the process: the replicas' work included
      for (let start = chunk; start < Math.min(samples, chunk + STEP_CHUNK * BATCH); start += BATCH) {
        const ms = await step.run(start, Math.min(BATCH, samples - start));
        batchMs[k]!.push(ms);
        wallMs[k]! += ms;
      }
      const cpu = process.cpuUsage(cpuStarted);
      cpuMicros[k]! += cpu.user + cpu.system;
    }
  }
  return steps.map((_, k) => ({
    median: BATCH / (median(batchMs[k]!) / 1000),
    wall: samples / (wallMs[k]! / 1000),
    cpu: samples / (cpuMicros[k]! / 1e6),
    warmUpMs: warmUpMs[k]!,
  }));
}

/** PyTorch's figures on one thread count, and what it ran on. */
interface PeerFigures {
  threads: number;
  figures: StepFigures;
  kernels: TorchKernels;
}

/**
 * The engine step with 1 replica, 2 balanced by speed (as fit runs them) and 2 split evenly, the
 * ceiling for 2 (bare gradients on 1 thread and on 2 in lockstep) and, when /usr/bin/python3 has
 * torch, PyTorch on 1 thread and on 2, all side by side.
 */
async function engineStepThroughput(
  data: MnistSet,
  samples: number,
): Promise<{ kiln: StepFigures[]; peers: PeerFigures[] }> {
  await useBackend('wasm');
  const steps: EngineStep[] = [];
  const unavailable = torchUnavailable();
  if (unavailable) console.log(`PyTorch peer skipped: ${unavailable}`);
  const peerThreads = unavailable ? [] : [1, 2];
  try {
    steps.push(await engineStep(1, data), await engineStep(2, data, 'balanced'), await engineStep(2, data, 'even'));
    steps.push(await bareStep(1), await bareStep(2));
    const kilnSteps = steps.length;
    const peers: TorchPeerStep[] = [];
    for (const threads of peerThreads) {
      const peer = await startTorchPeer(threads, BATCH, samples);
      peers.push(peer);
      steps.push(peer); // closed below with the rest, whatever fails next
    }
    const figures = await sideBySide(steps, samples);
    // After the timed turns, so profiling cannot disturb them. A peer's `cpu` figure is this
    // process's CPU time while it waited on the peer's, so it is not reported.
    const peerFigures: PeerFigures[] = [];
    for (const [k, peer] of peers.entries())
      peerFigures.push({ threads: peerThreads[k]!, figures: figures[kilnSteps + k]!, kernels: await peer.kernels() });
    return { kiln: figures.slice(0, kilnSteps), peers: peerFigures };
  } finally {
    await Promise.all(steps.map((s) => s.close()));
  }
}

/**
 * Kiln's engine step against PyTorch with as many threads as Kiln has replicas (the goal of issue 24
 * is x1.0 or more on both), by median batch and over the whole pass.
 */
function peerRows(kiln: { replicas: number; figures: StepFigures }[], peers: PeerFigures[]): BenchResult[] {
  const rows: BenchResult[] = [];
  const oneThread = peers.find((p) => p.threads === 1);
  for (const peer of peers) {
    const threads = `${peer.threads} thread${peer.threads > 1 ? 's' : ''}`;
    const median = `PyTorch seed CNN train, ${threads} (batch ${BATCH}, median batch)`;
    const note = describeKernels(peer.kernels);
    // PyTorch's own scaling from 1 thread to 2, beside Kiln's from 1 replica to 2.
    rows.push(
      oneThread && peer !== oneThread
        ? {
            ...compared(median, peer.figures.median, 'samples/s', {
              name: 'PyTorch 1 thread',
              value: oneThread.figures.median,
            }),
            note,
          }
        : { name: median, value: peer.figures.median, unit: 'samples/s', note },
    );
    const ours = kiln.find((k) => k.replicas === peer.threads);
    if (!ours) continue;
    const replicas = `${ours.replicas} replica${ours.replicas > 1 ? 's' : ''}`;
    rows.push(
      compared(
        `wasm seed CNN engine step, ${replicas} against PyTorch (median batch)`,
        ours.figures.median,
        'samples/s',
        {
          name: `PyTorch ${threads}`,
          value: peer.figures.median,
        },
      ),
      { name: `PyTorch seed CNN train, ${threads} (wall clock)`, value: peer.figures.wall, unit: 'samples/s' },
      compared(`wasm seed CNN engine step, ${replicas} against PyTorch (wall clock)`, ours.figures.wall, 'samples/s', {
        name: `PyTorch ${threads}`,
        value: peer.figures.wall,
      }),
    );
  }
  return rows;
}

/** Runs the training benchmark and returns samples/s on wasm compared with cpu, with 2 replicas and with PyTorch. */
export async function runTraining(): Promise<BenchResult[]> {
  const data = loadMnistTest(WASM_SAMPLES);
  const wasm = await throughput('wasm', data, WASM_SAMPLES);
  const { kiln, peers } = await engineStepThroughput(data, WASM_SAMPLES);
  const [oneReplica, twoReplicas, twoEven, bareOne, bareTwo] = kiln;
  const cpu = await throughput('cpu', data, CPU_BATCHES * BATCH);
  await tf.setBackend('wasm');
  return [
    { name: `cpu seed CNN train (batch ${BATCH}, ${CPU_BATCHES} batches)`, value: cpu.wall, unit: 'samples/s' },
    compared(`wasm seed CNN train (batch ${BATCH}, ${WASM_SAMPLES} samples)`, wasm.wall, 'samples/s', {
      name: 'cpu',
      value: cpu.wall,
    }),
    { name: 'cpu seed CNN train per CPU-second', value: cpu.cpu, unit: 'samples/cpu-s' },
    compared('wasm seed CNN train per CPU-second', wasm.cpu, 'samples/cpu-s', { name: 'cpu', value: cpu.cpu }),
    {
      name: `wasm seed CNN train, first ${WARM_UP_BATCHES} batches (untimed warm-up)`,
      value: wasm.warmUpMs,
      unit: 'ms',
    },
    {
      name: `wasm seed CNN engine step, 1 replica (batch ${BATCH}, median batch)`,
      value: oneReplica!.median,
      unit: 'samples/s',
    },
    // The goal is x1.7 on 2 cores.
    compared(`wasm seed CNN engine step, 2 replicas (batch ${BATCH}, median batch)`, twoReplicas!.median, 'samples/s', {
      name: '1 replica',
      value: oneReplica!.median,
    }),
    // What balancing by speed gains over an even split of every batch.
    compared(
      `wasm seed CNN engine step, 2 replicas split evenly (batch ${BATCH}, median batch)`,
      twoEven!.median,
      'samples/s',
      { name: '1 replica', value: oneReplica!.median },
    ),
    // The ceiling: 2 threads computing bare gradients in lockstep (no exchange, no optimizer) vs 1.
    {
      name: `wasm seed CNN bare gradients, 1 thread (batch ${BATCH}, median batch)`,
      value: bareOne!.median,
      unit: 'samples/s',
    },
    compared(
      `wasm seed CNN bare gradients, 2 threads in lockstep (batch ${BATCH}, median batch)`,
      bareTwo!.median,
      'samples/s',
      { name: '1 thread', value: bareOne!.median },
    ),
    // How close the engine's 2 replicas come to that ceiling (x1.00: exchange and optimizer cost nothing).
    compared(
      'wasm seed CNN engine step, 2 replicas against the ceiling (median batch)',
      twoReplicas!.median / oneReplica!.median,
      'x',
      {
        name: 'ceiling',
        value: bareTwo!.median / bareOne!.median,
      },
    ),
    {
      name: `wasm seed CNN engine step, 1 replica (${WASM_SAMPLES} samples, wall clock)`,
      value: oneReplica!.wall,
      unit: 'samples/s',
    },
    compared(
      `wasm seed CNN engine step, 2 replicas (${WASM_SAMPLES} samples, wall clock)`,
      twoReplicas!.wall,
      'samples/s',
      { name: '1 replica', value: oneReplica!.wall },
    ),
    compared(
      `wasm seed CNN engine step, 2 replicas split evenly (${WASM_SAMPLES} samples, wall clock)`,
      twoEven!.wall,
      'samples/s',
      { name: '1 replica', value: oneReplica!.wall },
    ),
    {
      name: `wasm seed CNN engine step, 2 replicas, first ${WARM_UP_BATCHES} batches (untimed warm-up)`,
      value: twoReplicas!.warmUpMs,
      unit: 'ms',
    },
    // Less distorted by other load: x1.00 would mean replicas cost no CPU beyond the work itself.
    { name: 'wasm seed CNN engine step per CPU-second, 1 replica', value: oneReplica!.cpu, unit: 'samples/cpu-s' },
    compared('wasm seed CNN engine step per CPU-second, 2 replicas', twoReplicas!.cpu, 'samples/cpu-s', {
      name: '1 replica',
      value: oneReplica!.cpu,
    }),
    ...peerRows(
      [
        { replicas: 1, figures: oneReplica! },
        { replicas: 2, figures: twoReplicas! },
      ],
      peers,
    ),
  ];
}
