import { join, resolve } from 'node:path';
import { FsArtifactStore } from './fs-artifact-store.ts';
import type { ArtifactStore } from './artifact-store.ts';

export * from './artifact-store.ts';
export { FsArtifactStore } from './fs-artifact-store.ts';

/** The artifact store a process uses, from its settings (a directory under KILN_DATA_DIR for now). */
export function openArtifactStore(opts: { dataDir: string }): ArtifactStore {
  return new FsArtifactStore(join(resolve(opts.dataDir), 'artifacts'));
}
