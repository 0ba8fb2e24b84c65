import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsArtifactStore } from '../../../src/artifacts/fs-artifact-store.ts';
import { runTraining, type TrainingOutcome } from '../../../src/engine/run-training.ts';
import type { RunEventDraft } from '../../../src/domain/run-event.ts';
import { parseRunSpec } from '../../../src/domain/run-spec/parse.ts';
import * as tf from '@tensorflow/tfjs';
import { artifactIOHandler } from '../../../src/engine/io/artifact-io-handler.ts';
import type { UserCodeHost } from '../../../src/engine/custom-step/prepare-user-step.ts';
import { randomUUID } from 'node:crypto';

/** Runs the engine in-process on a temporary artifact store, collecting its events. */
export async function train(
  spec: unknown,
  opts: {
    runId?: string;
    store?: FsArtifactStore;
    interruptAfterBatches?: number;
    replicas?: number;
    /** Runs a spec's trainStep (KILN_ALLOW_USER_CODE), its module written under the store's folder. */
    userCode?: Partial<UserCodeHost> | true;
    /** Collects the events here too, so that a run that throws can still be looked at. */
    events?: RunEventDraft[];
  } = {},
) {
  const store = opts.store ?? new FsArtifactStore(await mkdtemp(join(tmpdir(), 'kiln-engine-')));
  const events: RunEventDraft[] = opts.events ?? [];
  const interrupt = new AbortController();
  let batches = 0;
  const outcome: TrainingOutcome = await runTraining(
    { runId: opts.runId ?? 'run-1', spec: parseRunSpec(spec) },
    {
      artifacts: store,
      emit: (e) => {
        events.push(e);
        if (e.type === 'batch') batches++;
        if (opts.interruptAfterBatches !== undefined && batches >= opts.interruptAfterBatches) interrupt.abort();
      },
      cancel: new AbortController().signal,
      interrupt: interrupt.signal,
      maxBatchEventsPerSec: Infinity,
      replicas: opts.replicas,
      userCode: opts.userCode && {
        dir: join(store.root, 'scratch', `step-${randomUUID()}`),
        stepTimeoutMs: 60_000,
        ...(opts.userCode === true ? {} : opts.userCode),
      },
    },
  );
  return {
    outcome,
    events,
    store,
    epochs: events.flatMap((e) => (e.type === 'epoch' ? [e.data] : [])),
    logs: events.flatMap((e) => (e.type === 'log' ? [e.data.message] : [])),
    cleanup: () => rm(store.root, { recursive: true, force: true }),
  };
}

/**
 * Designed data: training labels follow sign(x0); validation labels are the opposite. The better
 * the model learns, the worse val_loss gets — so val_loss is best at the first epoch.
 */
export function divergingData(samples = 96) {
  const x: number[][] = [];
  const y: number[][] = [];
  const trainCount = samples - samples / 4;
  for (let i = 0; i < samples; i++) {
    const v = ((i * 37) % 100) / 50 - 1 + 0.01;
    const positive = v > 0;
    const label = i < trainCount ? positive : !positive;
    x.push([v, ((i * 13) % 7) / 7]);
    y.push(label ? [0, 1] : [1, 0]);
  }
  return { x, y };
}

export function classifierSpec(extra: Record<string, unknown> = {}, fit: Record<string, unknown> = {}) {
  return {
    model: {
      type: 'sequential',
      layers: [
        { type: 'Dense', units: 16, activation: 'relu', inputShape: [2] },
        { type: 'Dropout', rate: 0.2 },
        { type: 'Dense', units: 2, activation: 'softmax' },
      ],
    },
    dataset: { inline: divergingData() },
    compile: {
      optimizer: { type: 'adam', learningRate: 0.05 },
      loss: 'categoricalCrossentropy',
      metrics: ['accuracy'],
    },
    fit: { epochs: 8, batchSize: 8, validationSplit: 0.25, shuffle: true, seed: 3, ...fit },
    ...extra,
  };
}

/** Every weight of a model saved in an artifact store, flattened in weight order. */
export async function savedWeights(store: Parameters<typeof artifactIOHandler>[0], path: string): Promise<number[]> {
  const model = await tf.loadLayersModel(artifactIOHandler(store, path));
  const values = model.getWeights().flatMap((w) => Array.from(w.dataSync()));
  model.dispose();
  return values;
}
