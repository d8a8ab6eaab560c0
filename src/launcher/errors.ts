// The launcher's typed errors, on top of the core's HarpoonError.
import { HarpoonError } from '../core/errors.ts';

/** Linux execve: one "NAME=value" string is at most 131,072 bytes with its NUL. */
export const ENV_STRING_LIMIT = 131_072;
/** So INPUT_JSON's value can be at most this many bytes ("INPUT_JSON=" is 11, the NUL 1). */
export const INPUT_JSON_ENV_LIMIT = ENV_STRING_LIMIT - 'INPUT_JSON='.length - 1;

/** The input cannot go by env: refused before anything is created. */
export class InputTooLargeError extends HarpoonError {
  readonly bytes: number;
  readonly limit: number;
  constructor(bytes: number, limit = INPUT_JSON_ENV_LIMIT) {
    super(
      'INPUT_TOO_LARGE',
      `input: ${bytes} bytes of JSON is over the ${limit}-byte limit for one environment variable ` +
        `(Linux allows ${ENV_STRING_LIMIT} bytes per "NAME=value" string). Deliver it with inputMode "file" instead.`,
    );
    this.bytes = bytes;
    this.limit = limit;
  }
}

interface NotReadyDetail {
  /** The container, by name. */
  container: string;
  /** What was being waited for, e.g. "HTTP GET / on port 80". */
  waitingFor: string[];
  /** The last lines of the container's output, to see why. */
  logsTail: string;
  /** Whether the container was kept for inspection (keepOnFailure) or removed. */
  kept: boolean;
}

/** What both ways of not becoming ready share: which container, what was pending, its last output. */
export abstract class NotReadyError extends HarpoonError {
  readonly containerName: string;
  readonly waitingFor: string[];
  readonly logsTail: string;
  readonly kept: boolean;
  constructor(detail: NotReadyDetail, what: string) {
    const logs = detail.logsTail.trim()
      ? `\n--- last log lines ---\n${detail.logsTail.trimEnd()}`
      : '\n(the container printed nothing)';
    const fate = detail.kept ? 'It was kept for inspection (keepOnFailure).' : 'It was removed.';
    super('NOT_READY', `Container "${detail.container}" ${what} ${fate}${logs}`);
    this.containerName = detail.container;
    this.waitingFor = detail.waitingFor;
    this.logsTail = detail.logsTail;
    this.kept = detail.kept;
  }
}

/** The container did not become ready before the deadline. */
export class LaunchTimeoutError extends NotReadyError {
  readonly timeoutMs: number;
  constructor(detail: NotReadyDetail & { timeoutMs: number }) {
    super(
      detail,
      `was not ready within ${detail.timeoutMs} ms, still waiting for: ${detail.waitingFor.join('; ')}. Raise the timeout, or check the readiness strategy.`,
    );
    this.timeoutMs = detail.timeoutMs;
  }
}

/** The container stopped, or reported itself unhealthy, before it was ready. */
export class LaunchFailedError extends NotReadyError {
  /** The container's exit code, when it exited. */
  readonly exitCode: number | undefined;
  readonly reason: string;
  constructor(detail: NotReadyDetail & { reason: string; exitCode?: number }) {
    super(detail, `failed before it was ready: ${detail.reason}.`);
    this.exitCode = detail.exitCode;
    this.reason = detail.reason;
  }
}

/** A look-up or removal by name found a container the launcher does not manage. */
export class NotManagedError extends HarpoonError {
  readonly containerName: string;
  constructor(containerName: string) {
    super('NOT_MANAGED', `Container "${containerName}" exists but was not started by the launcher; it is left alone.`);
    this.containerName = containerName;
  }
}
