import type { Config } from '../config/config.ts';
import type { ArtifactStoreSettings } from './index.ts';

/**
 * The artifact-store settings of a process, from its validated config. Plain data on purpose: a worker
 * hands them to the training process it forks, which opens its own store.
 */
export function artifactStoreSettings(config: Config): ArtifactStoreSettings {
  if (config.KILN_ARTIFACT_STORE === 'fs') return { dataDir: config.KILN_DATA_DIR, kind: 'fs' };
  return {
    dataDir: config.KILN_DATA_DIR,
    kind: 's3',
    s3: {
      bucket: config.KILN_S3_BUCKET!,
      region: config.KILN_S3_REGION,
      endpoint: config.KILN_S3_ENDPOINT,
      forcePathStyle: config.KILN_S3_FORCE_PATH_STYLE,
      accessKeyId: config.KILN_S3_ACCESS_KEY_ID,
      secretAccessKey: config.KILN_S3_SECRET_ACCESS_KEY,
      prefix: config.KILN_S3_PREFIX,
    },
  };
}
