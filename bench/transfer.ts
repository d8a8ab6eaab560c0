// transfer: a ~200 MB image moved from the local engine into the second engine
// (scripts/engine2.sh, unix:///var/run/harpoon-dock2.sock), the way `harpoon transfer-image` does it.
//   harpoon   client.transferImage(dock2, ref): the save stream piped into dock2's load, in one process
//   CLI       bash -c 'docker save REF | docker -H unix:///var/run/harpoon-dock2.sock load'
// The image is busybox plus 200 MB of random bytes (incompressible, like real layers), written
// into the build context as a stream. After each iteration (untimed), the image is removed
// from the second engine, so that every iteration really moves every byte.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Harpoon } from 'harpoon';
import { cliEnv, formatMs, interleaved, progress, reportTimes, type Bench, type BenchContext } from './lib.ts';

/** The second engine; the bench never talks to anything but it and the local engine. */
export const DOCK2_HOST = 'unix:///var/run/harpoon-dock2.sock';
const DATA_BYTES = 200 * 1024 * 1024;
const CHUNK = 1024 * 1024;
const WARMUP = 1;
const ITERATIONS = 5;

/** `bytes` random bytes into `path`, a chunk at a time (never the whole file in memory). */
async function writeRandomFile(path: string, bytes: number): Promise<void> {
  function* chunks() {
    for (let left = bytes; left > 0; left -= CHUNK) yield randomBytes(Math.min(CHUNK, left));
  }
  await pipeline(Readable.from(chunks()), createWriteStream(path));
}

/** The ~200 MB image, built from a context of its own (deleted right after the build). */
async function buildDataImage(ctx: BenchContext): Promise<{ ref: string; imageId: string; size: number }> {
  const started = Date.now();
  const directory = await mkdtemp(join(tmpdir(), 'harpoon-bench-transfer-'));
  ctx.onCleanup(() => rm(directory, { recursive: true, force: true }));
  const ref = `harpoon-bench-transfer:${ctx.runId}`;
  try {
    await writeFile(join(directory, 'Dockerfile'), `FROM ${await ctx.baseImage()}\nCOPY data /data\n`);
    await writeRandomFile(join(directory, 'data'), DATA_BYTES);
    const { imageId } = await ctx.client.build({ directory, tags: ref, labels: ctx.labels });
    const { Size } = await ctx.client.inspectImage(imageId);
    progress(`transfer: built ${ref} (${(Size / 1e6).toFixed(1)} MB) in ${formatMs(Date.now() - started)}`);
    return { ref, imageId, size: Size };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/** The CLI anchor: the pipeline as a person would type it; pipefail so that a failing save fails it. */
function cliTransfer(ref: string): Promise<string> {
  const script = 'set -o pipefail; docker save "$1" | docker -H "$2" load';
  return new Promise((resolve, reject) => {
    execFile(
      'bash',
      ['-c', script, 'transfer', ref, DOCK2_HOST],
      { env: cliEnv(), encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`docker save | docker load failed: ${err.message}\n${stderr.slice(-2000)}`));
        else resolve(stdout);
      },
    );
  });
}

async function connectDock2(): Promise<Harpoon> {
  try {
    return await Harpoon.connect({ host: DOCK2_HOST });
  } catch (err) {
    throw new Error(
      `transfer needs the second engine at ${DOCK2_HOST}: start it with \`bash scripts/engine2.sh\` (${(err as Error).message.split('\n')[0]})`,
    );
  }
}

/** Remove the image from the second engine (every name) and check it is gone. */
async function removeFromDock2(dock2: Harpoon, imageId: string): Promise<void> {
  if (await dock2.imageExists(imageId)) await dock2.removeImage(imageId, { force: true });
  if (await dock2.imageExists(imageId)) throw new Error(`${imageId} is still on ${DOCK2_HOST}`);
}

export const transferBench: Bench = {
  name: 'transfer',
  lines: ['transfer'],
  async run(ctx) {
    const dock2 = await connectDock2();
    // The image carries the bench label, and labels travel with it: this finds whatever is left there.
    ctx.onCleanup(async () => {
      const removed = await dock2.removeManaged(ctx.labels);
      const left = await dock2.listManaged(ctx.labels);
      progress(`transfer: removed ${removed.images.length} image(s) from ${DOCK2_HOST}`);
      if (left.images.length + left.containers.length)
        console.error(
          `bench: ${left.images.length} image(s) labelled ${JSON.stringify(ctx.labels)} are still on ${DOCK2_HOST}`,
        );
    });
    const { ref, imageId } = await buildDataImage(ctx);
    await removeFromDock2(dock2, imageId);

    const samples = await interleaved(
      'transfer',
      [
        {
          name: 'harpoon',
          fn: async () => {
            const result = await ctx.client.transferImage(dock2, ref);
            if (!result.sent) throw new Error('harpoon: the image was already there; nothing was measured');
          },
          after: () => removeFromDock2(dock2, imageId),
        },
        {
          name: 'cli',
          fn: async () => {
            const stdout = await cliTransfer(ref);
            if (!stdout.includes(`Loaded image: ${ref}`))
              throw new Error(`docker load: unexpected output\n${stdout.slice(-2000)}`);
          },
          after: () => removeFromDock2(dock2, imageId),
        },
      ],
      { warmup: WARMUP, iterations: ITERATIONS },
    );
    reportTimes('transfer', samples.get('harpoon')!, samples.get('cli')!);
  },
};
