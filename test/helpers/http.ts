/** Small fetch helpers for tests that talk to the real api over HTTP. */
export async function request(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as any) : undefined };
}

/** Polls `fn` until it returns a truthy value (or throws after timeoutMs), returning that value. */
export async function waitFor<T>(
  fn: () => Promise<T | undefined | false | null>,
  timeoutMs = 60_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await fn();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/** Waits until a run reaches one of the given statuses and returns it. */
export function waitForRun(
  base: string,
  id: string,
  statuses: string[],
  timeoutMs = 90_000,
  headers: Record<string, string> = {},
) {
  return waitFor(
    async () => {
      const { body } = await request(base, 'GET', `/runs/${id}`, undefined, headers);
      return statuses.includes(body?.status) ? body : undefined;
    },
    timeoutMs,
    `run ${id} to be ${statuses.join(' or ')}`,
  );
}

/** A finished run's log events, read as a client does (Server-Sent Events, which end with the run). */
export async function runLogs(base: string, runId: string) {
  const res = await fetch(`${base}/runs/${runId}/events`, {
    headers: { accept: 'text/event-stream' },
    signal: AbortSignal.timeout(30_000),
  });
  return (await res.text())
    .split('\n\n')
    .filter((block) => /^event: log$/m.test(block))
    .map(
      (block) => (JSON.parse(/^data: (.*)$/m.exec(block)![1]!) as { data: { level: string; message: string } }).data,
    );
}

/** A run's stored events after `since`, read as Server-Sent Events (the stream ends with the run's final status). */
export async function runEvents(
  base: string,
  runId: string,
  since = 0,
): Promise<Array<{ seq: number; type: string; data: any }>> {
  const res = await fetch(`${base}/runs/${runId}/events`, {
    headers: { accept: 'text/event-stream', 'last-event-id': String(since) },
  });
  const text = await res.text();
  return text
    .split('\n\n')
    .filter((block) => block.startsWith('id: '))
    .map((block) => JSON.parse(/data: (.*)/.exec(block)![1]!));
}
