// run-true: a `true` container from create to removal.
//   harpoon     client.run({ image, cmd: ['true'] })  (create, attach, wait, start, exit, remove)
//   dockerode   client.docker only, the minimal correct sequence: create (AutoRemove off),
//               register a next-exit wait, start, read the wait's answer, remove.
//   CLI         docker run --rm IMAGE true
// Goals (from the issue): harpoon within 1.05x of raw dockerode, and no slower than the CLI.
import type { IncomingMessage } from 'node:http';
import type Docker from 'dockerode';
import { docker, interleaved, reportTimes, type Bench, type Contestant } from './lib.ts';

const WARMUP = 2;
const ITERATIONS = 15;

/**
 * Register a `next-exit` wait and resolve once the engine has answered with headers (it
 * registers the wait before it flushes them). dockerode's container.wait() only resolves at
 * the exit, so it cannot say when the wait is in place; a wait still in flight when a fast
 * container exits would never return (dockerode #582). modem.dial with isStream resolves at
 * the headers: still one request, through client.docker.
 */
function registerWait(d: Docker, id: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    d.modem.dial(
      {
        path: `/containers/${id}/wait?`,
        method: 'POST',
        options: { condition: 'next-exit' },
        isStream: true,
        statusCodes: { 200: true, 400: 'bad parameter', 404: 'no such container', 500: 'server error' },
      },
      (err, res) => (err ? reject(err) : resolve(res as IncomingMessage)),
    );
  });
}

async function readAll(stream: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function dockerodeRunTrue(d: Docker, image: string, labels: Record<string, string>): Promise<void> {
  const container = await d.createContainer({
    Image: image,
    Cmd: ['true'],
    Labels: labels,
    HostConfig: { AutoRemove: false },
  });
  const wait = await registerWait(d, container.id);
  await container.start();
  const status = JSON.parse(await readAll(wait)) as { StatusCode: number };
  await container.remove();
  if (status.StatusCode !== 0) throw new Error(`dockerode: true exited ${status.StatusCode}`);
}

export const runTrue: Bench = {
  name: 'run-true',
  lines: ['run-true', 'run-true-cli'],
  async run(ctx, wanted) {
    const image = await ctx.baseImage();
    const { client, labels } = ctx;
    const managed = { harpoon: 'true', ...labels };

    const contestants: Contestant[] = [
      {
        name: 'harpoon',
        fn: async () => {
          const result = await client.run({ image, cmd: ['true'], labels });
          if (result.exitCode !== 0) throw new Error(`harpoon: true exited ${result.exitCode}`);
        },
      },
    ];
    if (wanted.has('run-true'))
      contestants.push({ name: 'dockerode', fn: () => dockerodeRunTrue(client.docker, image, managed) });
    if (wanted.has('run-true-cli'))
      contestants.push({ name: 'cli', fn: () => docker(['run', '--rm', ...ctx.cliRunLabelArgs, image, 'true']) });

    const samples = await interleaved('run-true', contestants, { warmup: WARMUP, iterations: ITERATIONS });
    if (wanted.has('run-true')) reportTimes('run-true', samples.get('harpoon')!, samples.get('dockerode')!);
    if (wanted.has('run-true-cli')) reportTimes('run-true-cli', samples.get('harpoon')!, samples.get('cli')!);
  },
};
