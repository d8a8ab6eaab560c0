// `harpoon run -it` in a real pseudoterminal: size, resize, echo, exit code, detach, and the
// local terminal left exactly as it was found, on normal exit and when killed by a signal.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Harpoon } from 'harpoon';
import { buildBusybox, RUN_ID, TEST_LABEL } from '../helpers/engine.ts';
import { engineTests } from '../helpers/integration.ts';
import { HARPOON, PtySession } from '../helpers/pty.ts';

let client: Harpoon | undefined;
let image = '';
const sessions: PtySession[] = [];
// busybox ash follows its prompt with terminal control sequences (ESC[6n, ESC[J).
const PROMPT = /PROMPT> [^\n]*$/;

function harpoonRun(args: string[], size = { cols: 100, rows: 30 }): PtySession {
  const [file, ...rest] = HARPOON;
  const session = new PtySession(
    file!,
    [...rest, 'run', '-it', '-e', 'PS1=PROMPT> ', '--label', `${TEST_LABEL}=${RUN_ID}`, ...args],
    size,
  );
  sessions.push(session);
  return session;
}

/** A shell in the pty that records `stty -g` before and after running harpoon. */
function wrapped(harpoonArgs: string[]): PtySession {
  const quoted = [...HARPOON, 'run', '-it', '-e', 'PS1=PROMPT> ', '--label', `${TEST_LABEL}=${RUN_ID}`, ...harpoonArgs]
    .map((a) => `'${a}'`)
    .join(' ');
  // `exec` keeps the pid the inner shell printed, and harpoon stays in the foreground.
  const script = `echo "BEFORE[$(stty -g)]"; bash -c 'echo "PID[$$]"; exec "$@"' harpoon ${quoted}; echo "CODE[$?]"; echo "AFTER[$(stty -g)]"`;
  const session = new PtySession('/bin/bash', ['--norc', '--noprofile', '-c', script], { cols: 100, rows: 30 });
  sessions.push(session);
  return session;
}

const live = await engineTests({
  ready: async (c) => {
    client = c;
    image = await buildBusybox(c);
  },
  after: async () => {
    for (const session of sessions) session.kill();
  },
});

live('the container sees the terminal size, and a new size after a resize', async () => {
  const s = harpoonRun(['--rm', image, 'sh']);
  await s.waitFor(PROMPT);
  await s.type('stty size\r', /30 100\r*\n/);
  s.pty.resize(120, 40);
  // Give SIGWINCH a moment to reach harpoon and the engine.
  await new Promise((resolve) => setTimeout(resolve, 300));
  await s.type('stty size\r', /40 120\r*\n/);
  await s.type('exit 0\r');
  assert.is((await s.exit()).exitCode, 0);
});

live('typed input is echoed and evaluated; the exit code is passed on', async () => {
  const s = harpoonRun(['--rm', image, 'sh']);
  await s.waitFor(PROMPT);
  await s.type('echo hello-$((6*7))\r', /hello-42\r*\n/);
  assert.ok(s.output.includes('echo hello-$((6*7))'), 'the typed line is echoed back by the container TTY');
  await s.type('exit 3\r');
  assert.is((await s.exit()).exitCode, 3);
});

live('ctrl-p ctrl-q detaches, exits 0 and leaves the container running', async () => {
  const name = `harpoon-detach-${RUN_ID}`;
  const s = harpoonRun(['--name', name, image, 'sh']);
  await s.waitFor(PROMPT);
  s.pty.write('\x10');
  await new Promise((resolve) => setTimeout(resolve, 100));
  s.pty.write('\x11');
  assert.is((await s.exit()).exitCode, 0);
  const state = await client!.container(name).inspect();
  assert.is(state.State.Running, true);
  await client!.container(name).remove({ force: true });
});

live('ctrl-p followed by another key is not a detach: both keys reach the container', async () => {
  const s = harpoonRun(['--rm', image, 'sh', '-c', 'stty raw -echo; head -c 2 | od -An -tx1; stty sane']);
  await new Promise((resolve) => setTimeout(resolve, 500));
  s.pty.write('\x10x');
  await s.waitFor(/10 78/);
  assert.is((await s.exit()).exitCode, 0);
});

live('the local terminal is restored after a normal exit', async () => {
  const s = wrapped(['--rm', image, 'sh', '-c', 'exit 4']);
  await s.waitFor(/AFTER\[[^\]]*\]/);
  const before = /BEFORE\[([^\]]*)\]/.exec(s.output)![1];
  const after = /AFTER\[([^\]]*)\]/.exec(s.output)![1];
  assert.is(after, before);
  assert.match(s.output, /CODE\[4\]/);
});

live('SIGTERM and SIGINT restore the terminal, exit 128+n, and remove a --rm container', async () => {
  for (const [signal, code] of [
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const) {
    const name = `harpoon-signal-${signal.toLowerCase()}-${RUN_ID}`;
    const s = wrapped(['--rm', '--name', name, image, 'sh']);
    const pid = Number((await s.waitFor(/PID\[(\d+)\]/))[1]);
    await s.waitFor(PROMPT);
    process.kill(pid, signal);
    await s.waitFor(/AFTER\[[^\]]*\]/);
    const before = /BEFORE\[([^\]]*)\]/.exec(s.output)![1];
    const after = /AFTER\[([^\]]*)\]/.exec(s.output)![1];
    assert.is(after, before, `terminal restored after ${signal}`);
    assert.match(s.output, new RegExp(`CODE\\[${code}\\]`), s.output);
    const left = await client!.docker.listContainers({ all: true, filters: JSON.stringify({ name: [name] }) });
    assert.is(left.length, 0, `container removed after ${signal}`);
  }
});

live('-it with a stdin that is not a terminal is refused with exit 1', async () => {
  const { spawnSync } = await import('node:child_process');
  const [file, ...rest] = HARPOON;
  const result = spawnSync(file!, [...rest, 'run', '-it', '--rm', image, 'true'], { input: '', encoding: 'utf8' });
  assert.is(result.status, 1);
  assert.match(result.stderr, /input device is not a TTY/);
});

test.run();
