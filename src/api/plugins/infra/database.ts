import fp from 'fastify-plugin';
import { openDatabase, type Database } from '../../../store/database.ts';
import { applyMigrations } from '../../../store/migrate.ts';

declare module 'fastify' {
  interface FastifyInstance {
    db: Database;
  }
}

/** Opens PostgreSQL (DATABASE_URL) or the embedded PGlite, and applies pending migrations before serving. */
export default fp(
  async (app) => {
    const db = await openDatabase({ url: app.config.DATABASE_URL, dataDir: app.config.KILN_DATA_DIR });
    const applied = await applyMigrations(db.raw);
    app.log.info({ database: db.kind, applied }, applied.length ? 'migrations applied' : 'database schema up to date');
    app.decorate('db', db);
    app.addHook('onClose', async () => {
      await db.close();
    });
  },
  { name: 'database', dependencies: ['config'] },
);
