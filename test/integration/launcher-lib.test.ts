// Integration: the launcher (src/launcher) against the real engine: input delivery, input
// files, readiness strategies, and the by-name handle. Management (purges, eviction, the
// crash reaper) and concurrency are in launcher-manage.test.ts.
// Every container carries this run's test label; apps are reached only on 127.0.0.1.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  ContainerNotFoundError,
  InputTooLargeError,
  Launcher,
  LaunchFailedError,
  LaunchTimeoutError,
  NotManagedError,
  waitFor,
  type Harpoon,
} from 'harpoon';
import { INPUT_JSON_ENV_LIMIT } from '../../src/launcher/errors.ts';
import { listensOn } from '../../src/launcher/readiness.ts';
import { RUN_ID, testLabels } from '../helpers/engine.ts';
import { containerExists, rejection } from '../helpers/integration.ts';
import { caseLabels, fetchBytes, launcherTests, namer, TEST_WEBAPP as WEBAPP } from '../helpers/launcher.ts';

let launcher: Launcher;
const { it } = await launcherTests('harpoon-launcher-lib', (l) => (launcher = l));

/** A container name unique to this run and test. */
const uniqueName = namer('hl');

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** Launch, run `body`, and remove the container whatever happens. */
async function withLaunched<T>(
  spec: Parameters<Launcher['launch']>[0],
  body: (launched: Awaited<ReturnType<Launcher['launch']>>) => Promise<T>,
): Promise<T> {
  const launched = await launcher.launch(spec);
  try {
    return await body(launched);
  } finally {
    await launcher.remove(launched.name).catch(() => {});
  }
}

// Odd spacing, a trailing newline, 1.50 and a \u escape: any re-serialization would change them.
const UNICODE_JSON =
  '{ "greeting" :  "h\u00e9llo w\u00f6rld \u2713 \ud83d\udc33",\n\t"n" : 1.50 , "escaped": "\\u00e9",  "nested":{"arr":[ 1,2 ,3 ]} }\n';

// ---------------------------------------------------------------- input delivery

it('file mode: the JSON text arrives byte for byte (unicode, odd spacing, no re-serialization)', async (client) => {
  await withLaunched({ image: WEBAPP, inputText: UNICODE_JSON }, async (launched) => {
    const { status, body } = await fetchBytes(launched.url, '/input.json');
    assert.is(status, 200);
    assert.ok(body.equals(Buffer.from(UNICODE_JSON, 'utf8')), `served back: ${JSON.stringify(body.toString('utf8'))}`);
    assert.is(launched.labels['harpoon.launcher.input'], 'file');
    // Not by env as well.
    const env = (await client.container(launched.id).inspect()).Config.Env ?? [];
    assert.not.ok(
      env.some((e) => e.startsWith('INPUT_JSON')),
      'no INPUT_JSON variable in file mode',
    );
  });
});

it('file mode: a 1 MB JSON value arrives intact (serialized once with JSON.stringify)', async () => {
  const rows = [];
  let size = 0;
  for (let i = 0; size < 1024 * 1024; i++) {
    const row = {
      i,
      id: randomBytes(16).toString('hex'),
      text: `r\u00e9sum\u00e9 \u2603 ${i}`,
      values: [i, i / 3, -i],
    };
    rows.push(row);
    size += JSON.stringify(row).length;
  }
  const value = { rows, run: RUN_ID };
  const expected = Buffer.from(JSON.stringify(value), 'utf8');
  assert.ok(expected.length >= 1024 * 1024, `${expected.length} bytes`);
  await withLaunched({ image: WEBAPP, input: value }, async (launched) => {
    const { status, body } = await fetchBytes(launched.url, '/input.json');
    assert.is(status, 200);
    assert.is(body.length, expected.length);
    assert.is(sha256(body), sha256(expected));
  });
});

it('env mode: INPUT_JSON carries the text byte for byte (unicode, newlines, tabs)', async (client) => {
  await withLaunched({ image: WEBAPP, inputText: UNICODE_JSON, inputMode: 'env' }, async (launched) => {
    const { status, body } = await fetchBytes(launched.url, '/input.json');
    assert.is(status, 200);
    assert.ok(body.equals(Buffer.from(UNICODE_JSON, 'utf8')), `served back: ${JSON.stringify(body.toString('utf8'))}`);
    assert.is(launched.labels['harpoon.launcher.input'], 'env');
    // Nothing was written to the default input path.
    const probe = await client.container(launched.id).exec(['test', '-e', '/tmp/input.json']);
    assert.is(probe.exitCode, 1, '/tmp/input.json does not exist in env mode');
  });
});

it(`env mode: exactly INPUT_JSON_ENV_LIMIT (${INPUT_JSON_ENV_LIMIT}) bytes launches and is served back intact`, async () => {
  const head = '{"s":"\u00e9\u2713\ud83d\udc33';
  const tail = '"}';
  const pad = INPUT_JSON_ENV_LIMIT - Buffer.byteLength(head) - Buffer.byteLength(tail);
  const text = head + 'x'.repeat(pad) + tail;
  const expected = Buffer.from(text, 'utf8');
  assert.is(expected.length, INPUT_JSON_ENV_LIMIT);
  await withLaunched({ image: WEBAPP, inputText: text, inputMode: 'env' }, async (launched) => {
    const { status, body } = await fetchBytes(launched.url, '/input.json');
    assert.is(status, 200);
    assert.is(body.length, INPUT_JSON_ENV_LIMIT);
    assert.ok(body.equals(expected), 'the bytes served are the bytes sent');
  });
});

it('env mode: one byte over the limit is refused with InputTooLargeError, and no container is created', async (client) => {
  const text = `"${'y'.repeat(INPUT_JSON_ENV_LIMIT - 1)}"`; // limit + 1 bytes
  assert.is(Buffer.byteLength(text), INPUT_JSON_ENV_LIMIT + 1);
  const name = uniqueName('too-large');
  const labels = caseLabels('too-large');
  const err = await rejection(launcher.launch({ image: WEBAPP, name, labels, inputText: text, inputMode: 'env' }));
  assert.instance(err, InputTooLargeError);
  const e = err as InputTooLargeError;
  assert.is(e.code, 'INPUT_TOO_LARGE');
  assert.is(e.bytes, INPUT_JSON_ENV_LIMIT + 1);
  assert.is(e.limit, INPUT_JSON_ENV_LIMIT);
  assert.match(e.message, String(INPUT_JSON_ENV_LIMIT));
  assert.match(e.message, /inputMode "file"/);
  assert.is(await containerExists(client, name), false, 'no container by that name');
  const found = await client.docker.listContainers({
    all: true,
    filters: JSON.stringify({ label: [`harpoon.test.case=too-large-${RUN_ID}`] }),
  });
  assert.is(found.length, 0, 'no container with the case label');
});

it('url mode: INPUT_JSON_URL is set (served back from /input-url.txt), and no input file is written', async (client) => {
  // The app only shows the URL; nothing fetches it.
  const inputUrl = `https://data.example/inputs/${RUN_ID}.json?version=2&lang=fr`;
  await withLaunched({ image: WEBAPP, inputMode: 'url', inputUrl }, async (launched) => {
    const { status, body } = await fetchBytes(launched.url, '/input-url.txt');
    assert.is(status, 200);
    assert.is(body.toString('utf8'), inputUrl);
    assert.is((await fetchBytes(launched.url, '/input.json')).status, 404);
    const env = (await client.container(launched.id).inspect()).Config.Env ?? [];
    assert.ok(env.includes(`INPUT_JSON_URL=${inputUrl}`));
    assert.not.ok(env.some((e) => e.startsWith('INPUT_JSON=')));
    assert.is(launched.labels['harpoon.launcher.input'], 'url');
  });
});

it('file mode with a custom inputPath: the JSON lands there (and not at /tmp/input.json)', async (client) => {
  const text = '[1, "two" ,{"three":3}]';
  await withLaunched(
    {
      image: WEBAPP,
      inputText: text,
      inputPath: '/srv/in/config.json',
      // Serve the custom path too, so its bytes can be read over HTTP.
      cmd: ['sh', '-c', 'mkdir -p /www && ln -sf /srv/in/config.json /www/custom.json && exec /app/start'],
    },
    async (launched) => {
      const { status, body } = await fetchBytes(launched.url, '/custom.json');
      assert.is(status, 200);
      assert.ok(body.equals(Buffer.from(text)), `served back: ${body.toString('utf8')}`);
      const probe = await client.container(launched.id).exec(['test', '-e', '/tmp/input.json']);
      assert.is(probe.exitCode, 1, 'nothing at the default path');
    },
  );
});

// ---------------------------------------------------------------- input files

it('input files arrive intact: text and binary content, a host file, absolute paths, mode bits', async (client) => {
  const dir = mkdtempSync(join(tmpdir(), 'harpoon-launcher-files-'));
  try {
    const allBytes = Buffer.alloc(1024);
    for (let i = 0; i < allBytes.length; i++) allBytes[i] = i % 256;
    const hostData = randomBytes(300_000);
    const hostFile = join(dir, 'host-data.bin');
    writeFileSync(hostFile, hostData);
    const hostScript = join(dir, 'tool.sh');
    writeFileSync(hostScript, '#!/bin/sh\necho "tool ran with $1"\n');
    const secret = `secret \u00e9 ${RUN_ID}\n`;

    await withLaunched(
      {
        image: WEBAPP,
        input: { files: true },
        files: [
          { path: 'hello.txt', content: 'h\u00e9llo\n' }, // default mode
          { path: 'bin/all-bytes.bin', content: allBytes, mode: 0o600 },
          { source: hostFile }, // lands under filesDir by its base name
          { source: hostScript, path: '/opt/tools/run.sh', mode: 0o755 },
          { path: '/etc/harpoon/secret.conf', content: secret, mode: 0o400 },
        ],
      },
      async (launched) => {
        const get = (path: string) => fetchBytes(launched.url, path);
        const hello = await get('/files/hello.txt');
        assert.is(hello.status, 200);
        assert.ok(hello.body.equals(Buffer.from('h\u00e9llo\n')));
        const binary = await get('/files/bin/all-bytes.bin');
        assert.is(binary.status, 200);
        assert.ok(binary.body.equals(allBytes), 'binary content byte for byte');
        const host = await get('/files/host-data.bin');
        assert.is(host.status, 200);
        assert.is(host.body.length, hostData.length);
        assert.ok(host.body.equals(hostData), 'host file byte for byte');

        const container = client.container(launched.id);
        const sums = await container.exec(['sha256sum', '/opt/tools/run.sh', '/etc/harpoon/secret.conf']);
        assert.is(sums.exitCode, 0, sums.stderr);
        assert.is(
          sums.stdout,
          `${sha256(Buffer.from('#!/bin/sh\necho "tool ran with $1"\n'))}  /opt/tools/run.sh\n${sha256(Buffer.from(secret))}  /etc/harpoon/secret.conf\n`,
        );

        const modes = await container.exec([
          'stat',
          '-c',
          '%a %n',
          '/tmp/input-files/hello.txt',
          '/tmp/input-files/bin/all-bytes.bin',
          '/tmp/input-files/host-data.bin',
          '/opt/tools/run.sh',
          '/etc/harpoon/secret.conf',
          '/tmp/input.json',
        ]);
        assert.is(modes.exitCode, 0, modes.stderr);
        assert.equal(modes.stdout.trim().split('\n'), [
          '644 /tmp/input-files/hello.txt',
          '600 /tmp/input-files/bin/all-bytes.bin',
          '644 /tmp/input-files/host-data.bin',
          '755 /opt/tools/run.sh',
          '400 /etc/harpoon/secret.conf',
          '644 /tmp/input.json',
        ]);
        // The mode is real: the script runs.
        const ran = await container.exec(['/opt/tools/run.sh', 'x']);
        assert.is(ran.exitCode, 0, ran.stderr);
        assert.is(ran.stdout, 'tool ran with x\n');
      },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------- readiness

/** Asserts a never-ready launch: LaunchTimeoutError, log lines in it, and the container removed. */
async function assertTimesOut(
  client: Harpoon,
  spec: Parameters<Launcher['launch']>[0] & { name: string },
  expect: { logLine: string; waitingFor: string[] },
) {
  const started = Date.now();
  const err = await rejection(launcher.launch(spec));
  const took = Date.now() - started;
  assert.instance(err, LaunchTimeoutError, String(err));
  const e = err as LaunchTimeoutError;
  assert.is(e.code, 'NOT_READY');
  assert.is(e.containerName, spec.name);
  assert.is(e.timeoutMs, spec.readyTimeoutMs);
  assert.equal(e.waitingFor, expect.waitingFor);
  assert.ok(e.logsTail.includes(expect.logLine), `logsTail has "${expect.logLine}": ${JSON.stringify(e.logsTail)}`);
  assert.ok(e.message.includes(expect.logLine), 'the message shows the log lines');
  assert.is(e.kept, false);
  assert.match(e.message, /It was removed/);
  assert.ok(took >= (spec.readyTimeoutMs ?? 0), `gave up after ${took} ms, not before the deadline`);
  assert.ok(took < (spec.readyTimeoutMs ?? 0) + 10_000, `gave up after ${took} ms`);
  assert.is(await containerExists(client, spec.name), false, 'the container was removed');
  return e;
}

it('http: waits for the status and for the body predicate (RegExp and function)', async () => {
  // /status says "starting" (200) for a second, then "ready".
  const cmd = [
    'sh',
    '-c',
    'mkdir -p /www && echo starting > /www/status && (sleep 1; echo ready > /www/status) & exec /app/start',
  ];
  for (const body of [/^ready$/m, (text: string) => text.trim() === 'ready']) {
    const started = Date.now();
    await withLaunched(
      { image: WEBAPP, cmd, ready: waitFor.http('/status', { status: 200, body }), readyTimeoutMs: 15_000 },
      async (launched) => {
        assert.ok(Date.now() - started >= 1_000, 'not ready before the body matched');
        const { status, body: served } = await fetchBytes(launched.url, '/status');
        assert.is(status, 200);
        assert.is(served.toString(), 'ready\n');
      },
    );
  }
  // A status other than 200, asked for.
  await withLaunched(
    { image: WEBAPP, ready: waitFor.http('/no-such-page', { status: 404 }), readyTimeoutMs: 15_000 },
    async (launched) => {
      assert.is((await fetchBytes(launched.url, '/no-such-page')).status, 404);
    },
  );
});

it('http: a status or a body that never comes times out with the logs, and the container is removed', async (client) => {
  await assertTimesOut(
    client,
    { image: WEBAPP, name: uniqueName('http-status'), ready: waitFor.http('/missing'), readyTimeoutMs: 2_000 },
    { logLine: 'webapp: serving on port 80', waitingFor: ['HTTP GET /missing answering 200'] },
  );
  await assertTimesOut(
    client,
    {
      image: WEBAPP,
      name: uniqueName('http-body'),
      ready: waitFor.http('/', { body: /never in the page/ }),
      readyTimeoutMs: 2_000,
    },
    { logLine: 'webapp: serving on port 80', waitingFor: ['HTTP GET / answering 200 with a matching body'] },
  );
});

it('port: an app that sleeps before listening is not reported ready before it listens', async (client) => {
  const started = Date.now();
  await withLaunched(
    { image: WEBAPP, cmd: ['sh', '-c', 'sleep 1.2; exec /app/start'], ready: waitFor.port(), readyTimeoutMs: 15_000 },
    async (launched) => {
      assert.ok(
        Date.now() - started >= 1_200,
        `reported ready after ${Date.now() - started} ms, before the app could listen`,
      );
      // One attempt, no retry: it must answer now.
      const { status } = await fetchBytes(launched.url, '/');
      assert.is(status, 200);
      const tables = await client.container(launched.id).exec(['cat', '/proc/net/tcp', '/proc/net/tcp6']);
      assert.ok(listensOn(tables.stdout, 80));
    },
  );
});

it('port: an app that never listens times out with its logs', async (client) => {
  await assertTimesOut(
    client,
    {
      image: WEBAPP,
      name: uniqueName('port'),
      cmd: ['sh', '-c', 'echo "app: not listening today"; exec sleep 60'],
      ready: waitFor.port(),
      readyTimeoutMs: 2_000,
    },
    { logLine: 'app: not listening today', waitingFor: ['port 80 listening inside the container'] },
  );
  // Another port than the container port, also never listened on.
  await assertTimesOut(
    client,
    { image: WEBAPP, name: uniqueName('port-n'), ready: waitFor.port(8080), readyTimeoutMs: 2_000 },
    { logLine: 'webapp: serving on port 80', waitingFor: ['port 8080 listening inside the container'] },
  );
});

it('log: waits for the pattern the given number of times (stdout and stderr both count)', async () => {
  const cmd = [
    'sh',
    '-c',
    'echo "tick 1"; sleep 0.3; echo "tick 2" >&2; sleep 0.3; echo "tick 3"; sleep 0.8; echo "tick 4"; exec /app/start',
  ];
  const started = Date.now();
  await withLaunched(
    { image: WEBAPP, cmd, ready: waitFor.log(/^tick \d$/, 3), readyTimeoutMs: 15_000 },
    async (launched) => {
      const took = Date.now() - started;
      const logs = await launcher.logs(launched.name);
      const all = logs.stdout + logs.stderr;
      assert.ok(all.includes('tick 3'), `ready only after the third line (${took} ms): ${JSON.stringify(all)}`);
      assert.not.ok(all.includes('tick 4'), `ready at the third line, not later (${took} ms)`);
      assert.ok(logs.stderr.includes('tick 2'), 'the second line was on stderr');
    },
  );
});

it('log: fewer matching lines than asked times out with those lines in the error', async (client) => {
  const e = await assertTimesOut(
    client,
    {
      image: WEBAPP,
      name: uniqueName('log'),
      cmd: ['sh', '-c', 'for i in 1 2 3; do echo "tick $i"; done; exec sleep 60'],
      ready: waitFor.log(/tick/, 5),
      readyTimeoutMs: 2_000,
    },
    { logLine: 'tick 3', waitingFor: ['log line /tick/ 5 times'] },
  );
  assert.match(e.logsTail, /tick 1\ntick 2\ntick 3/);
});

const wgetHealthcheck = {
  test: ['CMD', 'wget', '-q', '-O-', 'http://127.0.0.1/'],
  intervalMs: 250,
  timeoutMs: 2_000,
  retries: 3,
};

it('healthy: waits for the healthcheck to report healthy', async (client) => {
  await withLaunched(
    { image: WEBAPP, healthcheck: wgetHealthcheck, ready: waitFor.healthy(), readyTimeoutMs: 20_000 },
    async (launched) => {
      const info = (await client.container(launched.id).inspect()) as { State: { Health?: { Status: string } } };
      assert.is(info.State.Health?.Status, 'healthy');
      assert.is((await fetchBytes(launched.url, '/')).status, 200);
    },
  );
});

it('healthy: a failing healthcheck fails the launch (unhealthy), and no healthcheck at all fails at once', async (client) => {
  const name = uniqueName('unhealthy');
  const err = await rejection(
    launcher.launch({
      image: WEBAPP,
      name,
      healthcheck: { test: ['CMD-SHELL', 'echo probe-says-no; exit 1'], intervalMs: 200, retries: 1 },
      ready: waitFor.healthy(),
      readyTimeoutMs: 15_000,
    }),
  );
  assert.instance(err, LaunchFailedError, String(err));
  const e = err as LaunchFailedError;
  assert.match(e.reason, /unhealthy/);
  assert.match(e.reason, /probe-says-no/);
  assert.ok(e.logsTail.includes('webapp: serving on port 80'), e.logsTail);
  assert.is(e.exitCode, undefined);
  assert.is(await containerExists(client, name), false);

  const bare = uniqueName('no-healthcheck');
  const started = Date.now();
  const noCheck = await rejection(
    launcher.launch({ image: WEBAPP, name: bare, ready: waitFor.healthy(), readyTimeoutMs: 15_000 }),
  );
  assert.instance(noCheck, LaunchFailedError, String(noCheck));
  assert.match((noCheck as LaunchFailedError).reason, /no healthcheck/);
  assert.ok(Date.now() - started < 10_000, 'failed without waiting for the deadline');
  assert.is(await containerExists(client, bare), false);
});

it('several checks: all must pass; the error names only those still pending', async (client) => {
  await withLaunched(
    {
      image: WEBAPP,
      inputText: '{"all":true}',
      healthcheck: wgetHealthcheck,
      ready: [
        waitFor.http('/input.json', { body: /"all":true/ }),
        waitFor.port(),
        waitFor.log(/serving on port 80/),
        waitFor.healthy(),
      ],
      readyTimeoutMs: 20_000,
    },
    async (launched) => {
      const info = (await client.container(launched.id).inspect()) as { State: { Health?: { Status: string } } };
      assert.is(info.State.Health?.Status, 'healthy', 'the slowest check (healthy) was waited for');
      assert.is((await fetchBytes(launched.url, '/input.json')).body.toString(), '{"all":true}');
    },
  );
  await assertTimesOut(
    client,
    {
      image: WEBAPP,
      name: uniqueName('combo'),
      ready: [waitFor.http('/'), waitFor.port(), waitFor.log(/never printed/)],
      readyTimeoutMs: 2_500,
    },
    { logLine: 'webapp: serving on port 80', waitingFor: ['log line /never printed/'] },
  );
});

it('keepOnFailure keeps a never-ready container for inspection', async (client) => {
  const name = uniqueName('kept');
  try {
    const err = await rejection(
      launcher.launch({
        image: WEBAPP,
        name,
        cmd: ['sh', '-c', 'echo "kept app here"; exec sleep 60'],
        ready: waitFor.port(),
        readyTimeoutMs: 1_500,
        keepOnFailure: true,
      }),
    );
    assert.instance(err, LaunchTimeoutError, String(err));
    const e = err as LaunchTimeoutError;
    assert.is(e.kept, true);
    assert.match(e.message, /kept for inspection/);
    assert.ok(e.logsTail.includes('kept app here'));
    assert.is(await containerExists(client, name), true, 'the container is still there');
    assert.is((await launcher.get(name))?.state, 'running');
    assert.ok((await launcher.logs(name)).stdout.includes('kept app here'));
  } finally {
    await launcher.remove(name).catch(() => {});
  }
  assert.is(await containerExists(client, name), false);
});

it('an app that exits at once, or while being waited for: LaunchFailedError with the exit code and its stderr', async (client) => {
  // Exits before the launcher can look at its ports.
  const quick = uniqueName('exit-now');
  const err = await rejection(
    launcher.launch({
      image: WEBAPP,
      name: quick,
      cmd: ['sh', '-c', 'echo "reading config"; echo "fatal: no config here" >&2; exit 3'],
      readyTimeoutMs: 10_000,
    }),
  );
  assert.instance(err, LaunchFailedError, String(err));
  const e = err as LaunchFailedError;
  assert.is(e.exitCode, 3);
  assert.match(e.reason, /code 3/);
  assert.ok(e.logsTail.includes('fatal: no config here'), JSON.stringify(e.logsTail));
  assert.ok(e.message.includes('fatal: no config here'));
  assert.is(e.kept, false);
  assert.is(await containerExists(client, quick), false);

  // Exits later, while the (default) HTTP check is polling.
  const late = uniqueName('exit-late');
  const started = Date.now();
  const lateErr = await rejection(
    launcher.launch({
      image: WEBAPP,
      name: late,
      cmd: ['sh', '-c', 'sleep 0.7; echo "fatal: database gone" >&2; exit 7'],
      readyTimeoutMs: 20_000,
    }),
  );
  assert.instance(lateErr, LaunchFailedError, String(lateErr));
  const l = lateErr as LaunchFailedError;
  assert.is(l.exitCode, 7);
  assert.ok(l.logsTail.includes('fatal: database gone'), JSON.stringify(l.logsTail));
  assert.equal(l.waitingFor, ['HTTP GET / answering anything']);
  assert.ok(Date.now() - started < 10_000, 'failed at the exit, not at the deadline');
  assert.is(await containerExists(client, late), false);
});

// ---------------------------------------------------------------- the handle

it('get and url by name; the labels a launched container carries', async () => {
  const name = uniqueName('handle');
  await withLaunched(
    { image: WEBAPP, name, memoryReservationMb: 12, labels: { 'harpoon.test.extra': 'x' } },
    async (launched) => {
      assert.is(launched.name, name);
      assert.match(launched.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.is(launched.url, `http://127.0.0.1:${launched.hostPort}`);
      assert.is(launched.containerPort, 80);
      assert.is(await launcher.url(name), launched.url);
      const info = await launcher.get(name);
      assert.ok(info);
      assert.is(info.id, launched.id);
      assert.is(info.name, name);
      assert.is(info.url, launched.url);
      assert.is(info.hostPort, launched.hostPort);
      assert.is(info.state, 'running');
      assert.is(info.image, WEBAPP);
      assert.is(info.memoryReservationMb, 12);
      assert.ok(Math.abs(info.lastActivity.getTime() - Date.now()) < 30_000);
      const labels = info.labels;
      assert.is(labels.harpoon, 'true');
      assert.is(labels['harpoon.launcher'], 'true');
      assert.is(labels['harpoon.launcher.port'], '80');
      assert.is(labels['harpoon.launcher.mem_reservation_mb'], '12');
      assert.is(labels['harpoon.launcher.session'], launcher.sessionId);
      assert.match(launcher.sessionId ?? '', /^[0-9a-f-]{36}$/);
      assert.is(labels['harpoon.test'], RUN_ID);
      assert.is(labels['harpoon.test.extra'], 'x');
      // By id too.
      assert.is((await launcher.get(launched.id))?.name, name);
      // Published on loopback only.
      const ports = (await launcher.client.container(launched.id).inspect()).NetworkSettings.Ports['80/tcp'];
      assert.equal(
        ports?.map((p) => p.HostIp),
        ['127.0.0.1'],
      );
    },
  );
  assert.is(await launcher.get(name), undefined);
  assert.instance(await rejection(launcher.url(name)), ContainerNotFoundError);
});

it('list shows only launched containers, never other containers with the same labels', async (client) => {
  const labels = caseLabels('list');
  const plainName = uniqueName('plain');
  const a = await launcher.launch({ image: WEBAPP, labels });
  const b = await launcher.launch({ image: WEBAPP, labels, ready: false });
  const made = await client.createContainer({ image: WEBAPP, cmd: ['sleep', '60'], labels });
  const plain = await client.docker.createContainer({
    Image: WEBAPP,
    Cmd: ['sleep', '60'],
    Labels: labels,
    name: plainName,
  });
  try {
    await made.start();
    await plain.start();
    const listed = await launcher.list(labels);
    assert.equal(listed.map((c) => c.name).sort(), [a.name, b.name].sort());
    assert.ok(listed.every((c) => c.state === 'running' && c.url?.startsWith('http://127.0.0.1:')));
    const everything = await launcher.list();
    assert.ok(everything.some((c) => c.id === a.id));
    assert.not.ok(
      everything.some((c) => c.id === made.id || c.id === plain.id),
      'list() without labels leaves them out too',
    );
    assert.is(await launcher.get(plainName), undefined);
    assert.is(await launcher.get(made.id), undefined);
  } finally {
    await Promise.all([a, b].map((c) => launcher.remove(c.name).catch(() => {})));
    await Promise.all([made.id, plain.id].map((id) => client.container(id).remove({ force: true, ifExists: true })));
  }
});

it('logs, stop and remove by name', async (client) => {
  const name = uniqueName('manage');
  const launched = await launcher.launch({ image: WEBAPP, name });
  try {
    await fetchBytes(launched.url, '/index.html');
    const logs = await launcher.logs(name);
    assert.ok(logs.stdout.includes('webapp: serving on port 80'), logs.stdout);
    // httpd -v logs one line per response: the readiness check's and this test's.
    assert.ok((logs.stderr.match(/response:200/g) ?? []).length >= 2, `httpd -v logged the requests: ${logs.stderr}`);
    const tail = await launcher.logs(name, { tail: 1 });
    assert.is((tail.stdout + tail.stderr).trim().split('\n').length, 1);

    await launcher.stop(name, { timeoutSeconds: 1 });
    const stopped = await launcher.get(name);
    assert.is(stopped?.state, 'exited');
    assert.is(stopped?.url, undefined);
    assert.instance(await rejection(launcher.url(name)), ContainerNotFoundError);
    await launcher.stop(name); // stopping a stopped one is fine

    await launcher.remove(name);
    assert.is(await containerExists(client, name), false);
    assert.is(await launcher.get(name), undefined);
    assert.instance(await rejection(launcher.remove(name)), ContainerNotFoundError);
  } finally {
    await client.container(launched.id).remove({ force: true, ifExists: true });
  }
});

it('NotManagedError for a container the launcher did not start, which survives', async (client) => {
  const madeName = uniqueName('not-mine');
  const plainName = uniqueName('not-mine-plain');
  const made = await client.createContainer({
    image: WEBAPP,
    name: madeName,
    cmd: ['sleep', '60'],
    labels: testLabels,
  });
  const plain = await client.docker.createContainer({
    Image: WEBAPP,
    Cmd: ['sleep', '60'],
    Labels: testLabels,
    name: plainName,
  });
  try {
    await made.start();
    for (const name of [madeName, plainName]) {
      const err = await rejection(launcher.remove(name));
      assert.instance(err, NotManagedError, String(err));
      assert.is((err as NotManagedError).containerName, name);
      assert.is((err as NotManagedError).code, 'NOT_MANAGED');
      assert.instance(await rejection(launcher.stop(name)), NotManagedError);
      assert.instance(await rejection(launcher.logs(name)), NotManagedError);
      assert.instance(await rejection(launcher.touch(name)), NotManagedError);
      assert.is(await containerExists(client, name), true, `${name} survives`);
    }
    assert.is((await client.container(madeName).inspect()).State.Running, true, 'still running');
  } finally {
    await Promise.all([made.id, plain.id].map((id) => client.container(id).remove({ force: true, ifExists: true })));
  }
});

it('writableDirs: a fresh volume per container and directory, removed with the container', async (client) => {
  const spec = { image: WEBAPP, writableDirs: ['/data', '/var/cache/app'] };
  const a = await launcher.launch(spec);
  const b = await launcher.launch(spec);
  try {
    const volumesOf = async (id: string) => {
      const mounts = (await client.container(id).inspect()).Mounts as Array<{
        Type: string;
        Name?: string;
        Destination: string;
      }>;
      return Object.fromEntries(
        mounts.filter((m) => m.Type === 'volume').map((m) => [m.Destination, m.Name as string]),
      );
    };
    const va = await volumesOf(a.id);
    const vb = await volumesOf(b.id);
    assert.equal(Object.keys(va).sort(), ['/data', '/var/cache/app']);
    assert.equal(Object.keys(vb).sort(), ['/data', '/var/cache/app']);
    const names = [...Object.values(va), ...Object.values(vb)];
    assert.is(new Set(names).size, 4, 'four distinct volumes');
    for (const volume of names) {
      const info = (await client.docker.getVolume(volume).inspect()) as { Labels?: Record<string, string> };
      assert.is(info.Labels?.['harpoon.test'], RUN_ID, 'volumes carry the launcher labels');
      assert.is(info.Labels?.harpoon, 'true');
    }
    // Writable, and not shared.
    const write = await client.container(a.id).exec(['sh', '-c', 'echo from-a > /data/note && cat /data/note']);
    assert.is(write.stdout, 'from-a\n', write.stderr);
    const other = await client.container(b.id).exec(['ls', '-A', '/data']);
    assert.is(other.stdout, '', 'b sees a fresh, empty /data');

    await launcher.remove(a.name);
    for (const volume of Object.values(va)) {
      const err = (await rejection(client.docker.getVolume(volume).inspect())) as { statusCode?: number };
      assert.is(err.statusCode, 404, `${volume} removed with its container`);
    }
    for (const volume of Object.values(vb)) await client.docker.getVolume(volume).inspect(); // b's are still there
    await launcher.remove(b.name);
    for (const volume of Object.values(vb)) {
      const err = (await rejection(client.docker.getVolume(volume).inspect())) as { statusCode?: number };
      assert.is(err.statusCode, 404);
    }
  } finally {
    await Promise.all([a, b].map((c) => launcher.remove(c.name).catch(() => {})));
  }
});

test.run();
