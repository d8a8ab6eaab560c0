// `docker run`, as a readable flow (after docker/cli's container/run.go):
//   create → attach (before start, so no output is missed) → register the wait (before
//   start, so a fast exit is not missed) → start → size the TTY → pump streams →
//   exit code → remove, on every way out unless asked to keep the container.
import { Readable, type Writable } from 'node:stream';
import type { ReadStream, WriteStream } from 'node:tty';
import { compareVersions, type Engine } from '../engine.ts';
import { AbortedError, ContainerExitError, EngineError, TimeoutError } from '../errors.ts';
import { createContainer, type Container, type ContainerOptions } from './container.ts';
import { demux } from './demux.ts';
import { DEFAULT_DETACH_KEYS, DetachFilter, parseDetachKeys } from './detach.ts';
import { LocalTerminal, type TerminalSize } from './terminal.ts';

/** Where a run's output goes: a stream, this process's ('inherit'), captured, or dropped. */
export type OutputTarget = Writable | 'inherit' | 'capture' | 'ignore';

/** A `docker run`: the container's options plus input, output, terminal, removal, exit handling, timeout. */
export interface RunOptions extends ContainerOptions {
  /** Remove the container on every way out (default true, like `docker run --rm`). */
  remove?: boolean;
  /** Input: a stream, a string or Buffer, or 'inherit' for this process's stdin. Opens stdin. */
  stdin?: Readable | string | Buffer | 'inherit';
  /** Where stdout goes (default 'capture': returned in the result). */
  stdout?: OutputTarget;
  /** Where stderr goes (default 'capture'). With a TTY, everything arrives on stdout. */
  stderr?: OutputTarget;
  /**
   * Run against a local terminal (true: this process's stdin/stdout): raw mode while the
   * container runs (when stdin is attached and is a TTY), TTY size followed, detach keys on.
   */
  terminal?: boolean | LocalTerminal;
  /** The container TTY's size; defaults to the local terminal's. */
  size?: TerminalSize;
  /** Keys that detach and leave the container running (default "ctrl-p,ctrl-q"; TTY runs). */
  detachKeys?: string;
  /** Reject with ContainerExitError on a non-zero exit (default true). */
  reject?: boolean;
  /** Kill the run after this many milliseconds (TimeoutError). */
  timeout?: number;
  /** Called once the container has started. */
  onStart?: (container: Container) => void;
}

/** How a run ended: the container id, its exit code, captured output, and whether the user detached. */
export interface RunResult {
  containerId: string;
  exitCode: number;
  /** Captured output ('' unless the target was 'capture'). */
  stdout: string;
  stderr: string;
  /** True when the user detached: the container is still running. */
  detached: boolean;
}

const TAIL_BYTES = 4096;

class OutputSink {
  readonly #target: OutputTarget;
  readonly #chunks: Buffer[] = [];
  #tail: Buffer = Buffer.alloc(0);

  constructor(target: OutputTarget, fallback: NodeJS.WriteStream) {
    this.#target = target === 'inherit' ? fallback : target;
  }

  write(chunk: Buffer): void {
    this.#tail = Buffer.concat([this.#tail, chunk]).subarray(-TAIL_BYTES);
    if (this.#target === 'capture') this.#chunks.push(chunk);
    else if (this.#target !== 'ignore') (this.#target as Writable).write(chunk);
  }

  get text(): string {
    return Buffer.concat(this.#chunks).toString('utf8');
  }

  get tail(): string {
    return this.#tail.toString('utf8').trim();
  }
}

function inputStream(stdin: RunOptions['stdin'], terminal: LocalTerminal | undefined): Readable | undefined {
  if (stdin === undefined) return undefined;
  if (stdin === 'inherit') return terminal?.input ?? process.stdin;
  if (typeof stdin === 'string' || Buffer.isBuffer(stdin)) return Readable.from([Buffer.from(stdin)]);
  return stdin;
}

async function resizeWithRetry(container: Container, size: TerminalSize): Promise<void> {
  // Right after start the engine may not have the TTY yet; docker retries briefly too.
  // A container that already exited has no TTY to size: that is not an error.
  for (let attempt = 0; attempt < 10; attempt++) {
    try {
      return await container.resize(size);
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 10 * (attempt + 1)));
    }
  }
}

/** `docker run`: create, attach, start, wait, remove (`client.run` calls it). */
export async function runContainer(engine: Engine, options: RunOptions): Promise<RunResult> {
  const remove = options.remove ?? true;
  const tty = Boolean(options.tty);
  const terminal =
    options.terminal === true
      ? new LocalTerminal(process.stdin as ReadStream, process.stdout as WriteStream)
      : options.terminal || undefined;
  const input = inputStream(options.stdin, terminal);
  const stdout = new OutputSink(options.stdout ?? 'capture', terminal?.output ?? process.stdout);
  const stderr = new OutputSink(options.stderr ?? 'capture', process.stderr);

  // One controller ends everything in flight: the caller's signal, the timeout, or a detach.
  const controller = new AbortController();
  const onCallerAbort = () => controller.abort(new AbortedError('The run', options.signal?.reason));
  options.signal?.addEventListener('abort', onCallerAbort, { once: true });
  if (options.signal?.aborted) onCallerAbort();
  const timer = options.timeout
    ? setTimeout(() => controller.abort(new TimeoutError('The run', options.timeout!)), options.timeout)
    : undefined;
  const aborted = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
  });
  aborted.catch(() => {});

  let container: Container | undefined;
  let detached = false;
  // Set once the engine reports the container removed (AutoRemove + wait condition "removed").
  let removedByEngine = false;
  const undo: Array<() => void> = [];
  try {
    if (controller.signal.aborted) throw controller.signal.reason;
    const initialSize = tty ? (options.size ?? terminal?.size()) : undefined;
    container = await createContainer(engine, {
      ...options,
      tty,
      openStdin: input !== undefined,
      hostConfig: {
        ...options.hostConfig,
        AutoRemove: remove,
        // API 1.42+ sizes the TTY at creation, so even the first line of output sees the size.
        ...(initialSize && compareVersions(engine.apiVersion, '1.42') >= 0
          ? { ConsoleSize: [initialSize.rows, initialSize.cols] }
          : {}),
      },
      signal: controller.signal,
    });
    const socket = await container.attach({ stdin: input !== undefined, signal: controller.signal });
    undo.push(() => socket.destroy());
    const { exit } = await container.registerWait(remove ? 'removed' : 'next-exit', { signal: controller.signal });

    // Output: raw bytes with a TTY, else the multiplexed stream split in two.
    let outputDone: Promise<void>;
    if (tty) {
      socket.on('data', (chunk: Buffer) => stdout.write(chunk));
      outputDone = new Promise((resolve) => socket.once('close', () => resolve()));
    } else {
      const streams = demux(socket);
      streams.stdout.on('data', (chunk: Buffer) => stdout.write(chunk));
      streams.stderr.on('data', (chunk: Buffer) => stderr.write(chunk));
      outputDone = streams.done;
    }

    await container.start({ signal: controller.signal });
    options.onStart?.(container);

    if (tty) {
      if (initialSize) await resizeWithRetry(container, initialSize);
      if (terminal && !options.size) {
        undo.push(terminal.onResize((next) => void container!.resize(next).catch(() => {})));
      }
    }

    let detach: Promise<void> = new Promise(() => {});
    if (input) {
      if (terminal && input === terminal.input) {
        terminal.enterRaw();
        undo.push(terminal.restore);
      }
      const filter = tty ? new DetachFilter(parseDetachKeys(options.detachKeys ?? DEFAULT_DETACH_KEYS)) : undefined;
      detach = new Promise<void>((resolve) => {
        const onData = (chunk: Buffer | string) => {
          const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
          const { forward, detach: now } = filter ? filter.push(bytes) : { forward: bytes, detach: false };
          if (forward.length) socket.write(forward);
          if (now) resolve();
        };
        // End of local input. Without a TTY: half-close, so the container sees EOF on stdin.
        // With a TTY the engine would close the output too on a half-close (moby's attach),
        // losing what the container still prints: send the terminal's EOF key (ctrl-D) instead.
        const onEnd = () => (tty ? socket.write(Buffer.from([0x04])) : socket.end());
        input.on('data', onData);
        input.once('end', onEnd);
        input.resume();
        undo.push(() => {
          input.off('data', onData);
          input.off('end', onEnd);
          if (input === process.stdin || input === terminal?.input) input.pause();
        });
      });
    }

    const outcome = await Promise.race([
      Promise.all([exit, outputDone]).then(([status]) => status),
      detach.then(() => 'detached' as const),
      aborted,
    ]);
    if (outcome === 'detached') {
      detached = true;
      return { containerId: container.id, exitCode: 0, stdout: stdout.text, stderr: stderr.text, detached: true };
    }
    removedByEngine = remove;
    if (outcome.error) throw new EngineError(`waiting for the container failed: ${outcome.error}`);
    const result = {
      containerId: container.id,
      exitCode: outcome.exitCode,
      stdout: stdout.text,
      stderr: stderr.text,
      detached: false,
    };
    if (result.exitCode !== 0 && options.reject !== false) {
      throw new ContainerExitError(result.exitCode, (tty ? stdout : stderr).tail);
    }
    return result;
  } catch (err) {
    throw controller.signal.aborted && err !== controller.signal.reason && !(err instanceof ContainerExitError)
      ? controller.signal.reason
      : err;
  } finally {
    const abortedEarly = controller.signal.aborted && !detached;
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onCallerAbort);
    for (const fn of undo.reverse()) fn();
    if (!controller.signal.aborted) controller.abort(new AbortedError('The run'));
    // Every way out removes the container, unless it was kept or the user detached from it;
    // a kept container whose run was aborted is stopped, not left running unattended.
    if (container && remove && !detached && !removedByEngine)
      await container.remove({ force: true, volumes: true, ifExists: true }).catch(() => {});
    else if (container && abortedEarly) await container.kill().catch(() => {});
  }
}
