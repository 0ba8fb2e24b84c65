import { rm } from 'node:fs/promises';
import type { ArtifactStore } from '../artifacts/artifact-store.ts';
import type { OpenedDataset, ResolvedDataset } from '../domain/dataset.ts';
import { scratchDir } from '../lib/scratch-dirs.ts';
import { loadBuiltinDataset } from './builtin.ts';
import { openStoredDataset, type MemoryBudget } from './storage.ts';

export interface OpenForTrainingDeps {
  artifacts: ArtifactStore;
  /** KILN_DATA_DIR: built-in datasets are cached there, and large features copied to its scratch. */
  dataDir: string;
  /** KILN_DATASET_MIRROR. */
  datasetMirror?: string;
  /**
   * KILN_TRAINING_DATA_MEMORY_MB, shared by every dataset a run opens: an array that no longer fits is
   * not loaded but copied to a file under dataDir/tmp (a scratch directory, see lib/scratch-dirs.ts) and
   * read a row at a time (default: everything in memory).
   */
  budget?: MemoryBudget;
}

/**
 * Opens the dataset a run names for the engine: a registered one from the artifact store (large
 * features copied to a local scratch directory that close() removes), or a built-in one, downloaded
 * and verified on first use.
 */
export async function openForTraining(resolved: ResolvedDataset, deps: OpenForTrainingDeps): Promise<OpenedDataset> {
  if (resolved.kind === 'builtin') {
    const builtin = await loadBuiltinDataset(resolved.name, { dataDir: deps.dataDir, mirror: deps.datasetMirror });
    return { splits: builtin.splits, classes: builtin.classes, sha256: builtin.sha256, close: async () => {} };
  }
  const localDir = scratchDir(deps.dataDir, 'run-data');
  const removeLocal = () => rm(localDir, { recursive: true, force: true });
  try {
    const opened = await openStoredDataset(deps.artifacts, resolved.prefix, {
      localDir,
      budget: deps.budget,
    });
    return {
      splits: opened.splits,
      arrays: opened.arrays,
      classes: opened.classes,
      onDisk: opened.onDisk,
      featureColumns: opened.featureColumns,
      close: removeLocal,
    };
  } catch (error) {
    await removeLocal();
    throw error;
  }
}
