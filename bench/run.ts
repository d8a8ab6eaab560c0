// `npm run bench [-- FILTER...]`: harpoon against its anchors (raw dockerode, the docker CLI,
// a memory goal), interleaved in one run, one line per comparison on stdout:
//   bench NAME: harpoon=X anchor=Y ratio=R
// Progress and per-sample detail go to stderr. FILTER: substrings of comparison names
// (run-true, run-true-cli, run-cli, run-stdin, build-trivial, build-1gb-context, build-1gb-rss, launcher-ready,
// launcher-concurrent, proxy-rps, proxy-p50, proxy-p99, proxy-share, proxy-cpu, transfer, cli-start,
// cli-start-docker, cli-start-help, cli-start-info, unit-start); any
// match runs. transfer also needs the second engine (scripts/engine2.sh) and cleans it up the same way;
// unit-start needs docker-compose (scripts/bench-tools.sh).
// Everything created on the engine carries harpoon=true (images: harpoon.image=true) and harpoon.bench=<run id>, and is
// removed at the end, on every way out.
import { randomBytes } from 'node:crypto';
import { Harpoon } from 'harpoon';
import { build1gb } from './build-1gb.ts';
import { buildTrivial } from './build-trivial.ts';
import { cliStartBench } from './cli-start.ts';
import { launcherBench } from './launcher.ts';
import { proxyBench } from './proxy.ts';
import {
  BENCH_LABEL,
  buildBusybox,
  HEADER,
  LOCAL_HOST,
  progress,
  stop,
  StoppedError,
  type Bench,
  type BenchContext,
} from './lib.ts';
import { runCliBench } from './run-cli.ts';
import { runTrue } from './run-true.ts';
import { transferBench } from './transfer.ts';
import { unitStartBench } from './unit-start.ts';
import { ensureBuilt } from '../scripts/build.ts';

// unit-start runs the built executable (dist/cli/bin.js).
ensureBuilt();
const benches: Bench[] = [
  runTrue,
  runCliBench,
  buildTrivial,
  build1gb,
  launcherBench,
  proxyBench,
  transferBench,
  cliStartBench,
  unitStartBench,
];
const allLines = benches.flatMap((b) => b.lines);

const filters = process.argv.slice(2).filter((arg) => arg !== '--');
if (filters.some((f) => f === '-h' || f === '--help')) {
  console.log(`usage: npm run bench [-- FILTER...]\ncomparisons: ${allLines.join(', ')}`);
  process.exit(0);
}
const selected = (line: string) => filters.length === 0 || filters.some((f) => line.includes(f));
const unmatched = filters.filter((f) => !allLines.some((line) => line.includes(f)));
if (unmatched.length) {
  console.error(
    `bench: no comparison matches ${unmatched.map((f) => `"${f}"`).join(', ')}; comparisons: ${allLines.join(', ')}`,
  );
  process.exit(2);
}

const runId = `${process.pid}-${randomBytes(3).toString('hex')}`;
const labels = { [BENCH_LABEL]: runId };
const cleanups: Array<() => Promise<void> | void> = [];
let client: Harpoon | undefined;
let cleanedUp: Promise<void> | undefined;

/** Idempotent: temp files first (registered hooks, newest first), then the engine side. */
function cleanup(): Promise<void> {
  cleanedUp ??= (async () => {
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (err) {
        console.error(`bench: cleanup step failed: ${(err as Error).message}`);
      }
    }
    if (client) {
      const removed = await client.removeManaged(labels);
      progress(
        `cleanup: removed ${removed.containers.length} container(s), ${removed.images.length} image(s) labelled ${BENCH_LABEL}=${runId}`,
      );
      const left = await client.listManaged(labels);
      const count = left.containers.length + left.images.length + left.volumes.length + left.networks.length;
      if (count) console.error(`bench: ${count} resource(s) labelled ${BENCH_LABEL}=${runId} are still on the engine`);
    }
  })();
  return cleanedUp;
}

// First signal: finish the iteration in flight (so nothing is created after the cleanup has
// listed), then clean up as on any failure. A second signal: clean up now and exit.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (!stop.signal.aborted) {
      console.error(`bench: ${signal}; stopping after the iteration in flight (again to clean up and exit now)`);
      stop.abort();
      return;
    }
    console.error(`bench: ${signal} again; cleaning up now`);
    cleanup().finally(() => process.exit(130));
  });
}

let failed = false;
try {
  client = await Harpoon.connect({ host: LOCAL_HOST });
  const version = await client.version();
  progress(
    `engine ${version.Version} (API ${client.apiVersion}) at ${LOCAL_HOST}; run id ${runId}; node ${process.version}`,
  );

  let base: Promise<string> | undefined;
  const ctx: BenchContext = {
    client,
    runId,
    labels,
    cliRunLabelArgs: ['--label', 'harpoon=true', '--label', `${BENCH_LABEL}=${runId}`],
    cliBuildLabelArgs: ['--label', 'harpoon.image=true', '--label', `${BENCH_LABEL}=${runId}`],
    baseImage: () => (base ??= buildBusybox(client!, runId, labels)),
    onCleanup: (fn) => void cleanups.push(fn),
  };

  console.log(HEADER);
  for (const bench of benches) {
    const wanted = new Set(bench.lines.filter(selected));
    if (wanted.size === 0) continue;
    if (stop.signal.aborted) break;
    progress(`${bench.name}: running (${[...wanted].join(', ')})`);
    try {
      await bench.run(ctx, wanted);
    } catch (err) {
      failed = true;
      if (err instanceof StoppedError) console.error(`bench ${bench.name}: stopped`);
      else console.error(`bench ${bench.name} failed: ${(err as Error).stack ?? err}`);
    }
  }
} catch (err) {
  failed = true;
  console.error(`bench: ${(err as Error).stack ?? err}`);
} finally {
  await cleanup();
}
process.exit(stop.signal.aborted ? 130 : failed ? 1 : 0);
