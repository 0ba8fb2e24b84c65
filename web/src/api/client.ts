import type { FieldError } from './types.ts';

const TOKEN_KEY = 'kiln.token';

/** The API token the user gave (kept in this browser only); empty when the api is open. */
export const token = {
  get: () => localStorage.getItem(TOKEN_KEY) ?? '',
  set: (value: string) => (value ? localStorage.setItem(TOKEN_KEY, value) : localStorage.removeItem(TOKEN_KEY)),
};

/** An answer of the api other than 2xx, with its `{"error": {code, message, details}}` body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: FieldError[] = [],
  ) {
    super(message);
  }
}

type Listener = () => void;
const unauthorizedListeners = new Set<Listener>();
/** Called whenever the api answers 401, so the page can ask for a token. */
export function onUnauthorized(listener: Listener): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const t = token.get();
  return t ? { authorization: `Bearer ${t}`, ...extra } : extra;
}

/** Calls the api (same origin) and answers the parsed JSON, or throws ApiError. */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const isForm = body instanceof FormData;
  const response = await fetch(path, {
    method,
    headers: headers(body !== undefined && !isForm ? { 'content-type': 'application/json' } : {}),
    body: body === undefined ? undefined : isForm ? body : JSON.stringify(body),
  });
  const text = await response.text();
  const parsed = text ? safeJson(text) : undefined;
  if (!response.ok) throw failure(response, parsed, `${method} ${path}`);
  return parsed as T;
}

/**
 * GETs a file (with the token, which a plain link cannot send) and answers it with the name the
 * api's Content-Disposition gives it, or throws ApiError.
 */
export async function download(path: string): Promise<{ blob: Blob; fileName: string | undefined }> {
  const response = await fetch(path, { headers: headers() });
  if (!response.ok) throw failure(response, safeJson(await response.text()), `GET ${path}`);
  const disposition = response.headers.get('content-disposition') ?? '';
  const fileName = /filename="([^"]+)"/i.exec(disposition)?.[1] ?? /filename=([^;]+)/i.exec(disposition)?.[1];
  return { blob: await response.blob(), fileName: fileName?.trim() };
}

/** An answer other than 2xx as an ApiError; a 401 also tells the page to ask for the token. */
function failure(response: Response, parsed: unknown, request: string): ApiError {
  if (response.status === 401) unauthorizedListeners.forEach((l) => l());
  const error = (parsed as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
  const details = Array.isArray(error?.details)
    ? (error.details as FieldError[]).filter((d) => typeof d?.path === 'string')
    : [];
  return new ApiError(
    response.status,
    error?.code ?? `http_${response.status}`,
    error?.message ?? `${request} answered ${response.status}`,
    details,
  );
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A WebSocket URL on this origin, with the token as `?token=` (browsers cannot set headers on upgrades). */
export function socketUrl(path: string, query: Record<string, string | number> = {}): string {
  const url = new URL(path, location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, String(v));
  const t = token.get();
  if (t) url.searchParams.set('token', t);
  return url.toString();
}
