// Integration: the orchestrator's checks and startup waits (src/orchestrator/checks) against the
// real engine. Apps are busybox httpd containers publishing port 80 on 127.0.0.1 (a random host
// port); nothing connects anywhere else. Every container carries this run's test label.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AbortedError, type Harpoon } from 'harpoon';
import { runDaemonCheck } from '../../src/orchestrator/checks/daemon.ts';
import { runJobCheck } from '../../src/orchestrator/checks/job.ts';
import { StartupError, waitForStartup } from '../../src/orchestrator/checks/startup.ts';
import type { DaemonCheck, JobCheck, StartupSpec } from '../../src/orchestrator/model.ts';
import { buildBusybox, RUN_ID, testLabels } from '../helpers/engine.ts';
import { engineTests, rejection } from '../helpers/integration.ts';

let image = '';
const it = await engineTests({
  ready: async (client) => void (image = await buildBusybox(client, 'harpoon-test-orch-checks')),
});

const source = { file: 'test.yaml', line: 1 };
let counter = 0;
const uniqueName = (what: string) => `hoc-${RUN_ID}-${what}-${++counter}`;

const PAGE = 'hello from <harpoon> & co';
/** A shell script serving PAGE at / with busybox httpd, after `delay` seconds. */
const httpd = (delay = 0) =>
  `${delay ? `sleep ${delay}; ` : ''}mkdir -p /www && echo '${PAGE}' > /www/index.html && exec httpd -f -p 80 -h /www`;

/** Create and start a labelled container running `sh -c script`; port 80 published on 127.0.0.1 unless `publish: false`. */
async function start(
  client: Harpoon,
  what: string,
  script: string,
  options: { publish?: boolean; healthcheck?: string[]; retries?: number } = {},
): Promise<string> {
  const name = uniqueName(what);
  const publish = options.publish !== false;
  const container = await client.createContainer({
    image,
    name,
    cmd: ['sh', '-c', script],
    labels: testLabels,
    hostConfig: publish ? { PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } } : {},
    extra: {
      ...(publish ? { ExposedPorts: { '80/tcp': {} } } : {}),
      ...(options.healthcheck
        ? {
            Healthcheck: {
              Test: options.healthcheck,
              Interval: 200_000_000,
              Timeout: 1_000_000_000,
              Retries: options.retries ?? 50,
            },
          }
        : {}),
    },
  });
  await container.start();
  return name;
}

const daemon = (fields: Partial<DaemonCheck>): DaemonCheck => ({
  kind: 'daemon',
  name: 'home',
  port: 80,
  path: '/',
  status: 200,
  timeoutSeconds: 10,
  source,
  ...fields,
});
const job = (fields: Partial<JobCheck>): JobCheck => ({
  kind: 'job',
  name: 'done',
  exitCode: 0,
  timeoutSeconds: 10,
  source,
  ...fields,
});
const startup = (fields: Partial<StartupSpec>): StartupSpec => ({ waitHealthy: false, timeoutSeconds: 20, ...fields });

// ---------------------------------------------------------------- daemon checks

it('daemon: the published port answers 200 with a matching body → passed', async (client) => {
  const name = await start(client, 'web', httpd());
  const result = await runDaemonCheck(client, name, daemon({ body: 'hello from <harpoon>' }));
  assert.ok(result.passed, result.message);
  assert.is(result.name, 'home');
  assert.is(result.container, name);
  assert.is(result.kind, 'daemon');
  assert.match(result.message, /^GET http:\/\/127\.0\.0\.1:\d+\/: status 200, body matches/);
  assert.ok(result.durationMs >= 0 && result.durationMs < 10_000, String(result.durationMs));
});

it('daemon: a url is used as it is', async (client) => {
  const name = await start(client, 'web-url', httpd());
  const ports = (await client.container(name).inspect()).NetworkSettings.Ports as Record<
    string,
    Array<{ HostIp: string; HostPort: string }>
  >;
  const hostPort = ports['80/tcp']!.find((b) => b.HostIp === '127.0.0.1')!.HostPort;
  const result = await runDaemonCheck(
    client,
    name,
    daemon({ port: undefined, url: `http://127.0.0.1:${hostPort}/index.html`, body: '^hello' }),
  );
  assert.ok(result.passed, result.message);
  assert.ok(result.message.includes(`127.0.0.1:${hostPort}/index.html`), result.message);
});

it('daemon: a wrong status fails after the timeout, saying which status and body it saw', async (client) => {
  const name = await start(client, 'web-404', httpd());
  const started = Date.now();
  const result = await runDaemonCheck(client, name, daemon({ path: '/missing.html', timeoutSeconds: 1.5 }));
  assert.not.ok(result.passed);
  assert.ok(Date.now() - started >= 1400, 'retried until the timeout');
  assert.match(result.message, /wanted status 200/);
  assert.match(result.message, /last saw status 404, body "/);
  assert.ok(result.message.includes('/missing.html'), result.message);
});

it('daemon: a body that does not match fails, quoting the first 200 characters', async (client) => {
  const name = await start(client, 'web-body', httpd());
  const result = await runDaemonCheck(client, name, daemon({ body: 'goodbye', timeoutSeconds: 1 }));
  assert.not.ok(result.passed);
  assert.match(result.message, /wanted status 200 and a body matching \/goodbye\//);
  assert.ok(result.message.includes(`last saw status 200, body ${JSON.stringify(`${PAGE}\n`)}`), result.message);
});

it('daemon: a long body is cut at 200 characters in the message', async (client) => {
  const long = 'x'.repeat(500);
  const name = await start(
    client,
    'web-long',
    `mkdir -p /www && echo ${long} > /www/index.html && exec httpd -f -p 80 -h /www`,
  );
  const result = await runDaemonCheck(client, name, daemon({ body: 'y', timeoutSeconds: 1 }));
  assert.not.ok(result.passed);
  assert.ok(result.message.includes(`body "${'x'.repeat(200)}…"`), result.message);
  assert.not.ok(result.message.includes('x'.repeat(201)));
  assert.match(result.details ?? '', /^last body/);
});

it('daemon: a port not published on 127.0.0.1 fails at once, saying so', async (client) => {
  const name = await start(client, 'web-unpublished', httpd(), { publish: false });
  const started = Date.now();
  const result = await runDaemonCheck(client, name, daemon({ timeoutSeconds: 10 }));
  assert.not.ok(result.passed);
  assert.ok(Date.now() - started < 3000, 'no waiting: no retry can publish it');
  assert.match(result.message, /container port 80\/tcp is not published on 127\.0\.0\.1/);
  // Another port of a publishing container: the same.
  const web = await start(client, 'web-81', httpd());
  const other = await runDaemonCheck(client, web, daemon({ port: 81 }));
  assert.not.ok(other.passed);
  assert.match(other.message, /81\/tcp is not published on 127\.0\.0\.1/);
});

it('daemon: an app that serves only after 2 s passes within the timeout', async (client) => {
  const name = await start(client, 'web-slow', httpd(2));
  const result = await runDaemonCheck(client, name, daemon({ body: 'hello', timeoutSeconds: 15 }));
  assert.ok(result.passed, result.message);
  assert.ok(result.durationMs >= 1500, `took ${result.durationMs} ms: it cannot have answered before the app listened`);
  assert.match(result.message, /\(attempt ([2-9]|\d\d+)\)/);
});

it('daemon: a slow app past the timeout fails with the connection error it last saw', async (client) => {
  const name = await start(client, 'web-too-slow', httpd(20));
  const result = await runDaemonCheck(client, name, daemon({ timeoutSeconds: 1 }));
  assert.not.ok(result.passed);
  assert.match(result.message, /last saw no answer: /);
});

it('daemon: a container that has exited fails at once', async (client) => {
  const name = await start(client, 'web-dead', 'exit 3');
  await client.container(name).wait();
  const result = await runDaemonCheck(client, name, daemon({ timeoutSeconds: 10 }));
  assert.not.ok(result.passed);
  assert.match(result.message, /is not running \(exited, exit code 3\)/);
});

// ---------------------------------------------------------------- job checks

it('job: exit 0 and a log match (stdout and stderr alike) → passed', async (client) => {
  // The engine timestamps each stream as it reads it: lines written to stdout and stderr within
  // the same instant may come out in either order, so the steps are 0.2 s apart.
  const name = await start(
    client,
    'job-ok',
    'echo step one; sleep 0.2; echo warning: it went fine >&2; sleep 0.2; echo all done',
    { publish: false },
  );
  const result = await runJobCheck(client, name, job({ log: 'warning: it went fine' }));
  assert.ok(result.passed, result.message);
  assert.is(result.kind, 'job');
  assert.is(result.message, 'exit code 0, output matches /warning: it went fine/');
  const both = await runJobCheck(client, name, job({ log: 'step one\\nwarning: it went fine\\nall done' }));
  assert.ok(both.passed, `stdout and stderr in order: ${both.message} ${both.details}`);
});

it('job: a wrong exit code fails, with the last output', async (client) => {
  const name = await start(client, 'job-code', 'echo trying; echo cannot open db >&2; exit 3', { publish: false });
  const result = await runJobCheck(client, name, job({ log: 'trying' }));
  assert.not.ok(result.passed);
  assert.is(result.message, 'exit code 3, wanted 0');
  assert.match(result.details ?? '', /cannot open db/);
  const three = await runJobCheck(client, name, job({ exitCode: 3 }));
  assert.ok(three.passed, three.message);
});

it('job: output that does not match fails', async (client) => {
  const name = await start(client, 'job-log', 'echo something else', { publish: false });
  const result = await runJobCheck(client, name, job({ log: '^imported \\d+ rows$' }));
  assert.not.ok(result.passed);
  assert.match(result.message, /^exit code 0, but no output matches/);
  assert.match(result.details ?? '', /something else/);
});

it('job: one still running at the timeout fails, saying so', async (client) => {
  const name = await start(client, 'job-slow', 'echo working; sleep 30', { publish: false });
  const started = Date.now();
  const result = await runJobCheck(client, name, job({ timeoutSeconds: 1 }));
  assert.not.ok(result.passed);
  assert.ok(Date.now() - started < 5000);
  assert.match(result.message, /still running after 1s/);
  assert.match(result.details ?? '', /working/);
});

it('job: waits for a job that is still running to exit', async (client) => {
  const name = await start(client, 'job-wait', 'sleep 1; echo finished', { publish: false });
  const result = await runJobCheck(client, name, job({ log: 'finished' }));
  assert.ok(result.passed, result.message);
  assert.ok(result.durationMs >= 500, String(result.durationMs));
});

it('checks: a missing container and a bad regex are failed results, not crashes', async (client) => {
  const missing = await runJobCheck(client, uniqueName('nobody'), job({}));
  assert.not.ok(missing.passed);
  assert.match(missing.message, /does not exist/);
  const name = await start(client, 'job-regex', 'true', { publish: false });
  const bad = await runJobCheck(client, name, job({ log: '(' }));
  assert.not.ok(bad.passed);
  assert.match(bad.message, /bad regular expression/);
});

// ---------------------------------------------------------------- startup waits

it('startup: resolves when the log line appears', async (client) => {
  const since = Math.floor(Date.now() / 1000);
  const name = await start(client, 'up-log', 'echo booting; sleep 1; echo server ready on 80; sleep 30', {
    publish: false,
  });
  const started = Date.now();
  const waited = await waitForStartup(client, name, startup({ waitLog: 'ready on \\d+' }), { since });
  assert.ok(Date.now() - started >= 500, 'waited for the line');
  assert.match(waited ?? '', /^log \/ready on \\d\+\/ seen after \d+\.\ds$/);
});

it('startup: nothing to wait for resolves at once to undefined', async (client) => {
  const name = await start(client, 'up-none', 'sleep 30', { publish: false });
  assert.is(await waitForStartup(client, name, startup({})), undefined);
});

it('startup: a container that dies while waiting for its log fails at once, with exit code and last lines', async (client) => {
  const name = await start(client, 'up-dies', 'echo booting; sleep 1; echo fatal: no config file >&2; exit 4', {
    publish: false,
  });
  const started = Date.now();
  const err = await rejection(waitForStartup(client, name, startup({ waitLog: 'ready', timeoutSeconds: 30 })));
  assert.instance(err, StartupError);
  const e = err as StartupError;
  assert.ok(Date.now() - started < 6000, `failed after ${Date.now() - started} ms, not at the timeout`);
  assert.is(e.code, 'STARTUP_FAILED');
  assert.is(e.reason, 'exited');
  assert.is(e.exitCode, 4);
  assert.is(e.container, name);
  assert.match(e.logTail, /booting\nfatal: no config file/);
  assert.match(e.message, /exited with code 4 while waiting for a log line matching \/ready\//);
  assert.match(e.message, /fatal: no config file/);
});

it('startup: a log line that never comes times out', async (client) => {
  const name = await start(client, 'up-timeout', 'echo still booting; sleep 30', { publish: false });
  const err = await rejection(waitForStartup(client, name, startup({ waitLog: 'ready', timeoutSeconds: 1 })));
  assert.instance(err, StartupError);
  assert.is((err as StartupError).reason, 'timeout');
  assert.equal((err as StartupError).waitingFor, ['a log line matching /ready/']);
  assert.match((err as StartupError).message, /did not start within 1s/);
  assert.match((err as StartupError).logTail, /still booting/);
});

it('startup: output from before `since` is not taken for this run', async (client) => {
  const name = await start(client, 'up-since', 'echo ready early; sleep 30', { publish: false });
  await new Promise((resolve) => setTimeout(resolve, 2100));
  const err = await rejection(
    waitForStartup(client, name, startup({ waitLog: 'ready', timeoutSeconds: 1 }), {
      since: Math.floor(Date.now() / 1000),
    }),
  );
  assert.instance(err, StartupError);
  assert.is((err as StartupError).reason, 'timeout');
  assert.ok(await waitForStartup(client, name, startup({ waitLog: 'ready' })), 'without since, the line is there');
});

it('startup: wait_exit resolves on the expected code, fails on another', async (client) => {
  const ok = await start(client, 'up-job', 'sleep 1; echo migrated', { publish: false });
  assert.match((await waitForStartup(client, ok, startup({ waitExit: 0 }))) ?? '', /^exited with 0 after/);
  const bad = await start(client, 'up-job-bad', 'echo migration failed >&2; exit 2', { publish: false });
  const err = await rejection(waitForStartup(client, bad, startup({ waitExit: 0 })));
  assert.instance(err, StartupError);
  assert.is((err as StartupError).reason, 'exit-code');
  assert.is((err as StartupError).exitCode, 2);
  assert.match((err as StartupError).logTail, /migration failed/);
});

it('startup: wait_healthy resolves once the healthcheck passes; no healthcheck is an error', async (client) => {
  const name = await start(client, 'up-healthy', 'sleep 1; touch /ok; sleep 30', {
    publish: false,
    healthcheck: ['CMD-SHELL', 'test -f /ok'],
  });
  assert.match((await waitForStartup(client, name, startup({ waitHealthy: true }))) ?? '', /^healthy after/);
  const plain = await start(client, 'up-nohealth', 'sleep 30', { publish: false });
  const err = await rejection(waitForStartup(client, plain, startup({ waitHealthy: true })));
  assert.instance(err, StartupError);
  assert.is((err as StartupError).reason, 'no-healthcheck');
});

it('startup: an unhealthy container fails at once, with the last healthcheck output', async (client) => {
  const name = await start(client, 'up-unhealthy', 'sleep 30', {
    publish: false,
    healthcheck: ['CMD-SHELL', 'echo db unreachable; exit 1'],
    retries: 1,
  });
  const err = await rejection(waitForStartup(client, name, startup({ waitHealthy: true, timeoutSeconds: 30 })));
  assert.instance(err, StartupError);
  assert.is((err as StartupError).reason, 'unhealthy');
  assert.match((err as StartupError).message, /reports unhealthy \(last check output: db unreachable\)/);
});

it('startup: dying while waiting to be healthy fails at once', async (client) => {
  const name = await start(client, 'up-health-dies', 'sleep 1; echo crashed >&2; exit 5', {
    publish: false,
    healthcheck: ['CMD-SHELL', 'test -f /ok'],
  });
  const started = Date.now();
  const err = await rejection(waitForStartup(client, name, startup({ waitHealthy: true, timeoutSeconds: 30 })));
  assert.instance(err, StartupError);
  assert.ok(Date.now() - started < 6000);
  assert.is((err as StartupError).exitCode, 5);
  assert.match((err as StartupError).logTail, /crashed/);
});

it('startup: an aborted signal rejects with AbortedError', async (client) => {
  const name = await start(client, 'up-abort', 'sleep 30', { publish: false });
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 300);
  const err = await rejection(
    waitForStartup(client, name, startup({ waitLog: 'never', timeoutSeconds: 30 }), { signal: controller.signal }),
  );
  assert.instance(err, AbortedError);
});

test.run();
