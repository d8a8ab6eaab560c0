// What a check reports: one line of the `test` command's output and one JUnit test case.
// Plus the small helpers the checks and startup waits share.
import { setTimeout as sleep } from 'node:timers/promises';
import { AbortedError } from '../../core/errors.ts';

/** What one check reported: its name, container, kind, pass or fail, time, and a message. */
export interface CheckResult {
  /** The check's name in the unit file. */
  name: string;
  /** The engine's container name it ran against. */
  container: string;
  kind: 'daemon' | 'job';
  passed: boolean;
  durationMs: number;
  /** One line: what passed, or what was last seen when it failed. */
  message: string;
  /** More, when there is more to see: the body, the last log lines, the URL tried. */
  details?: string;
}

/** The last `n` lines of a text, without a trailing empty line. */
export function lastLines(text: string, n: number): string {
  const lines = text.replace(/\n+$/, '').split('\n');
  return lines.slice(-n).join('\n');
}

/** A regex from unit-file text; a bad one is a failed check, not a crash. */
export function compileRegex(source: string): RegExp | string {
  try {
    return new RegExp(source, 'm');
  } catch (err) {
    return `bad regular expression /${source}/: ${(err as Error).message}`;
  }
}

/** `text` cut to `max` characters, with an ellipsis when cut, as one JSON string. */
export function excerpt(text: string, max = 200): string {
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
}

/** Sleep `ms`; an aborted `signal` rejects with AbortedError naming `what`. */
export async function pause(ms: number, signal: AbortSignal | undefined, what: string): Promise<void> {
  try {
    await sleep(ms, undefined, signal ? { signal } : {});
  } catch (err) {
    if (signal?.aborted) throw new AbortedError(what, signal.reason);
    throw err;
  }
}
