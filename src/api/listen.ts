import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { listenAddress, type Config } from '../config/config.ts';

/** Starts the api on PORT at the address listenAddress chooses, saying why when it matters. */
export async function listen(app: FastifyInstance, config: Config, log: Logger): Promise<string> {
  const { host, warning, note } = listenAddress(config);
  if (warning) log.warn({ host }, warning);
  if (note) log.info({ host }, note);
  await app.listen({ port: config.PORT, host });
  return `http://${host}:${config.PORT}`;
}
