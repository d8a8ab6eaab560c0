// build-trivial: a three-line build from in-memory lines, no cache, classic builder.
//   harpoon   client.build({ dockerfile: lines, noCache: true, labels })
//   CLI       DOCKER_BUILDKIT=0 docker build --no-cache --force-rm --label ... -   (lines on stdin)
// Both send a context holding only the Dockerfile, with the same query (labels, nocache,
// rm + forcerm), so the difference is the client: process start, context, request, parsing.
import { randomBytes } from 'node:crypto';
import { docker, interleaved, reportTimes, type Bench } from './lib.ts';

const WARMUP = 1;
const ITERATIONS = 8;

export const buildTrivial: Bench = {
  name: 'build-trivial',
  lines: ['build-trivial'],
  async run(ctx) {
    const base = await ctx.baseImage();
    // A fresh label value per build: nothing can come from an earlier build's layers.
    const lines = () => [`FROM ${base}`, `LABEL bench=${randomBytes(6).toString('hex')}`, 'RUN true'];

    const samples = await interleaved(
      'build-trivial',
      [
        {
          name: 'harpoon',
          fn: async () => {
            const { imageId } = await ctx.client.build({ dockerfile: lines(), noCache: true, labels: ctx.labels });
            if (!imageId) throw new Error('harpoon: no image id');
          },
        },
        {
          name: 'cli',
          fn: async () => {
            const { stdout } = await docker(['build', '--no-cache', '--force-rm', ...ctx.cliBuildLabelArgs, '-'], {
              input: `${lines().join('\n')}\n`,
            });
            if (!/Successfully built [0-9a-f]+/.test(stdout))
              throw new Error(`docker build: no image id in\n${stdout}`);
          },
        },
      ],
      { warmup: WARMUP, iterations: ITERATIONS },
    );
    reportTimes('build-trivial', samples.get('harpoon')!, samples.get('cli')!);
  },
};
