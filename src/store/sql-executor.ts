/** The two things the migration runner needs from a connection, whichever database is behind it. */
export interface SqlExecutor {
  /** Runs one or more statements with no parameters (a whole migration file). */
  exec(sql: string): Promise<void>;
  /** Runs one parameterised statement and returns its rows. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}
