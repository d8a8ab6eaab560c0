// Lesson 07: a project of images, driven through the `harpoon` command as a user would.
//
// A project is a folder holding docker/: one image per docker/NAME/Dockerfile, each built with
// the project root as context and named <project>-NAME:<tag>, and docker/dockerutils.cfg for
// the settings (dockerutils' conventions, which harpoon's project commands follow). Here:
//   docker/base/Dockerfile   FROM scratch + the host's busybox
//   docker/app/Dockerfile    FROM the base, so `build-image all` builds base first
//   docker/dockerutils.cfg   tags, labels, and how `run-image app` runs the app
// The lesson builds both, runs the app in a real pseudoterminal (node-pty) and types into it,
// then adds a second engine as a dock and transfers the app image there, twice: the second
// time nothing is sent. It cleans up on both engines, with the CLI and by label.
//
// It needs the second engine of scripts/engine2.sh ("dock2", in a network namespace of its own,
// on unix:///var/run/harpoon-dock2.sock; HARPOON_ENGINE2_HOST names another).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node-pty';
import { Harpoon, HOST_BUSYBOX } from 'harpoon';
import { LESSON_ID, lessonLabels } from './whalesay.ts';

const DOCK2 = process.env.HARPOON_ENGINE2_HOST ?? 'unix:///var/run/harpoon-dock2.sock';
const BIN = join(import.meta.dirname, '..', 'dist', 'cli', 'bin.js'); // the `harpoon` executable (npm run build makes it)

// The second engine first: without it there is nothing to transfer to.
const client2 = await Harpoon.connect({ host: DOCK2 }).catch((err: Error) => {
  console.error(`The second engine does not answer at ${DOCK2}: ${err.message.split('\n')[0]}`);
  console.error(
    'Start it with `bash scripts/engine2.sh` (as root; run `bash scripts/engine.sh` first), then run this lesson again.',
  );
  process.exit(1);
});

// A private docker config folder: `harpoon dock add` writes a docker context there, so your own
// contexts (~/.docker) are never touched. Set before connecting, so that this script and the
// `harpoon` processes it starts choose the engine the same way.
const work = mkdtempSync(join(tmpdir(), 'harpoon-lesson07-'));
process.env.DOCKER_CONFIG = join(work, 'docker-config');
const client = await Harpoon.connect().catch((err: unknown) => {
  rmSync(work, { recursive: true, force: true });
  throw err;
});

// --- The project --------------------------------------------------------------------------------
const project = join(work, 'lesson07'); // the folder's name is the project's: images lesson07-NAME
const APP = `lesson07-app:${LESSON_ID}`;
const port = await freePort();
process.env.LESSON07_PORT = String(port); // for the config's ports = -p 127.0.0.1:${LESSON07_PORT}:8080
const files: Record<string, string> = {
  'docker/base/Dockerfile': [
    '# The base: nothing but a static busybox (the build context is the project root).',
    'FROM scratch',
    'COPY busybox /bin/busybox',
    'RUN ["/bin/busybox", "--install", "-s", "/bin"]',
    'CMD ["sh"]',
  ].join('\n'),
  'docker/app/Dockerfile': [
    '# FROM another image of the project: build-image all builds that one first.',
    `FROM lesson07-base:${LESSON_ID}`,
    'COPY docker/app/motd /etc/motd',
  ].join('\n'),
  'docker/app/motd': 'Welcome to the app image (built FROM the base).',
  'docker/dockerutils.cfg': [
    '# One section per image. Comments are whole lines; values are split as a shell would.',
    '[base]',
    '# tag: images are <project>-<image>:<tag>, and the tag defaults to your login name.',
    `tag = ${LESSON_ID}`,
    '# build_args: docker build flags; this label lets the lesson find what it made.',
    `build_args = --label harpoon.lesson=${LESSON_ID}`,
    '',
    '[app]',
    `tag = ${LESSON_ID}`,
    `build_args = --label harpoon.lesson=${LESSON_ID}`,
    "# env: the section whose keys become the container's environment.",
    'env = app_env',
    '# volumes: as docker run -v; {project_root} is the folder holding docker/.',
    'volumes = -v {project_root}/shared:/shared',
    '# ports: as docker run -p, on 127.0.0.1 only; $LESSON07_PORT comes from the environment',
    '# of `harpoon run-image` (unset, it is an error naming this file and line).',
    'ports = -p 127.0.0.1:${LESSON07_PORT}:8080',
    "# cmd: the command instead of the image's CMD ($$ would be a literal $).",
    "cmd = sh -c 'cat /etc/motd; exec sh'",
    '# args: any other docker run flags; the label again, for the containers.',
    `args = -l harpoon.lesson=${LESSON_ID}`,
    '',
    '[app_env]',
    'GREETING = "hello from dockerutils.cfg"',
    'PS1 = "app$$ "',
  ].join('\n'),
  'shared/note.txt': 'A note from the host, through the volume.',
};
for (const [path, text] of Object.entries(files)) {
  mkdirSync(join(project, path, '..'), { recursive: true });
  writeFileSync(join(project, path), `${text}\n`);
}
copyFileSync(HOST_BUSYBOX, join(project, 'busybox'));
console.log(`The project, in ${project}:`);
for (const [path, text] of Object.entries(files)) console.log(`\n--- ${path}\n${text}`);

try {
  // --- Build all: base, then app (FROM base). REFERENCE ID lines on stdout, progress on stderr.
  harpoon(['build-image', 'all']);

  // --- Run the app in a pseudoterminal, as from a terminal: docker run --init --rm -it, with
  //     the config's env, volume, port and cmd. --print-command first shows that as a docker
  //     command line, and runs nothing. Then the real thing: what we type arrives as typed.
  console.log(`\n$ export LESSON07_PORT=${port}`);
  harpoon(['run-image', 'app', '--print-command']);
  console.log('\n$ harpoon run-image app      (in a pseudoterminal, 80x24)');
  const session = spawn(process.execPath, [BIN, 'run-image', 'app'], {
    name: 'xterm',
    cols: 80,
    rows: 24,
    cwd: project,
    env: process.env as Record<string, string>,
  });
  let screen = '';
  session.onData((data) => (screen += data));
  const exited = new Promise<number>((resolve) => session.onExit(({ exitCode }) => resolve(exitCode)));
  /** Type a line (Enter is \r on a terminal) and wait for what only running it prints. */
  const type = async (line: string, expect: RegExp) => {
    // busybox ash ends its prompt with terminal queries (ESC[6n) and reads the replies: keys
    // typed before the screen is quiet can be taken as a reply. A person types that slowly anyway.
    await quiet();
    const from = screen.length;
    session.write(`${line}\r`);
    await until(
      () => expect.test(screen.slice(from)),
      () => `no ${expect} after typing ${line}:\n${screen}`,
    );
  };
  /** Until nothing new has arrived for 200 ms. */
  const quiet = async () => {
    let seen = -1;
    await until(
      () => {
        if (screen.length === seen) return true;
        seen = screen.length;
        return false;
      },
      () => `the terminal never went quiet:\n${screen}`,
      30_000,
      200,
    );
  };
  await until(
    () => /app\$ /.test(screen),
    () => `no prompt:\n${screen}`,
  );
  await type('echo "$GREETING"; cat /shared/note.txt', /through the volume/);
  await type('echo "written in the container" > /shared/reply.txt', /\napp\$ /); // the next prompt
  await type('httpd -p 8080 -h /shared && echo "httpd: $((6 * 7)) is up"', /42 is up/);
  // The published port, from this side: 127.0.0.1 only.
  const served = await (await fetch(`http://127.0.0.1:${port}/note.txt`)).text();
  session.write('exit 3\r');
  const code = await exited;
  console.log(terminalText(screen));
  console.log(`\nrun-image exited with code ${code} (the shell's), and removed its container.`);
  console.log(`From the host, GET http://127.0.0.1:${port}/note.txt -> ${served.trim()}`);
  console.log(
    `From the host, shared/reply.txt -> ${readFileSync(join(project, 'shared', 'reply.txt'), 'utf8').trim()}`,
  );

  // --- A dock: another engine, stored as a docker context (`docker --context dock2` sees it too).
  harpoon(['dock', 'add', 'dock2', DOCK2]);
  harpoon(['dock', 'ls']);

  // --- Transfer: this engine's save stream straight into dock2's load. The second time, dock2
  //     already has that image id: nothing is sent.
  harpoon(['transfer-image', APP, 'dock2', '--print-command']);
  harpoon(['transfer-image', APP, 'dock2']);
  harpoon(['--context', 'dock2', 'run', '--rm', '-l', `harpoon.lesson=${LESSON_ID}`, APP, 'cat', '/etc/motd']);
  harpoon(['transfer-image', APP, 'dock2']);

  // --- Clean up with the CLI: `build-image clean` removes the project images harpoon built
  //     (label harpoon.image=true) and no others; --context dock2 does it there.
  harpoon(['build-image', 'clean']);
  harpoon(['--context', 'dock2', 'build-image', 'clean']);
  harpoon(['dock', 'rm', 'dock2']);

  let left = 0;
  for (const engine of [client, client2]) {
    const found = await engine.listManaged(lessonLabels);
    left += found.containers.length + found.images.length + found.volumes.length + found.networks.length;
  }
  console.log(`\nAfter: ${left} left.`);
  if (left !== 0) process.exitCode = 1;
} finally {
  // Whatever an error left behind, by this lesson's label only, on both engines.
  await client.removeManaged(lessonLabels);
  await client2.removeManaged(lessonLabels);
  rmSync(work, { recursive: true, force: true });
}

/** `harpoon ARGS` from the project folder, as typed at a prompt; its stdout and stderr shown apart. */
function harpoon(args: string[]): string {
  console.log(`\n$ harpoon ${args.join(' ')}`);
  const run = spawnSync(process.execPath, [BIN, ...args], { cwd: project, encoding: 'utf8', env: process.env });
  for (const [stream, text] of [
    ['stderr', run.stderr],
    ['stdout', run.stdout],
  ] as const) {
    for (const line of text.split('\n').slice(0, -1)) console.log(`  ${stream}| ${line}`);
  }
  if (run.status !== 0) throw new Error(`harpoon ${args.join(' ')} exited with ${run.status}`);
  return run.stdout;
}

/** What a terminal would show: colour and cursor sequences dropped, each \r honoured. */
function terminalText(raw: string): string {
  return raw
    .replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '')
    .trimEnd()
    .split(/\r*\n/)
    .map((line) => `  | ${line.slice(line.lastIndexOf('\r') + 1)}`)
    .join('\n');
}

async function until(done: () => boolean, why: () => string, timeoutMs = 30_000, everyMs = 20): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !done(); await new Promise((resolve) => setTimeout(resolve, everyMs))) {
    if (Date.now() > deadline) throw new Error(why());
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port: free } = server.address() as { port: number };
      server.close(() => resolve(free));
    });
  });
}
