// Integration: `harpoon run-image NAME` as a real process, inside a project of this test's own
// (docker/base FROM scratch + the host's busybox, docker/app FROM <project>-base, both built by
// `harpoon build-image all`), its dockerutils.cfg giving app a bind volume, a port published on
// 127.0.0.1 only, an env section, a command and a gpu setting. Interactive runs go through a
// real pseudoterminal (node-pty). Containers carry this run's test label (args = -l ...) and
// are removed at the end, with the images.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HOST_BUSYBOX, type Harpoon } from 'harpoon';
import { addDock } from '../../src/cli/docks/store.ts';
import { cliEnv, HARPOON_BIN, harpoonCli, showResult, type CliResult } from '../helpers/cli.ts';
import { RUN_ID, TEST_LABEL } from '../helpers/engine.ts';
import { containerExists, engineTests, eventually, runContainers } from '../helpers/integration.ts';
import { PtySession } from '../helpers/pty.ts';

const USER = 'tester';
const root = mkdtempSync(join(tmpdir(), 'harpoon-cli-run-image-'));
const PROJECT = `hpr-${RUN_ID}`;
const projectDir = join(root, PROJECT);
const shared = join(projectDir, 'shared');
const configDir = join(root, 'docker-config');
const DOCK = `hpr-dock-${RUN_ID}`;
const APP = `${PROJECT}-app:${USER}`;
const sessions: PtySession[] = [];
let port = 0;
// busybox ash follows its prompt with terminal control sequences.
const PROMPT = /PROMPT> [^\n]*$/;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port: p } = server.address() as { port: number };
      server.close(() => resolve(p));
    });
  });
}

const CONFIG = [
  '[base]',
  `build_args = --label ${TEST_LABEL}=${RUN_ID}`,
  '',
  '[app]',
  `build_args = --label ${TEST_LABEL}=${RUN_ID}`,
  'volumes = -v {project_root}/shared:/shared',
  'ports = -p 127.0.0.1:${HARPOON_TEST_PORT}:8080',
  'env = app_env',
  "cmd = sh -c 'echo CMD-RAN-$$GREETING; exec sh'",
  "cmd_docked = sh -c 'echo DOCKED-CMD'",
  `args = -l ${TEST_LABEL}=${RUN_ID}`,
  'gpu = --gpus all',
  '',
  '[app_env]',
  'GREETING = hello',
  'PS1 = "PROMPT> "',
  'DB_PASSWORD = not-for-your-eyes',
];

const onEngine = await engineTests({
  ready: async () => {
    port = await freePort();
    mkdirSync(join(projectDir, 'docker', 'base'), { recursive: true });
    mkdirSync(join(projectDir, 'docker', 'app'), { recursive: true });
    mkdirSync(shared);
    writeFileSync(join(shared, 'hello.txt'), `hello from the host ${RUN_ID}\n`);
    copyFileSync(HOST_BUSYBOX, join(projectDir, 'busybox'));
    writeFileSync(
      join(projectDir, 'docker', 'base', 'Dockerfile'),
      'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\nCMD ["sh"]\n',
    );
    writeFileSync(
      join(projectDir, 'docker', 'app', 'Dockerfile'),
      `FROM ${PROJECT}-base:${USER}\nRUN echo app > /app.txt\n`,
    );
    writeFileSync(join(projectDir, 'docker', 'dockerutils.cfg'), `${CONFIG.join('\n')}\n`);
    mkdirSync(configDir);
    addDock(configDir, DOCK, 'unix:///var/run/docker.sock');
    const built = await harpoonCli(['build-image', 'all', '-q'], { env: env(), cwd: projectDir });
    if (built.code !== 0) throw new Error(`build-image all failed: ${showResult(built)}`);
  },
  after: () => {
    for (const session of sessions) session.kill();
    rmSync(root, { recursive: true, force: true });
  },
});

const it = onEngine;
const env = (extra: NodeJS.ProcessEnv = {}) =>
  cliEnv({ LOGNAME: USER, USER, HARPOON_TEST_PORT: String(port), DOCKER_CONFIG: configDir, ...extra });
const runImage = (args: string[], extra: NodeJS.ProcessEnv = {}): Promise<CliResult> =>
  harpoonCli(['run-image', ...args], { env: env(extra), cwd: projectDir });

/** `harpoon run-image ARGS` in a pseudoterminal, from the project folder. */
function ptyRunImage(args: string[]): PtySession {
  const [node, bin] = HARPOON_BIN;
  const quoted = args.map((a) => `'${a}'`).join(' ');
  const session = new PtySession(
    '/bin/sh',
    ['-c', `cd '${projectDir}' && exec '${node}' '${bin}' run-image ${quoted}`],
    { cols: 100, rows: 30 },
    env() as Record<string, string>,
  );
  sessions.push(session);
  return session;
}

/** The one container of this run made from `image` by run-image (running or not). */
async function appContainers(client: Harpoon): Promise<Array<{ Id: string; State: string; Names: string[] }>> {
  return (await runContainers(client)).filter((c) => c.Names.some((n) => n.startsWith(`/${USER}_app_`)));
}

it("in a PTY: the config's command, env, volume and 127.0.0.1 port in effect; --init; the exit code passed on; removed after", async (client) => {
  const s = ptyRunImage(['app']);
  try {
    await inPty(client, s);
  } finally {
    // A failure above leaves the shell running and holding the port: end it, for the tests after.
    s.kill();
    for (const c of await appContainers(client))
      await client
        .container(c.Id)
        .remove({ force: true })
        .catch(() => {});
  }
});

async function inPty(client: Harpoon, s: PtySession): Promise<void> {
  await s.waitFor(/CMD-RAN-hello/, { timeout: 30_000 });
  await s.waitFor(PROMPT);
  await s.type('stty size; tty\r', /30 100\r*\n\/dev\/pts\/\d+/);
  await s.type('cat /shared/hello.txt\r', new RegExp(`hello from the host ${RUN_ID}`));
  await s.type('echo "[$GREETING] [$DB_PASSWORD]"\r', /\[hello\] \[not-for-your-eyes\]/);
  // (What is typed is echoed: expect what only running it prints.)
  await s.type(
    'echo from-the-container > /shared/out.txt; httpd -p 8080 -h /shared && echo HTTPD-$((6*7))\r',
    /HTTPD-42/,
  );
  assert.is(
    readFileSync(join(shared, 'out.txt'), 'utf8'),
    'from-the-container\n',
    'the bind volume is the project folder',
  );

  // The published port answers on 127.0.0.1 and is bound there only.
  const res = await fetch(`http://127.0.0.1:${port}/hello.txt`);
  assert.is(await res.text(), `hello from the host ${RUN_ID}\n`);
  const [running] = await appContainers(client);
  assert.ok(running, 'a labelled container named <user>_app_<time>');
  const info = await client.container(running!.Id).inspect();
  assert.equal(info.NetworkSettings.Ports['8080/tcp'], [{ HostIp: '127.0.0.1', HostPort: String(port) }]);
  assert.equal(
    [info.HostConfig.Init, info.HostConfig.AutoRemove, info.Config.Tty, info.Config.OpenStdin],
    [true, true, true, true],
  );
  assert.is(info.Config.Labels?.harpoon, 'true');
  assert.is(info.HostConfig.DeviceRequests ?? null, null, 'no GPU without -g');

  await s.type('exit 5\r');
  assert.is((await s.exit(30_000)).exitCode, 5);
  assert.ok(await eventually(async () => !(await containerExists(client, running!.Id))), 'removed when it ends (--rm)');
}

it('the terminal hangs up (SIGHUP): harpoon exits 129 and the --rm container is stopped and removed', async (client) => {
  const s = ptyRunImage(['app']);
  try {
    await s.waitFor(PROMPT, { timeout: 30_000 });
    const [running] = await appContainers(client);
    assert.ok(running, "the session's container");
    s.pty.kill('SIGHUP');
    assert.is((await s.exit(30_000)).exitCode, 129);
    assert.ok(
      await eventually(async () => !(await containerExists(client, running!.Id))),
      'not left running after the terminal closed',
    );
  } finally {
    s.kill();
    for (const c of await appContainers(client))
      await client
        .container(c.Id)
        .remove({ force: true })
        .catch(() => {});
  }
});

it('-k: prints the id, the container keeps running detached (its -it shell stays up), kept after it stops', async (client) => {
  const r = await runImage(['app', '-k']);
  assert.is(r.code, 0, showResult(r));
  const id = r.stdout.trim();
  assert.match(id, /^[0-9a-f]{64}$/);
  assert.match(r.stderr, new RegExp(`^Started ${USER}_app_\\S+ in the background and kept: docker attach `));
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const info = await client.container(id).inspect();
  assert.is(info.State.Running, true, 'still running');
  assert.equal(
    [info.HostConfig.AutoRemove, info.Config.Tty, info.Config.OpenStdin, info.Config.StdinOnce],
    [false, true, true, false],
  );
  assert.is(info.Config.Labels?.[TEST_LABEL], RUN_ID);
  const exec = await client.container(id).exec(['sh', '-c', 'echo "$GREETING"; cat /shared/hello.txt']);
  assert.is(exec.stdout, `hello\nhello from the host ${RUN_ID}\n`);
  await client
    .container(id)
    .kill()
    .catch(() => {});
  assert.ok(await eventually(async () => !(await client.container(id).inspect()).State.Running));
  assert.ok(await containerExists(client, id), 'kept (no --rm)');
  await client.container(id).remove({ force: true });
});

it("-e a=b=c keeps b=c and wins over the config; -c replaces the command; the container's exit code; 127", async () => {
  const r = await runImage(
    [
      'app',
      '-e',
      'GREETING=a=b=c',
      '-e',
      'NEW=x=y',
      '-e',
      'HOST_ONLY',
      '-c',
      'sh -c \'echo "G=$GREETING N=$NEW H=$HOST_ONLY"; exit 3\'',
    ],
    { HOST_ONLY: 'from-host' },
  );
  assert.is(r.code, 3, showResult(r));
  assert.is(r.stdout, 'G=a=b=c N=x=y H=from-host\n');

  const missing = await runImage(['app', '-c', 'no-such-command']);
  assert.is(missing.code, 127, showResult(missing));
});

it('--print-command: the docker run line (secrets masked, gpu only with -g); nothing is run', async (client) => {
  const before = (await runContainers(client)).length;
  const r = await runImage(['app', '--print-command', '-e', 'X=a=b=c']);
  assert.is(r.code, 0, showResult(r));
  assert.is(r.stderr, '');
  const name = `${USER}_app_\\d\\d-\\d\\d-\\d\\d_\\d\\d\\.\\d\\d\\.\\d\\d`;
  assert.match(
    r.stdout,
    new RegExp(
      `^docker run --rm -it --init --name ${name} -e GREETING=hello -e 'PS1=PROMPT> ' -e 'DB_PASSWORD=\\*\\*\\*\\*' -e X=a=b=c ` +
        `--label ${TEST_LABEL}=${RUN_ID} --label harpoon=true -v ${shared}:/shared -p 127\\.0\\.0\\.1:${port}:8080 ${APP} sh -c 'echo CMD-RAN-\\$GREETING; exec sh'\n$`,
    ),
  );
  assert.not.ok(r.stdout.includes('not-for-your-eyes'));
  assert.not.match(r.stdout, /--gpus/);
  const gpu = await runImage(['app', '-g', '-k', '-n', 'none', '--print-command']);
  assert.match(gpu.stdout, /^docker run -d -it --init .* --network none --gpus all hpr-/);
  assert.is((await runContainers(client)).length, before, 'nothing created');
});

it("-g sends a GPU device request (never a runtime): on an engine without NVIDIA GPUs, the engine's refusal, exit 125", async (client) => {
  const r = await runImage(['app', '-g', '-c', 'true']);
  if (r.code === 0) return; // an engine with NVIDIA GPUs: nothing more to see here
  assert.is(r.code, 125, showResult(r));
  assert.match(r.stderr, /could not select device driver "nvidia"/);
  assert.is((await appContainers(client)).length, 0, 'the container that could not start is removed');
});

it('docked (a dock in use, or DOCKER_IP): the _docked variants apply', async () => {
  const viaContext = await harpoonCli(['--context', DOCK, 'run-image', 'app'], { env: env(), cwd: projectDir });
  assert.is(viaContext.code, 0, showResult(viaContext));
  assert.is(viaContext.stdout, 'DOCKED-CMD\n');
  const viaIp = await runImage(['app'], { DOCKER_IP: '127.0.0.1' });
  assert.is(viaIp.stdout, 'DOCKED-CMD\n', showResult(viaIp));
  const printed = await harpoonCli(['--context', DOCK, 'run-image', 'app', '--print-command'], {
    env: env(),
    cwd: projectDir,
  });
  assert.match(printed.stdout, new RegExp(`^docker --context ${DOCK} run .* sh -c 'echo DOCKED-CMD'\n$`));
  assert.is(
    printed.stderr,
    `# docked (dock ${DOCK} (--context)): the _docked settings of ${join(projectDir, 'docker', 'dockerutils.cfg')} apply\n`,
  );
});

it('config and project errors: exit 125 naming file and line; unknown images listed', async () => {
  const unset = await runImage(['app'], { HARPOON_TEST_PORT: undefined });
  assert.is(unset.code, 125, showResult(unset));
  assert.is(
    unset.stderr,
    `harpoon: ${join(projectDir, 'docker', 'dockerutils.cfg')} line 7, [app] ports: environment variable $HARPOON_TEST_PORT is not set\n`,
  );
  const unknown = await runImage(['nope']);
  assert.is(unknown.code, 125, showResult(unknown));
  assert.is(unknown.stderr, 'harpoon: Image "nope": the project has no such image. Valid: app, base\n');
  const badFlag = await runImage(['app', '-a', '--bogus']);
  assert.is(badFlag.code, 125, showResult(badFlag));
  assert.match(badFlag.stderr, /^harpoon run-image: -a: unknown or unsupported flag --bogus/);
});

test.run();
