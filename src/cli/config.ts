/**
 * Where the server is and how to authenticate: `--url` / KILN_URL and `--token` / KILN_API_TOKEN.
 * The CLI is a separate program from the server, so it reads its own environment here.
 */
export interface ClientConfig {
  url: string;
  token: string | undefined;
}

const DEFAULT_URL = 'http://localhost:8080';

/** Flags win over the environment; the url loses any trailing slash. */
export function resolveConfig(
  flags: { url?: string; token?: string },
  env: NodeJS.ProcessEnv = process.env,
): ClientConfig {
  const url = (flags.url || env.KILN_URL || DEFAULT_URL).replace(/\/+$/, '');
  const token = flags.token ?? (env.KILN_API_TOKEN || undefined);
  return { url, token };
}
