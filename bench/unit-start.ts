// unit-start: a five-container unit started from nothing, two independent chains
// (web -> app -> front by links, data -> worker by volumes_from; each container after the
// previous one is started, no startup waits), in the same run:
//   harpoon   node dist/cli/bin.js -H unix:///var/run/docker.sock unit run -c bench/unit-start/conf bench/start
//   anchor    docker-compose -p <project> -f bench/unit-start/docker-compose.yml up -d    (1.29, python)
// each timed until all five containers are running (the harpoon command returns with them
// running; the same check runs after both). After each iteration (untimed) the stack goes away:
// `unit run bench/purge` (derived from start.yaml: stop, remove with volumes) and
// `docker-compose down -v`, and the bench checks that nothing of it is left, so every
// iteration starts from nothing: containers, the data volume, the links.
// Both use the bench's busybox image (FROM scratch, nothing pulled), given as BENCH_IMAGE; every
// container carries harpoon=true and harpoon.bench=<run id> (BENCH_RUN); ports only on 127.0.0.1.
// Needs docker-compose (Debian: scripts/bench-tools.sh installs it, run here when missing).
// Environment: BENCH_UNIT_START_ROUNDS (7), BENCH_UNIT_START_WARMUP (1).
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  BENCH_LABEL,
  cliEnv,
  formatMs,
  interleaved,
  LOCAL_HOST,
  median,
  progress,
  reportTimes,
  type Bench,
  type BenchContext,
  type Contestant,
} from './lib.ts';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'dist', 'cli', 'bin.js'); // built by bench/run.ts when stale
const FIXTURES = join(import.meta.dirname, 'unit-start');
const CONF = join(FIXTURES, 'conf');
const COMPOSE_FILE = join(FIXTURES, 'docker-compose.yml');
const UNIT = 'bench';
/** The unit's containers (engine names are `bench-<name>`) and its one unit volume. */
const CONTAINERS = ['web', 'app', 'front', 'data', 'worker'];
const UNIT_VOLUME = 'bench-data-srv-data';
const RUNNING_TIMEOUT_MS = 30_000;

const envInt = (name: string, fallback: number) => {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value >= 0 ? value : fallback;
};

interface Ran {
  stdout: string;
  stderr: string;
  code: number | null;
}

/** Run a command to its end; never rejects for a non-zero exit (the caller decides). */
function run(file: string, args: string[], env: NodeJS.ProcessEnv, cwd = ROOT): Promise<Ran> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env, cwd, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && typeof (err as NodeJS.ErrnoException).code === 'string') reject(new Error(`${file}: ${err.message}`));
      else resolve({ stdout, stderr, code: err ? ((err as { code?: number }).code ?? 1) : 0 });
    });
  });
}

function must(what: string, ran: Ran): Ran {
  if (ran.code !== 0) throw new Error(`${what} exited ${ran.code}\n${(ran.stderr || ran.stdout).slice(-3000)}`);
  return ran;
}

async function composeAvailable(): Promise<boolean> {
  return run('docker-compose', ['version', '--short'], cliEnv()).then(
    (r) => r.code === 0,
    () => false,
  );
}

/** docker-compose; when missing, run scripts/bench-tools.sh (root: installs it) once. */
async function ensureCompose(): Promise<void> {
  if (await composeAvailable()) return;
  progress('unit-start: docker-compose missing; running bash scripts/bench-tools.sh');
  const code = await new Promise<number | null>((done) => {
    const child = spawn('bash', [join(ROOT, 'scripts', 'bench-tools.sh')], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', () => done(null));
    child.once('close', done);
  });
  if (!(await composeAvailable())) {
    throw new Error(
      `unit-start needs docker-compose (bench-tools.sh exited ${code}); as root on Debian: bash scripts/bench-tools.sh (apt-get install -y docker-compose)`,
    );
  }
}

export const unitStartBench: Bench = {
  name: 'unit-start',
  lines: ['unit-start'],
  async run(ctx: BenchContext) {
    await ensureCompose();
    const image = await ctx.baseImage();
    const project = `hbench-${ctx.runId}`.toLowerCase().replace(/[^a-z0-9_-]/g, '');
    const env = { ...cliEnv(), BENCH_IMAGE: image, BENCH_RUN: ctx.runId };
    const sets = ['--set', `BENCH_IMAGE=${image}`, '--set', `BENCH_RUN=${ctx.runId}`];
    const harpoon = (command: string) =>
      run(
        process.execPath,
        [BIN, '-H', LOCAL_HOST, 'unit', 'run', '-c', CONF, `${UNIT}/${command}`, ...sets, '-q'],
        env,
      );
    const compose = (...args: string[]) =>
      run('docker-compose', ['--no-ansi', '-p', project, '-f', COMPOSE_FILE, ...args], env, FIXTURES);
    const version = (await run('docker-compose', ['version', '--short'], env)).stdout.trim();

    // Each side's containers, by labels: this run's bench label, and the tool's own.
    const composeFilter = [`${BENCH_LABEL}=${ctx.runId}`, `com.docker.compose.project=${project}`];
    const harpoonFilter = [`${BENCH_LABEL}=${ctx.runId}`, `harpoon.unit=${UNIT}`];
    const containers = (labels: string[], running: boolean) =>
      ctx.client.docker.listContainers({
        all: !running,
        filters: JSON.stringify({ label: labels, ...(running ? { status: ['running'] } : {}) }),
      });
    const volumeExists = async (name: string) =>
      (await ctx.client.docker.listVolumes({ filters: JSON.stringify({ name: [name] }) })).Volumes?.some(
        (v) => v.Name === name,
      ) ?? false;

    /** Until all five are running (fails if one is missing after RUNNING_TIMEOUT_MS, or any has exited). */
    async function allRunning(side: string, labels: string[]): Promise<void> {
      const deadline = Date.now() + RUNNING_TIMEOUT_MS;
      for (;;) {
        const all = await containers(labels, false);
        if (all.length === CONTAINERS.length && all.every((c) => c.State === 'running')) return;
        const dead = all.filter((c) => c.State === 'exited' || c.State === 'dead');
        if (dead.length) throw new Error(`${side}: ${dead.map((c) => `${c.Names[0]} ${c.Status}`).join(', ')}`);
        if (Date.now() > deadline)
          throw new Error(
            `${side}: ${all.filter((c) => c.State === 'running').length} of ${CONTAINERS.length} containers running after ${RUNNING_TIMEOUT_MS} ms`,
          );
        await sleep(10);
      }
    }

    /** Nothing of a side's stack is left (containers, and the data volume). */
    async function gone(side: string, labels: string[], volume: string): Promise<void> {
      const left = await containers(labels, false);
      if (left.length)
        throw new Error(
          `${side}: ${left.length} container(s) still there after the teardown: ${left.map((c) => c.Names[0]).join(', ')}`,
        );
      if (await volumeExists(volume))
        throw new Error(`${side}: the volume ${volume} is still there after the teardown`);
    }

    // Whatever happens, take both stacks down (before run.ts removes what carries the bench label).
    ctx.onCleanup(async () => {
      if ((await containers(composeFilter, false)).length || (await volumeExists(`${project}_data`)))
        await compose('down', '-v', '--timeout', '2');
      if ((await containers(harpoonFilter, false)).length || (await volumeExists(UNIT_VOLUME))) {
        const purged = await harpoon('purge').catch(
          (err: Error) => ({ code: 1, stdout: '', stderr: err.message }) as Ran,
        );
        if (purged.code !== 0) {
          // Without a working CLI: this run's containers (they carry its label), then the unit volume if harpoon made it.
          for (const c of await containers(harpoonFilter, false))
            await ctx.client.docker
              .getContainer(c.Id)
              .remove({ force: true, v: true })
              .catch(() => {});
          const info = await ctx.client.docker
            .getVolume(UNIT_VOLUME)
            .inspect()
            .catch(() => undefined);
          if (info?.Labels?.harpoon === 'true' && info.Labels['harpoon.unit'] === UNIT)
            await ctx.client.docker
              .getVolume(UNIT_VOLUME)
              .remove()
              .catch(() => {});
        }
      }
    });

    // From nothing: none of the unit's containers or its volume may exist already (a previous
    // run's leftovers: `harpoon unit run -c bench/unit-start/conf bench/purge --set ...` removes them).
    const taken = (
      await Promise.all(
        CONTAINERS.map(async (c) =>
          (
            await ctx.client.docker.listContainers({
              all: true,
              filters: JSON.stringify({ name: [`^/${UNIT}-${c}$`] }),
            })
          ).length
            ? `${UNIT}-${c}`
            : undefined,
        ),
      )
    ).filter(Boolean);
    if (taken.length || (await volumeExists(UNIT_VOLUME))) {
      throw new Error(
        `unit-start starts from nothing, but ${[...taken, ...((await volumeExists(UNIT_VOLUME)) ? [`volume ${UNIT_VOLUME}`] : [])].join(', ')} already exist(s); remove them first`,
      );
    }

    // Is `harpoon unit run` there? Without it, the anchor is still measured (stderr), then the bench fails.
    const probe = await run(process.execPath, [BIN, 'unit', 'run', '--help'], env);
    const harpoonReady = probe.code === 0 && probe.stdout.includes('--conf');
    if (!harpoonReady)
      progress(
        `unit-start: \`harpoon unit run\` is not available yet (exit ${probe.code}); measuring docker-compose alone`,
      );

    const contestants: Contestant[] = [
      {
        name: 'compose',
        fn: async () => {
          must('docker-compose up -d', await compose('up', '-d'));
          await allRunning('docker-compose', composeFilter);
        },
        after: async () => {
          must('docker-compose down -v', await compose('down', '-v'));
          await gone('docker-compose', composeFilter, `${project}_data`);
        },
      },
    ];
    if (harpoonReady) {
      contestants.unshift({
        name: 'harpoon',
        fn: async () => {
          must(`harpoon unit run ${UNIT}/start`, await harpoon('start'));
          await allRunning('harpoon', harpoonFilter);
        },
        after: async () => {
          must(`harpoon unit run ${UNIT}/purge`, await harpoon('purge'));
          await gone('harpoon', harpoonFilter, UNIT_VOLUME);
        },
      });
    }
    progress(`unit-start: docker-compose ${version}, project ${project}, image ${image}`);
    const samples = await interleaved('unit-start', contestants, {
      warmup: envInt('BENCH_UNIT_START_WARMUP', 1),
      iterations: Math.max(1, envInt('BENCH_UNIT_START_ROUNDS', 7)),
    });
    if (!harpoonReady) {
      throw new Error(
        `harpoon unit run is not available: docker-compose alone took a median ${formatMs(median(samples.get('compose')!))}; no line printed`,
      );
    }
    reportTimes('unit-start', samples.get('harpoon')!, samples.get('compose')!);
  },
};
