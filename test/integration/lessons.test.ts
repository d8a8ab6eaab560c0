// Lessons 01-08 run end to end, in order, as `npm run lesson` runs them; their output is checked.
// Lesson 07 also needs the second engine (scripts/engine2.sh): skipped without it, except under CI.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Harpoon } from 'harpoon';
import { RUN_ID } from '../helpers/engine.ts';
import { ENGINE2_HOST, secondEngineOrSkip } from '../helpers/image.ts';
import { engineTests } from '../helpers/integration.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const LESSON_ID = `test-${RUN_ID}`;
let client: Harpoon | undefined;

function lesson(n: number, env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/lesson.ts'), String(n)], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, HARPOON_LESSON_ID: LESSON_ID, ...env },
    timeout: 120_000,
  });
}

const client2 = await secondEngineOrSkip();

const live = await engineTests({
  ready: async (c) => {
    client = c;
  },
  after: async () => {
    // Whatever a failed lesson left, under this run's lesson id only.
    if (client) await client.removeManaged({ 'harpoon.lesson': LESSON_ID });
    if (client2) await client2.removeManaged({ 'harpoon.lesson': LESSON_ID });
    // Lesson 08's unit volume carries the unit's label (unit volumes take no user labels).
    if (client) await client.removeManaged({ 'harpoon.unit': `lesson08-${LESSON_ID}` });
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
  assert.match(
    run.stdout,
    /GET \/input\.json {2}-> \{"title":"Hello, launcher","values":\[3,1,4,1,5\],"note":"ünïcödé travels intact"\}/,
  );
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
  assert.match(
    run.stdout,
    new RegExp(`By path: GET /docker/lesson06-first-${LESSON_ID}/input\\.json -> 200 \\{"which":"first"\\}`),
  );
  assert.match(
    run.stdout,
    new RegExp(
      `By host: GET http://lesson06-second-${LESSON_ID}\\.docker\\.localhost:\\d+/input\\.json -> 200 \\{"which":"second"\\}`,
    ),
  );
  assert.match(run.stdout, /Slow starter: 503 Retry-After: 2 .*is starting/);
  assert.match(
    run.stdout,
    new RegExp(
      `Denied: GET /docker/lesson06-first-${LESSON_ID}/input\\.json as ben -> 403 ben may not use lesson06-first-`,
    ),
  );
  assert.match(
    run.stdout,
    new RegExp(
      `Wait page: 503 <!doctype html><title>Starting lesson06-slow-${LESSON_ID}</title><p>lesson06-slow-${LESSON_ID} is starting \\(.+\\)\\. This page reloads in 2 s\\.</p>`,
    ),
  );
  assert.match(run.stdout, /Slow starter: 200, ready: <h1>harpoon web app<\/h1>/);
  assert.match(run.stdout, /Unknown: 404 No container named "no-such-app" is served here\./);
  assert.match(run.stdout, /Stopped: 502 .*exited with code/);
  assert.match(run.stdout, /access: GET \/input\.json -> 200/);
  assert.match(run.stdout, /After: 0 left\./);
  const left = await client!.listManaged({ 'harpoon.lesson': LESSON_ID });
  assert.is(left.containers.length + left.images.length + left.volumes.length, 0);
});

/** Everything of this run's lesson id on both engines. */
async function leftOnBothEngines(): Promise<number> {
  let left = 0;
  for (const engine of [client!, client2!]) {
    const found = await engine.listManaged({ 'harpoon.lesson': LESSON_ID });
    left += found.containers.length + found.images.length + found.volumes.length + found.networks.length;
  }
  return left;
}

const withDock2 = client2 ? live : test.skip;

withDock2(
  '07 builds a project with the CLI, runs it in a PTY, transfers it to dock2 (then nothing), and cleans both engines',
  async () => {
    const run = lesson(7);
    assert.is(run.status, 0, `${run.stdout}\n${run.stderr}`);
    const out = run.stdout;
    const tag = LESSON_ID;
    // The project as written, then build-image all: base before app, REFERENCE ID on stdout.
    assert.match(out, new RegExp(`^FROM lesson07-base:${tag}$`, 'm'));
    const base = out.search(new RegExp(`^  stdout\\| lesson07-base:${tag} sha256:[0-9a-f]{64}$`, 'm'));
    const app = out.search(new RegExp(`^  stdout\\| lesson07-app:${tag} sha256:[0-9a-f]{64}$`, 'm'));
    assert.ok(base > 0 && app > base, 'base built, then app');
    assert.match(out, /^ {2}stderr\| ==> \[1\/2\] base: building/m);
    // run-image: the docker run line first, then the session in a PTY with the config in effect.
    assert.match(
      out,
      new RegExp(
        `stdout\\| docker run --rm -it --init .*'GREETING=hello from dockerutils\\.cfg'.*--label harpoon\\.lesson=${tag}.*-v \\S+/lesson07/shared:/shared -p 127\\.0\\.0\\.1:\\d+:8080 lesson07-app:${tag} sh -c`,
      ),
    );
    assert.match(out, /^ {2}\| Welcome to the app image \(built FROM the base\)\.$/m);
    assert.match(
      out,
      /^ {2}\| app\$ echo "\$GREETING"; cat \/shared\/note\.txt\n {2}\| hello from dockerutils\.cfg\n {2}\| A note from the host, through the volume\.$/m,
    );
    assert.match(out, /^ {2}\| httpd: 42 is up$/m);
    assert.not.match(out, /\x1b/, 'terminal sequences are dropped from the transcript');
    assert.match(out, /run-image exited with code 3 /);
    assert.match(out, /GET http:\/\/127\.0\.0\.1:\d+\/note\.txt -> A note from the host, through the volume\./);
    assert.match(out, /shared\/reply\.txt -> written in the container/);
    // The dock, the transfer, the image running there, and the second transfer sending nothing.
    assert.match(out, new RegExp(`stdout\\| dock2 +${ENGINE2_HOST.replace(/[/.]/g, '\\$&')} +\\S+ +yes`));
    assert.match(out, new RegExp(`stdout\\| docker save lesson07-app:${tag} \\| docker --context dock2 load`));
    const id = new RegExp(
      `stderr\\| Transferred lesson07-app:${tag} to dock2 .*id (sha256:[0-9a-f]{12}) verified`,
    ).exec(out)?.[1];
    assert.ok(id, out);
    assert.match(out, /run --rm -l \S+ lesson07-app:\S+ cat \/etc\/motd\n {2}stdout\| Welcome to the app image/);
    assert.match(out, new RegExp(`stderr\\| Nothing sent: dock2 already has lesson07-app:${tag} \\(${id}\\)`));
    // Cleaned with the CLI on both engines, then counted.
    assert.match(
      out,
      new RegExp(
        `harpoon --context dock2 build-image clean\n {2}stderr\\| Removed lesson07-app:${tag}\n {2}stderr\\| Not present: lesson07-base:${tag}`,
      ),
    );
    assert.match(out, /After: 0 left\./);
    assert.is(await leftOnBothEngines(), 0);
  },
);

live('07 without the second engine: says how to start it, exits non-zero, creates nothing', async () => {
  const run = lesson(7, { HARPOON_ENGINE2_HOST: 'unix:///nonexistent/harpoon-dock2.sock' });
  assert.is(run.status, 1);
  assert.match(run.stderr, /The second engine does not answer at unix:\/\/\/nonexistent\/harpoon-dock2\.sock/);
  assert.match(run.stderr, /bash scripts\/engine2\.sh/);
  const left = await client!.listManaged({ 'harpoon.lesson': LESSON_ID });
  assert.is(left.containers.length + left.images.length, 0);
});

live(
  '08 starts a unit, checks it, backs up, purges, restores: the file comes back byte for byte, nothing left',
  async () => {
    const run = lesson(8);
    assert.is(run.status, 0, `${run.stdout}\n${run.stderr}`);
    const out = run.stdout;
    const unit = `lesson08-${LESSON_ID}`;
    // The dry run first: 4 steps, start web after create data because of volumes_from; nothing changed.
    assert.match(out, new RegExp(`4\\. start web +create ${unit}-web \\(missing\\), start it`));
    assert.match(out, /after 3 \(web mounts data's volumes\)/);
    assert.match(out, /Nothing was changed \(--dry-run\)\./);
    // First start creates; the second leaves both alone.
    assert.match(out, /\[3\] create data: created\n {2}\[4\] start web: created, started/);
    assert.match(out, /\[3\] create data: unchanged, left alone\n {2}\[4\] start web: running, unchanged: left alone/);
    assert.match(out, /check [\w-]+-web\/home: passed, GET http:\/\/127\.0\.0\.1:\d+\/index\.html: status 200/);
    assert.match(out, /GET \/visit\.txt -> 200 visited at /);
    assert.match(out, /\[1\] backup data: backed up 2 files/);
    assert.match(out, /[0-9a-f]{16}… {2}srv\/www\/visit\.txt/);
    assert.match(out, new RegExp(`\\[3\\] remove data: removed, with volume ${unit}-data-srv-www`));
    assert.match(out, /left of the unit: 0 containers, 0 volumes, 0 images/);
    assert.match(out, /GET \/visit\.txt -> 404/);
    assert.match(out, /\[1\] restore data: restored 2 files into \/srv\/www/);
    assert.match(out, /the same bytes as before the purge: true/);
    assert.match(out, /After: 0 left\./);
    const left = await client!.listManaged({ 'harpoon.unit': unit });
    assert.is(left.containers.length + left.images.length + left.volumes.length + left.networks.length, 0);
  },
);

test.run();
