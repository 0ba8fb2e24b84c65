import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { errorResponses } from '../../schemas/common.ts';
import { ListModelsQuery, ModelDetail, ModelList, ModelRefParams } from '../../schemas/serving.ts';

/**
 * /models: list versions, read one, delete one no alias points at. `:id` is any model reference
 * (src/serving/model-refs.ts); aliases are in aliases.ts, downloads in download.ts, predict in predict.ts.
 */
const modelsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/models',
    {
      schema: {
        summary: 'List registered models, newest first (?name= for the versions of one model)',
        tags: ['models'],
        querystring: ListModelsQuery,
        response: { 200: ModelList, ...errorResponses(400, 401) },
      },
    },
    async (request) => app.models.list(request.query),
  );

  app.get(
    '/models/:id',
    {
      schema: {
        summary: 'A registered model: signature, labels, preprocessing, aliases, source run, evaluation, files',
        tags: ['models'],
        params: ModelRefParams,
        response: { 200: ModelDetail, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => app.models.get(request.params.id),
  );

  app.delete(
    '/models/:id',
    {
      schema: {
        summary:
          'Delete a model version (by id or <name>@<version>) and its files; refused while an alias points at it',
        tags: ['models'],
        params: ModelRefParams,
        response: { 204: Type.Null(), ...errorResponses(400, 401, 404, 409) },
      },
    },
    async (request, reply) => {
      await app.models.remove(request.params.id);
      return reply.code(204).send(null);
    },
  );
};

export default modelsRoutes;
