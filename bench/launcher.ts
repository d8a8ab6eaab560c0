// launcher: web-app containers from launch to their first HTTP 200 on "/".
//   launcher-ready       one container.
//     harpoon  launcher.launch({ image, ready: waitFor.http('/', { status: 200 }) })
//     CLI      docker run -d -p 127.0.0.1::80 IMAGE; docker port ID 80/tcp; poll
//              http://127.0.0.1:PORT/ every POLL_MS until it answers 200
//   launcher-concurrent  20 containers, all ready.
//     harpoon  Promise.all of 20 such launches, all at once
//     CLI      the same CLI steps, one container after another (what a shell loop does)
// The image is lessons/webapp.ts (busybox httpd on port 80), built once per run. Containers
// are removed after each iteration, outside the timed part. Goal: launcher-concurrent ≤ 0.5.
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { Launcher, waitFor, type Harpoon } from 'harpoon';
import { buildWebapp } from '../lessons/webapp.ts';
import {
  docker,
  interleaved,
  privateStateDir,
  progress,
  reportTimes,
  type Bench,
  type BenchContext,
  type Contestant,
} from './lib.ts';

const CONCURRENT = 20;
const READY = { warmup: 2, iterations: 15 };
const CONCURRENT_ROUNDS = { warmup: 1, iterations: 5 };
/** The CLI anchor's poll interval: a tight `until curl -sf URL; do sleep 0.025; done`. */
const POLL_MS = 25;
/** Give up on one container after this long (both sides). */
const READY_TIMEOUT_MS = 60_000;

/** The status of one GET (a fresh connection each time, as curl would), or undefined if none came. */
function httpStatus(url: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, signal: AbortSignal.timeout(2_000) }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', () => resolve(undefined));
  });
}

/** The CLI anchor for one container: run, find the port, poll for a 200; returns the container id. */
async function cliLaunch(ctx: BenchContext, image: string): Promise<string> {
  const { stdout } = await docker(['run', '-d', '-p', '127.0.0.1::80', ...ctx.cliRunLabelArgs, image]);
  const id = stdout.trim();
  const port = (await docker(['port', id, '80/tcp'])).stdout.split('\n')[0]?.match(/:(\d+)\s*$/)?.[1];
  if (!port) throw new Error(`cli: docker port ${id} 80/tcp gave no port`);
  const url = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while ((await httpStatus(url)) !== 200) {
    if (Date.now() > deadline) throw new Error(`cli: ${url} did not answer 200 within ${READY_TIMEOUT_MS} ms`);
    await sleep(POLL_MS);
  }
  return id;
}

/** Remove containers by id, in parallel (untimed). */
async function removeAll(client: Harpoon, ids: string[]): Promise<void> {
  await Promise.all(ids.map((id) => client.container(id).remove({ force: true, volumes: true, ifExists: true })));
}

export const launcherBench: Bench = {
  name: 'launcher',
  lines: ['launcher-ready', 'launcher-concurrent'],
  async run(ctx, wanted) {
    const { client, labels } = ctx;

    await privateStateDir(ctx); // activity records stay out of the user's state directory

    const image = `harpoon-bench-webapp:${ctx.runId}`;
    progress(`launcher: building ${image}`);
    await buildWebapp(client, { tag: image, labels });

    // reap: false. The crash reaper is a child process started once per launcher (a one-time
    // session cost, ~0.5 s of node + tsx startup), not part of a launch; and the bench already
    // removes everything labelled with its run id on every way out (run.ts), so it needs no
    // reaper. Constructed here, untimed, after HARPOON_STATE_DIR is set (the activity store
    // reads it at construction).
    const launcher = new Launcher(client, { reap: false, labels });
    const spec = { image, ready: waitFor.http('/', { status: 200 }), readyTimeoutMs: READY_TIMEOUT_MS };

    /** `count` launches at once; every one settles before this returns (none left in flight). */
    async function harpoonLaunch(count: number, made: string[]): Promise<void> {
      const results = await Promise.allSettled(Array.from({ length: count }, () => launcher.launch(spec)));
      for (const r of results) if (r.status === 'fulfilled') made.push(r.value.id);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    }

    /** The CLI, one container after another. */
    async function cliLaunches(count: number, made: string[]): Promise<void> {
      for (let i = 0; i < count; i++) made.push(await cliLaunch(ctx, image));
    }

    function contestants(count: number): Contestant[] {
      const harpoonMade: string[] = [];
      const cliMade: string[] = [];
      return [
        {
          name: 'harpoon',
          fn: () => harpoonLaunch(count, harpoonMade),
          after: () => Promise.all(harpoonMade.splice(0).map((id) => launcher.remove(id))),
        },
        { name: 'cli', fn: () => cliLaunches(count, cliMade), after: () => removeAll(client, cliMade.splice(0)) },
      ];
    }

    if (wanted.has('launcher-ready')) {
      const samples = await interleaved('launcher-ready', contestants(1), READY);
      reportTimes('launcher-ready', samples.get('harpoon')!, samples.get('cli')!);
    }
    if (wanted.has('launcher-concurrent')) {
      const samples = await interleaved('launcher-concurrent', contestants(CONCURRENT), CONCURRENT_ROUNDS);
      reportTimes('launcher-concurrent', samples.get('harpoon')!, samples.get('cli')!);
    }
  },
};
