import { KilnError } from '../../../domain/errors.ts';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { cursor } from '../../services/page-cursor.ts';
import { NEWEST_FIRST, rowsAfter } from '../../../store/repositories/keyset.ts';
import { findModel, findVersion, parseModelRef } from '../../../serving/index.ts';
import { errorResponses } from '../../schemas/common.ts';
import { AliasBody, AliasParams, AliasView, ListModelsQuery, ModelDetail, ModelList, ModelRefParams } from '../../schemas/serving.ts';

/**
 * The model registry: list versions, read one, point aliases (`production`) at versions, and delete
 * versions no alias points at. Model references are explained in src/serving/model-refs.ts.
 */
const registryRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const prisma = app.db.prisma;

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
    async (request) => {
      const { name, limit } = request.query;
      // Keyset paging on (createdAt, id), as /runs pages: a page goes on after the last row it gave,
      // even once that row is deleted. (Prisma's cursor by id answered an empty page then, and for a
      // made-up cursor too, as if the list had ended.)
      const after = request.query.cursor ? cursor.decode(request.query.cursor) : undefined;
      if (request.query.cursor && !after) throw KilnError.invalid([{ path: 'querystring.cursor', message: 'is not a cursor this api gave out' }]);
      const rows = await prisma.model.findMany({
        where: {
          ...(name ? { name } : {}),
          ...rowsAfter(after),
        },
        orderBy: NEWEST_FIRST,
        take: limit + 1,
        include: { aliases: { select: { alias: true }, orderBy: { alias: 'asc' } } },
      });
      const page = rows.slice(0, limit);
      return {
        models: page.map((m) => ({
          id: m.id,
          name: m.name,
          version: m.version,
          runId: m.runId,
          aliases: m.aliases.map((a) => a.alias),
          createdAt: m.createdAt.toISOString(),
        })),
        nextCursor: rows.length > limit ? cursor.encode(page[page.length - 1]!) : null,
      };
    },
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
    async (request) => {
      // findModel's own errors: 404 for a reference that names nothing, 400 for digits that are no version.
      const { id } = await findModel(prisma, request.params.id);
      const model = await prisma.model.findUnique({
        where: { id },
        include: { run: { include: { evaluation: true } }, aliases: { select: { alias: true }, orderBy: { alias: 'asc' } } },
      });
      if (!model) throw KilnError.notFound('model', request.params.id);
      const files = (await app.artifacts.list(model.path)).map((key) => key.slice(model.path.length + 1));
      return {
        id: model.id,
        name: model.name,
        version: model.version,
        runId: model.runId,
        signature: model.signature as object,
        labels: (model.labels as string[] | null) ?? null,
        preprocessing: (model.preprocessing as object | null) ?? null,
        aliases: model.aliases.map((a) => a.alias),
        serving: app.serving.state(model.id) ?? ('unloaded' as const),
        createdAt: model.createdAt.toISOString(),
        evaluation: (model.run?.evaluation?.metrics as object | undefined) ?? null,
        files,
      };
    },
  );

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
    async (request) => {
      const { name, alias } = request.params;
      const { version } = request.body;
      // findVersion knows which numbers can be versions (a version beyond int32 is simply not there).
      const model = await findVersion(prisma, name, { version });
      if (!model) throw KilnError.notFound('model version', `${name}@${version}`);
      // A version deleted between the check and the upsert fails the foreign key; answer 404 for that too.
      const row = await prisma.modelAlias
        .upsert({ where: { name_alias: { name, alias } }, create: { name, alias, version }, update: { version } })
        .catch((error: { code?: string }) => {
          if (error.code === 'P2003') throw KilnError.notFound('model version', `${name}@${version}`);
          throw error;
        });
      return { name, alias, version: row.version, modelId: model.id, updatedAt: row.updatedAt.toISOString() };
    },
  );

  app.delete(
    '/models/:name/aliases/:alias',
    {
      schema: { summary: 'Remove an alias', tags: ['models'], params: AliasParams, response: { 204: Type.Null(), ...errorResponses(401, 404) } },
    },
    async (request, reply) => {
      const { name, alias } = request.params;
      const { count } = await prisma.modelAlias.deleteMany({ where: { name, alias } });
      if (count === 0) throw KilnError.notFound('alias', `${name}@${alias}`);
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/models/:id',
    {
      schema: {
        summary: 'Delete a model version (by id or <name>@<version>) and its files; refused while an alias points at it',
        tags: ['models'],
        params: ModelRefParams,
        response: { 204: Type.Null(), ...errorResponses(400, 401, 404, 409) },
      },
    },
    async (request, reply) => {
      const ref = parseModelRef(request.params.id);
      // Deleting "the latest" or "whatever production is" by accident is too easy: name one version.
      const nameOneVersion = (not: string) =>
        KilnError.invalid([{ path: 'params.id', message: `name one version: an id or <name>@<version>, not ${not}` }]);
      if (!('version' in ref) && !('idOrName' in ref)) throw nameOneVersion('an alias');
      const model =
        'version' in ref
          ? await findVersion(prisma, ref.name, { version: ref.version })
          : await prisma.model.findUnique({ where: { id: ref.idOrName } });
      if (!model) {
        // Not an id; if it is a model's name, the client meant "its latest version": refuse that as for an alias.
        if ('idOrName' in ref && (await prisma.model.findFirst({ where: { name: ref.idOrName }, select: { id: true } }))) {
          throw nameOneVersion('a bare name (its latest version)');
        }
        throw KilnError.notFound('model', request.params.id);
      }
      const aliases = await prisma.modelAlias.findMany({ where: { name: model.name, version: model.version }, select: { alias: true } });
      const refuse = (names: string[]) =>
        KilnError.conflict(`${model.name}@${model.version} is what ${names.map((a) => `${model.name}@${a}`).join(', ')} points at; move the alias first`, [
          { path: 'params.id', message: 'an alias points at this version', aliases: names },
        ]);
      if (aliases.length) throw refuse(aliases.map((a) => a.alias));
      // The foreign key (ON DELETE RESTRICT) catches an alias set between the check and the delete.
      await prisma.model.delete({ where: { id: model.id } }).catch((error: { code?: string }) => {
        if (error.code === 'P2003' || error.code === 'P2014') throw refuse([]);
        throw error;
      });
      app.serving.unload(model.id);
      await app.artifacts.deletePrefix(model.path);
      return reply.code(204).send(null);
    },
  );
};

export default registryRoutes;
