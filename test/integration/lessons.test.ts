// Lessons 01-06 run end to end, in order, as `npm run lesson` runs them; their output is checked.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Harpoon } from 'harpoon';
import { RUN_ID } from '../helpers/engine.ts';
import { engineTests } from '../helpers/integration.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const LESSON_ID = `test-${RUN_ID}`;
let client: Harpoon | undefined;

function lesson(n: number): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/lesson.ts'), String(n)], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, HARPOON_LESSON_ID: LESSON_ID },
    timeout: 120_000,
  });
}

const live = await engineTests({
  ready: async (c) => {
    client = c;
  },
  after: async () => {
    // Whatever a failed lesson left, under this run's lesson id only.
    if (client) await client.removeManaged({ 'harpoon.lesson': LESSON_ID });
  },
});

live('01 prints the endpoint and the engine info as JSON', () => {
  const run = lesson(1);
  assert.is(run.status, 0, run.stderr);
  assert.match(run.stdout, /Connected: unix:\/\/\/var\/run\/docker\.sock, chosen from the default socket; API 1\.\d+/);
  const json = run.stdout.slice(run.stdout.indexOf('{'), run.stdout.lastIndexOf('}') + 1);
  const info = JSON.parse(json) as { ServerVersion: string; NCPU: number };
  assert.type(info.ServerVersion, 'string');
  assert.ok(info.NCPU > 0);
});

live('02 builds the whalesay image from in-memory lines and prints its steps and id', async () => {
  const run = lesson(2);
  assert.is(run.status, 0, run.stderr);
  assert.match(run.stdout, /step 1\/\d+: FROM scratch/);
  assert.match(run.stdout, /step 4\/\d+: COPY whalesay \/usr\/local\/bin\/whalesay/);
  const id = /Built harpoon-whalesay:\S+: (sha256:[0-9a-f]{64})/.exec(run.stdout)?.[1];
  assert.ok(id, run.stdout);
  const image = await client!.inspectImage(`harpoon-whalesay:${LESSON_ID}`);
  assert.is(image.Id, id);
  assert.is(image.Config.Labels?.['harpoon.lesson'], LESSON_ID);
});

live('03 runs the banner and a typed session in a PTY', () => {
  const run = lesson(3);
  assert.is(run.status, 0, run.stderr);
  assert.match(run.stdout, /< Hello from a PTY! >/);
  assert.match(run.stdout, /\{~~ ~~~~ ~~~ ~~~~ ~~ ~ \/  ===- ~~~/);
  assert.match(run.stdout, /hello harpoon: my terminal is \/dev\/pts\/\d+, 24 60 \(rows cols\)/);
  assert.match(run.stdout, /exited with code 7/);
});

live('04 cleans up and nothing of the lessons is left', async () => {
  const run = lesson(4);
  assert.is(run.status, 0, run.stderr);
  assert.match(run.stdout, /A run timed out \(TIMEOUT\)/);
  assert.match(run.stdout, /Removed 0 containers and 1 images\./);
  assert.match(run.stdout, /After: 0 left\./);
  const left = await client!.listManaged({ 'harpoon.lesson': LESSON_ID });
  assert.is(left.containers.length + left.images.length, 0);
});

live('05 launches a web app with a JSON input and a file, fetches them back over HTTP, and purges', async () => {
  const run = lesson(5);
  assert.is(run.status, 0, run.stderr);
  const url = /Launched harpoon-lesson-05-\S+ at (http:\/\/127\.0\.0\.1:\d+) /.exec(run.stdout)?.[1];
  assert.ok(url, run.stdout);
  assert.match(run.stdout, /GET \/input\.json {2}-> \{"title":"Hello, launcher","values":\[3,1,4,1,5\],"note":"ünïcödé travels intact"\}/);
  assert.match(run.stdout, /Byte for byte what we sent: true/);
  assert.match(run.stdout, /GET \/files\/readme\.txt -> An input file: it lands in \/tmp\/input-files\./);
  assert.match(run.stdout, new RegExp(`URL by name: ${url}`));
  assert.match(run.stdout, /Refused \(INPUT_TOO_LARGE\): .*131060-byte limit.*inputMode "file"/);
  assert.match(run.stdout, new RegExp(`Purged: harpoon-lesson-05-${LESSON_ID}`));
  assert.match(run.stdout, /After: 0 left\./);
  const left = await client!.listManaged({ 'harpoon.lesson': LESSON_ID });
  assert.is(left.containers.length + left.images.length + left.volumes.length, 0);
});

live('06 reaches two apps through the proxy by path and by host, and shows the please-wait answer', async () => {
  const run = lesson(6);
  assert.is(run.status, 0, run.stderr);
  assert.match(run.stdout, /Proxy listening on http:\/\/127\.0\.0\.1:\d+/);
  assert.match(run.stdout, new RegExp(`By path: GET /docker/lesson06-first-${LESSON_ID}/input\\.json -> 200 \\{"which":"first"\\}`));
  assert.match(run.stdout, new RegExp(`By host: GET http://lesson06-second-${LESSON_ID}\\.docker\\.localhost:\\d+/input\\.json -> 200 \\{"which":"second"\\}`));
  assert.match(run.stdout, /Slow starter: 503 Retry-After: 2 .*is starting/);
  assert.match(run.stdout, /Slow starter: 200, ready: <h1>harpoon web app<\/h1>/);
  assert.match(run.stdout, /Unknown: 404 No container named "no-such-app" is served here\./);
  assert.match(run.stdout, /Stopped: 502 .*exited with code/);
  assert.match(run.stdout, /access: GET \/input\.json -> 200/);
  assert.match(run.stdout, /After: 0 left\./);
  const left = await client!.listManaged({ 'harpoon.lesson': LESSON_ID });
  assert.is(left.containers.length + left.images.length + left.volumes.length, 0);
});

test.run();
