import type { ClientConfig } from './config.ts';
import { ApiRequestError, CliError } from './errors.ts';
import { EXIT } from './exit-codes.ts';

export type Query = Record<string, string | number | boolean | string[] | undefined>;

export interface RequestOptions {
  query?: Query;
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as is (e.g. FormData for uploads). */
  body?: FormData;
}

/** A thin HTTP client of the Kiln api: bearer auth, JSON in and out, api errors as ApiRequestError. */
export class KilnClient {
  constructor(readonly config: ClientConfig) {}

  get authHeaders(): Record<string, string> {
    return this.config.token ? { authorization: `Bearer ${this.config.token}` } : {};
  }

  url(path: string, query: Query = {}): string {
    const url = new URL(this.config.url + path);
    for (const [key, value] of Object.entries(query)) {
      if (value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [value]) url.searchParams.append(key, String(v));
    }
    return url.toString();
  }

  /** The ws:// (or wss://) address of an api path. */
  wsUrl(path: string, query: Query = {}): string {
    return this.url(path, query).replace(/^http/, 'ws');
  }

  /** Sends a request and answers the parsed JSON body (undefined for an empty one); throws on 4xx/5xx. */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.fetch(method, path, options);
    const text = await response.text();
    if (!text) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw notKiln(this.config.url, `${response.status} ${response.statusText}`);
    }
  }

  /** Sends a request and answers the raw response (for downloads); throws on 4xx/5xx. */
  async fetch(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { ...this.authHeaders };
    let body: string | FormData | undefined = options.body;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    }
    let response: Response;
    try {
      response = await fetch(this.url(path, options.query), { method, headers, body });
    } catch (error) {
      throw unreachable(this.config.url, error);
    }
    if (!response.ok) throw await apiError(response, this.config.url);
    return response;
  }
}

/** For a server whose answers are not Kiln's JSON (another service on that port, a proxy's error page). */
function notKiln(url: string, answered: string): CliError {
  return new CliError(
    `the server at ${url} answered ${answered} with something other than Kiln's JSON; is it a Kiln api? Give its address with --url or KILN_URL.`,
    EXIT.unreachable,
  );
}

/** The message for a server that does not answer, with the network error's code (ECONNREFUSED, ENOTFOUND, …). */
export function unreachable(url: string, error: unknown): CliError {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const reason = cause?.code ?? cause?.message ?? (error as Error).message;
  return new CliError(
    `cannot reach the Kiln server at ${url} (${reason}); is it running? Give its address with --url or KILN_URL.`,
    EXIT.unreachable,
  );
}

async function apiError(response: Response, url: string): Promise<CliError> {
  const text = await response.text().catch(() => '');
  let body: { error?: { code?: string; message?: string; details?: unknown } } | undefined;
  try {
    body = JSON.parse(text);
  } catch {
    // An HTML or plain-text page: not the api's error envelope, and not worth printing.
    if (text) return notKiln(url, `${response.status} ${response.statusText}`);
  }
  const error = body?.error;
  const code = error?.code ?? `http_${response.status}`;
  let message =
    error?.message ??
    `the server answered ${response.status} ${response.statusText}${text ? `: ${text.slice(0, 200)}` : ''}`;
  if (response.status === 401)
    message = `${message} — the server refused the token; pass --token or set KILN_API_TOKEN`;
  return new ApiRequestError(response.status, code, message, error?.details);
}
