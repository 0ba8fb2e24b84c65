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
  if (!response.ok) {
    if (response.status === 401) unauthorizedListeners.forEach((l) => l());
    const error = (parsed as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
    const details = Array.isArray(error?.details)
      ? (error.details as FieldError[]).filter((d) => typeof d?.path === 'string')
      : [];
    throw new ApiError(
      response.status,
      error?.code ?? `http_${response.status}`,
      error?.message ?? `${method} ${path} answered ${response.status}`,
      details,
    );
  }
  return parsed as T;
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
