// build-1gb-context: sending a 1 GB context (10,000 files of 100 KiB in 100 directories).
//   harpoon   client.build({ directory })            (the directory's own Dockerfile)
//   CLI       DOCKER_BUILDKIT=0 docker build --force-rm --label ... DIR
// The Dockerfile is `FROM scratch` + `LABEL x=y`: the build itself is instant (and cached after
// the warm-up, on both sides alike), so the time is the context: walk, tar, send, engine unpack.
// build-1gb-rss: harpoon's peak RSS for the same build, in a fresh child process
// (bench/build-rss-child.ts), against the 150 MB goal.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { docker, formatMs, interleaved, progress, report, reportTimes, type Bench } from './lib.ts';

const WARMUP = 1;
const ITERATIONS = 3;
const DIRS = 100;
const FILES_PER_DIR = 100;
const FILE_SIZE = 100 * 1024;
const RSS_GOAL_MB = 150;

/** Write the context: one random 100 KiB buffer, written 10,000 times (a directory at a time). */
async function fillContext(dir: string): Promise<void> {
  const start = performance.now();
  const buffer = randomBytes(FILE_SIZE);
  await writeFile(join(dir, 'Dockerfile'), 'FROM scratch\nLABEL x=y\n');
  for (let d = 0; d < DIRS; d++) {
    const sub = join(dir, `d${String(d).padStart(3, '0')}`);
    await mkdir(sub);
    await Promise.all(
      Array.from({ length: FILES_PER_DIR }, (_, f) =>
        writeFile(join(sub, `f${String(f).padStart(3, '0')}.bin`), buffer),
      ),
    );
  }
  const total = DIRS * FILES_PER_DIR * FILE_SIZE;
  progress(
    `build-1gb-context: generated ${DIRS * FILES_PER_DIR} files, ${(total / 1e9).toFixed(2)} GB in ${dir} (${formatMs(performance.now() - start)})`,
  );
}

interface ChildResult {
  baselineMB: number;
  maxRssMB: number;
  ms: number;
  imageId: string;
}

/** One harpoon build in a fresh process; its peak RSS (process.resourceUsage().maxRSS). */
function measureRss(directory: string, runId: string): Promise<ChildResult> {
  const root = join(import.meta.dirname, '..');
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'build-rss-child.ts'), directory, runId],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => {
      const last = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0) return reject(new Error(`build-rss-child exited ${code}:\n${err.slice(-2000)}`));
      try {
        resolve(JSON.parse(last) as ChildResult);
      } catch {
        reject(new Error(`build-rss-child printed no result:\n${out}\n${err.slice(-2000)}`));
      }
    });
  });
}

export const build1gb: Bench = {
  name: 'build-1gb-context',
  lines: ['build-1gb-context', 'build-1gb-rss'],
  async run(ctx, wanted) {
    const directory = await mkdtemp(join(tmpdir(), 'harpoon-bench-1gb-'));
    ctx.onCleanup(() => rm(directory, { recursive: true, force: true }));
    await fillContext(directory);

    if (wanted.has('build-1gb-context')) {
      const samples = await interleaved(
        'build-1gb-context',
        [
          {
            name: 'harpoon',
            fn: async () => {
              const { imageId } = await ctx.client.build({ directory, labels: ctx.labels });
              if (!imageId) throw new Error('harpoon: no image id');
            },
          },
          {
            name: 'cli',
            fn: async () => {
              const { stdout } = await docker(['build', '--force-rm', ...ctx.cliBuildLabelArgs, directory]);
              if (!/Successfully built [0-9a-f]+/.test(stdout))
                throw new Error(`docker build: no image id in\n${stdout.slice(-2000)}`);
            },
          },
        ],
        { warmup: WARMUP, iterations: ITERATIONS },
      );
      reportTimes('build-1gb-context', samples.get('harpoon')!, samples.get('cli')!);
    }

    if (wanted.has('build-1gb-rss')) {
      const result = await measureRss(directory, ctx.runId);
      progress(
        `build-1gb-rss: child process maxRSS ${result.maxRssMB.toFixed(1)}MB (${result.baselineMB.toFixed(1)}MB after import + connect, before the build); build took ${formatMs(result.ms)}`,
      );
      report(
        'build-1gb-rss',
        { value: result.maxRssMB, text: `${result.maxRssMB.toFixed(0)}MB` },
        { value: RSS_GOAL_MB, text: `${RSS_GOAL_MB}MB` },
      );
    }
  },
};
