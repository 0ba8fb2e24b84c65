import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { KilnError, type Issue } from '../../../domain/errors.ts';
import { errorResponses } from '../../schemas/common.ts';
import { ModelDetail } from '../../schemas/serving.ts';
import { checkImportFields } from '../../services/model-import-fields.ts';
import { drain, readModelUpload } from '../../services/model-upload.ts';

/** Fields whose text is JSON (labels may also be comma-separated). */
function parseFields(fields: Record<string, string>): unknown {
  const parsed: Record<string, unknown> = { ...fields };
  const issues: Issue[] = [];
  for (const key of ['preprocess', 'model', 'labels'] as const) {
    const text = fields[key];
    if (text === undefined) continue;
    try {
      parsed[key] = JSON.parse(text);
    } catch (error) {
      if (key === 'labels') parsed.labels = text.split(',').map((l) => l.trim());
      else issues.push({ path: key, message: `is not JSON: ${(error as Error).message}` });
    }
  }
  if (issues.length) throw KilnError.invalid(issues);
  return parsed;
}

/**
 * POST /models: import a model trained elsewhere (Keras 3 .keras, legacy Keras .h5, .weights.h5 with a
 * `model` description, or a TensorFlow.js model.json with its weight files, also as one .tar or .zip)
 * as a new version of `name`. It then answers every predict route like a model Kiln trained; its inputs
 * are taken as they are unless `preprocess` is given.
 */
const importRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/models',
    {
      schema: {
        summary:
          'Import a model: multipart with a name field and file parts (.keras, .h5, .weights.h5 + model, or TensorFlow.js files)',
        tags: ['models'],
        consumes: ['multipart/form-data'],
        response: { 201: ModelDetail, ...errorResponses(400, 401, 413, 415) },
      },
      // The body is a multipart stream, read by the handler.
      validatorCompiler: () => () => true,
    },
    async (request, reply) => {
      if (!request.isMultipart()) {
        throw new KilnError(
          'unsupported_media_type',
          'POST /models takes multipart/form-data: a name field and file parts',
          { status: 415 },
        );
      }
      const parts = request.parts();
      let upload;
      try {
        upload = await readModelUpload(parts, app.config.KILN_MAX_UPLOAD_MB);
      } catch (error) {
        await drain(parts).catch(() => undefined);
        throw error;
      }
      const fields = checkImportFields(parseFields(upload.fields) as Record<string, unknown>);
      const model = await app.models.importFiles({
        name: fields.name,
        files: upload.files,
        labels: fields.labels,
        preprocessing: fields.preprocess,
        description: fields.model,
      });
      return reply.code(201).send(model);
    },
  );
};

export default importRoutes;
