import { join, resolve } from 'node:path';
import { FsArtifactStore } from './fs-artifact-store.ts';
import { S3ArtifactStore, type S3ArtifactStoreOptions } from './s3-artifact-store.ts';
import type { ArtifactStore } from './artifact-store.ts';
import { withStorageFaults } from './storage-faults.ts';

export * from './artifact-store.ts';
export { FsArtifactStore } from './fs-artifact-store.ts';
export { S3ArtifactStore, type S3ArtifactStoreOptions } from './s3-artifact-store.ts';
export { storageFault, withStorageFaults } from './storage-faults.ts';

/** Which artifact store a process uses and how to reach it. */
export interface ArtifactStoreSettings {
  dataDir: string;
  /** 'fs' (the default): a directory under dataDir. 's3': a bucket, described by `s3`. */
  kind?: 'fs' | 's3';
  s3?: S3ArtifactStoreOptions;
}

/**
 * The artifact store a process uses, from its settings (a directory under KILN_DATA_DIR unless kind is
 * 's3'); its storage faults (full disk, read-only, object store down) come out as `storage_unavailable`.
 */
export function openArtifactStore(opts: ArtifactStoreSettings): ArtifactStore {
  if (opts.kind === 's3') {
    if (!opts.s3) throw new Error("artifact store kind 's3' needs s3 options (bucket, region, ...)");
    return withStorageFaults(new S3ArtifactStore(opts.s3));
  }
  return withStorageFaults(new FsArtifactStore(join(resolve(opts.dataDir), 'artifacts')));
}
