// A fresh process that runs one harpoon build of a context directory and prints, as one JSON
// line, its peak RSS (process.resourceUsage().maxRSS, this process only) — for build-1gb-rss.
// Usage: node --import tsx bench/build-rss-child.ts DIRECTORY RUN_ID
import { performance } from 'node:perf_hooks';
import { Harpoon } from 'harpoon';
import { BENCH_LABEL, LOCAL_HOST } from './lib.ts';

const [directory, runId] = process.argv.slice(2);
if (!directory || !runId) {
  console.error('usage: build-rss-child.ts DIRECTORY RUN_ID');
  process.exit(2);
}

const mb = (kb: number) => kb / 1024; // maxRSS is in KiB; MB here means MiB
const client = await Harpoon.connect({ host: LOCAL_HOST });
const baselineMB = mb(process.resourceUsage().maxRSS);
const start = performance.now();
const { imageId } = await client.build({ directory, labels: { [BENCH_LABEL]: runId } });
const ms = performance.now() - start;
console.log(JSON.stringify({ baselineMB, maxRssMB: mb(process.resourceUsage().maxRSS), ms, imageId }));
