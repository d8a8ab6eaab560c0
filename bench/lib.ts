// Shared bench plumbing: interleaved timing, medians, the one-line report, the docker CLI,
// and the per-run context (engine connection, labels, base image, cleanup hooks).
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { busyboxBase, type Harpoon } from 'harpoon';

/** Only ever the local engine: harpoon, dockerode and the docker CLI all go here. */
export const LOCAL_SOCKET = '/var/run/docker.sock';
export const LOCAL_HOST = `unix://${LOCAL_SOCKET}`;

/** The label every resource this bench run creates carries (next to harpoon=true on containers, harpoon.image=true on images). */
export const BENCH_LABEL = 'harpoon.bench';

export interface BenchContext {
  client: Harpoon;
  /** Unique to this run; the value of BENCH_LABEL. */
  runId: string;
  /** { 'harpoon.bench': runId } — harpoon adds harpoon=true itself. */
  labels: Record<string, string>;
  /** `--label harpoon=true --label harpoon.bench=<runId>` for `docker run`. */
  cliRunLabelArgs: string[];
  /** `--label harpoon.image=true --label harpoon.bench=<runId>` for `docker build`. */
  cliBuildLabelArgs: string[];
  /** The busybox base image (built once, on first use), tagged for this run. */
  baseImage(): Promise<string>;
  /** Run `fn` at the end of the run, even on failure (in reverse order of registration). */
  onCleanup(fn: () => Promise<void> | void): void;
}

export interface Bench {
  /** Used in the progress output. */
  name: string;
  /** The comparison lines this bench can print; the argv filter selects among them. */
  lines: string[];
  /** Run, printing only the lines in `wanted` (a non-empty subset of `lines`). */
  run(ctx: BenchContext, wanted: Set<string>): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Timing

/** Aborted on the first SIGINT/SIGTERM: the current iteration finishes, then the bench stops. */
export const stop = new AbortController();

export class StoppedError extends Error {
  constructor() {
    super('stopped by a signal');
  }
}

export interface Contestant {
  name: string;
  /** One timed iteration; `i` counts from 0 over warm-up and measured iterations alike. */
  fn: (i: number) => Promise<unknown>;
  /** Untimed, right after each `fn` (also a warm-up's), before the next contestant: e.g. remove what `fn` made. */
  after?: (i: number) => Promise<unknown>;
}

/**
 * Warm up, then measure every contestant `iterations` times, interleaved: each round runs
 * every contestant once, and the order rotates from round to round (AB, BA, ... or ABC, BCA,
 * CAB, ...) so that neither drift nor "who goes right after whom" favours one side.
 * Returns the samples (ms) per contestant name.
 */
export async function interleaved(
  label: string,
  contestants: Contestant[],
  options: { warmup: number; iterations: number },
): Promise<Map<string, number[]>> {
  const samples = new Map<string, number[]>(contestants.map((c) => [c.name, []]));
  const total = options.warmup + options.iterations;
  for (let round = 0; round < total; round++) {
    const measured = round >= options.warmup;
    const order = contestants.map((_, k) => contestants[(k + round) % contestants.length]!);
    const parts: string[] = [];
    for (const c of order) {
      if (stop.signal.aborted) throw new StoppedError();
      const start = performance.now();
      await c.fn(round);
      const ms = performance.now() - start;
      await c.after?.(round);
      if (measured) samples.get(c.name)!.push(ms);
      parts.push(`${c.name}=${formatMs(ms)}`);
    }
    progress(
      `${label} ${measured ? `round ${round - options.warmup + 1}/${options.iterations}` : `warm-up ${round + 1}/${options.warmup}`}: ${parts.join(' ')}`,
    );
  }
  for (const [name, values] of samples) {
    const sorted = [...values].sort((a, b) => a - b);
    progress(
      `${label} ${name}: median=${formatMs(median(values))} min=${formatMs(sorted[0]!)} max=${formatMs(sorted.at(-1)!)} n=${values.length}`,
    );
  }
  return samples;
}

export function median(values: number[]): number {
  if (values.length === 0) throw new Error('median of no samples');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function formatMs(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(2)}s` : `${ms.toFixed(1)}ms`;
}

// ---------------------------------------------------------------------------------------------
// Output: comparison lines on stdout, everything else on stderr.

export const HEADER = 'ratio = harpoon / anchor; for times, lower is faster';

/** The one line of a comparison: `bench NAME: harpoon=X anchor=Y ratio=R`. */
export function report(
  name: string,
  harpoon: { value: number; text: string },
  anchor: { value: number; text: string },
): void {
  console.log(
    `bench ${name}: harpoon=${harpoon.text} anchor=${anchor.text} ratio=${(harpoon.value / anchor.value).toFixed(2)}`,
  );
}

export function reportTimes(name: string, harpoonMs: number[], anchorMs: number[]): void {
  const h = median(harpoonMs);
  const a = median(anchorMs);
  report(name, { value: h, text: formatMs(h) }, { value: a, text: formatMs(a) });
}

/** Progress and detail (samples, min/max) go to stderr, so stdout holds just the report. */
export function progress(message: string): void {
  process.stderr.write(`  ${message}\n`);
}

// ---------------------------------------------------------------------------------------------
// The docker CLI

/** The CLI's environment: the local socket, whatever DOCKER_HOST/DOCKER_CONTEXT say; classic builder. */
export function cliEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: LOCAL_HOST, DOCKER_BUILDKIT: '0' };
  delete env.DOCKER_CONTEXT;
  delete env.DOCKER_TLS_VERIFY;
  delete env.DOCKER_CERT_PATH;
  return env;
}

/** `docker ARGS` to completion (stdin from `input`, if given); rejects with its output on failure. */
export function docker(
  args: string[],
  options: { input?: string | Buffer } = {},
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'docker',
      args,
      { env: cliEnv(), maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`docker ${args.join(' ')} failed: ${err.message}\n${stderr.slice(-2000)}`));
        else resolve({ stdout, stderr });
      },
    );
    if (options.input !== undefined) child.stdin!.end(options.input);
  });
}

// ---------------------------------------------------------------------------------------------
// The base image: FROM scratch + the host's static busybox (harpoon's busyboxBase()).

export async function buildBusybox(client: Harpoon, runId: string, labels: Record<string, string>): Promise<string> {
  const tag = `harpoon-bench-busybox:${runId}`;
  const base = busyboxBase();
  await client.build({
    dockerfile: [...base.dockerfile, 'CMD ["sh"]'],
    files: base.files,
    tags: tag,
    labels,
  });
  return tag;
}

/** A temporary HARPOON_STATE_DIR for this bench (activity records stay out of the user's); restored and deleted at cleanup. */
export async function privateStateDir(ctx: BenchContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'harpoon-bench-state-'));
  const previous = process.env.HARPOON_STATE_DIR;
  process.env.HARPOON_STATE_DIR = dir;
  ctx.onCleanup(async () => {
    if (previous === undefined) delete process.env.HARPOON_STATE_DIR;
    else process.env.HARPOON_STATE_DIR = previous;
    await rm(dir, { recursive: true, force: true });
  });
  return dir;
}
