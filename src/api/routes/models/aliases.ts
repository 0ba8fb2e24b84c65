import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { errorResponses } from '../../schemas/common.ts';
import { AliasBody, AliasParams, AliasView } from '../../schemas/serving.ts';

/** /models/:name/aliases/:alias: point an alias (`production`) at a version, or remove it. */
const aliasRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.put(
    '/models/:name/aliases/:alias',
    {
      schema: {
        summary: 'Point an alias (e.g. production) at a version; clients using <name>@<alias> follow it',
        tags: ['models'],
        params: AliasParams,
        body: AliasBody,
        response: { 200: AliasView, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => app.models.setAlias(request.params.name, request.params.alias, request.body.version),
  );

  app.delete(
    '/models/:name/aliases/:alias',
    {
      schema: {
        summary: 'Remove an alias',
        tags: ['models'],
        params: AliasParams,
        response: { 204: Type.Null(), ...errorResponses(401, 404) },
      },
    },
    async (request, reply) => {
      await app.models.removeAlias(request.params.name, request.params.alias);
      return reply.code(204).send(null);
    },
  );
};

export default aliasRoutes;
