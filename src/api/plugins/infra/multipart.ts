import fp from 'fastify-plugin';
import multipart from '@fastify/multipart';

/** File uploads (POST /datasets), capped at KILN_MAX_UPLOAD_MB per file. */
export default fp(
  async (app) => {
    await app.register(multipart, {
      limits: { fileSize: app.config.KILN_MAX_UPLOAD_MB * 1024 * 1024, files: 64, fields: 32 },
    });
  },
  { name: 'multipart', dependencies: ['config'] },
);
