// Waiting primitives shared by the launcher's readiness checks and the orchestrator's startup
// waits and checks: a backing-off poll, one HTTP GET that reports what it saw, and following a
// container's output line by line.
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Engine } from './engine.ts';
import { FrameParser } from './container/demux.ts';

const POLL_START_MS = 25;
const POLL_MAX_MS = 250;

/**
 * Call `attempt` until it returns true, sleeping 25 ms, 50 ms, ... up to `maxMs` (250 ms)
 * between attempts. Rejects when `signal` aborts (with the signal's reason, as timers do).
 */
export async function poll(
  signal: AbortSignal,
  attempt: () => Promise<boolean>,
  options: { maxMs?: number } = {},
): Promise<void> {
  const max = options.maxMs ?? POLL_MAX_MS;
  for (let delay = POLL_START_MS; ; delay = Math.min(delay * 2, max)) {
    if (await attempt()) return;
    await sleep(delay, undefined, { signal });
  }
}

/** What one HTTP GET saw: an answer (status and body), or why there was none. */
export type HttpOutcome = { status: number; body: string } | { error: string };

/**
 * One GET on a fresh connection (agent: false: nothing lingers). Never rejects: a refused
 * connection, a reset or a per-attempt timeout (`timeoutMs`, default 2 s) become `{ error }`.
 * With `readBody: false` the body is drained, not kept. An aborted `signal` also gives `{ error }`;
 * callers check their signal themselves.
 */
export function httpGet(
  url: string | URL,
  options: { signal?: AbortSignal; timeoutMs?: number; readBody?: boolean; maxBodyBytes?: number } = {},
): Promise<HttpOutcome> {
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 2_000);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const maxBody = options.maxBodyBytes ?? 1024 * 1024;
  return new Promise((resolve) => {
    const fail = (err: unknown) => resolve({ error: describeHttpError(err, timeout) });
    let req: http.ClientRequest;
    try {
      req = http.get(url, { agent: false, signal }, (res) => {
        const status = res.statusCode ?? 0;
        if (options.readBody === false) {
          res.resume();
          res.on('end', () => resolve({ status, body: '' }));
          res.on('error', fail);
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          // Keep the first maxBody bytes; drain the rest.
          if (size < maxBody) chunks.push(chunk.subarray(0, maxBody - size));
          size += chunk.length;
        });
        res.on('end', () => resolve({ status, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', fail);
      });
    } catch (err) {
      fail(err);
      return;
    }
    req.on('error', fail);
  });
}

function describeHttpError(err: unknown, timeout: AbortSignal): string {
  if (timeout.aborted) return 'no answer within the attempt timeout';
  const e = err as NodeJS.ErrnoException;
  if (e?.name === 'AbortError') return 'aborted';
  const message = String(e?.message ?? err);
  return e?.code && !message.includes(e.code) ? `${message} (${e.code})` : message;
}

/**
 * Follow a container's output (stdout and stderr) and call `onLine` for every whole line, in
 * order per stream, until `onLine` returns true (resolves true), or the output ends: the
 * container stopped (resolves false; a last line without newline is passed too). `since` (ms
 * since the epoch) skips older output; `tty` for a container with a pseudoterminal (raw output,
 * not multiplexed); `tail` starts that many lines back; `follow: false` reads only what is
 * there now; `timestamps` puts the engine's time in front of each line. Rejects when `signal` aborts.
 */
export async function followLogLines(
  engine: Engine,
  container: { id: string; name?: string | undefined },
  onLine: (line: string, stream: 'stdout' | 'stderr') => boolean,
  options: {
    signal?: AbortSignal;
    since?: number;
    tty?: boolean;
    follow?: boolean;
    tail?: number | 'all';
    timestamps?: boolean;
  } = {},
): Promise<boolean> {
  const query = new URLSearchParams({ follow: options.follow === false ? '0' : '1', stdout: '1', stderr: '1' });
  if (options.since !== undefined) query.set('since', unixSeconds(options.since));
  if (options.tail !== undefined) query.set('tail', String(options.tail));
  if (options.timestamps) query.set('timestamps', '1');
  const res = await engine.request(
    {
      method: 'GET',
      path: `/containers/${container.id}/logs?${query}`,
      ...(options.signal ? { signal: options.signal } : {}),
    },
    { container: container.name ?? container.id, action: 'Following logs' },
  );
  const parser = options.tty ? undefined : new FrameParser();
  const partial = { stdout: '', stderr: '' };
  const feed = (stream: 'stdout' | 'stderr', text: string): boolean => {
    const lines = (partial[stream] + text).split('\n');
    partial[stream] = lines.pop() ?? '';
    for (const line of lines) if (onLine(line.replace(/\r$/, ''), stream)) return true;
    return false;
  };
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      if (!parser) {
        if (feed('stdout', chunk.toString('utf8'))) return true;
        continue;
      }
      for (const frame of parser.push(chunk)) {
        if (frame.stream !== 'stdout' && frame.stream !== 'stderr') continue;
        if (feed(frame.stream, frame.payload.toString('utf8'))) return true;
      }
    }
  } finally {
    res.destroy();
  }
  for (const stream of ['stdout', 'stderr'] as const)
    if (partial[stream] && onLine(partial[stream], stream)) return true;
  return false;
}

/** The engine's `since`/`until` format: seconds, with nanoseconds after the point. */
export function unixSeconds(ms: number): string {
  const whole = Math.floor(ms / 1000);
  const nanos = Math.round((ms - whole * 1000) * 1e6);
  return `${whole}.${String(nanos).padStart(9, '0')}`;
}
