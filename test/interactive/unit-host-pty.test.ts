// `execute` with type host and `interactive: true`: the command runs on this machine in a real
// pseudoterminal (node-pty), with harpoon's terminal lent to it: it sees a tty of the same
// size, what is typed reaches it, and its exit code decides the order.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { engineTests } from '../helpers/integration.ts';
import { HARPOON, PtySession } from '../helpers/pty.ts';

const conf = mkdtempSync(join(tmpdir(), 'harpoon-unit-pty-'));
const sessions: PtySession[] = [];
const live = await engineTests({
  after: async () => {
    for (const session of sessions) session.kill();
    rmSync(conf, { recursive: true, force: true });
  },
});

mkdirSync(join(conf, 'units', 'desk'), { recursive: true });
// YAML single quotes: the shell's double quotes and $ pass as they are.
const order = (code: number) =>
  `- host:\n    command: execute\n    interactive: true\n    run: [sh, -c, 'tty; stty size; printf "name? "; read -r name; echo "hello [$name]"; exit ${code}']\n`;
writeFileSync(join(conf, 'units', 'desk', 'ok.yaml'), `---\n${order(0)}`);
writeFileSync(
  join(conf, 'units', 'desk', 'fails.yaml'),
  `---\n${order(4)}- host: {command: execute, run: [sh, -c, 'echo must not run']}\n`,
);

function unitRun(target: string): PtySession {
  const [file, ...rest] = HARPOON;
  const session = new PtySession(file!, [...rest, 'unit', 'run', '-c', conf, target], { cols: 90, rows: 20 });
  sessions.push(session);
  return session;
}

live("an interactive host command gets a pseudoterminal of the terminal's size and what is typed", async () => {
  const s = unitRun('desk/ok');
  await s.waitFor(/\/dev\/pts\/\d+\r*\n/);
  await s.waitFor(/20 90\r*\n/);
  await s.waitFor(/name\? /);
  await s.type('ada\r', /hello \[ada\]/);
  const { exitCode } = await s.exit();
  assert.is(exitCode, 0, s.output);
  assert.match(s.output, /desk\/ok: 1 order done/);
});

live('its exit code decides the order: 4 fails the run (exit 1), the next order does not run', async () => {
  const s = unitRun('desk/fails');
  await s.waitFor(/name\? /);
  await s.type('bob\r', /hello \[bob\]/);
  const { exitCode } = await s.exit();
  assert.is(exitCode, 1, s.output);
  assert.match(s.output, /order 1 \(execute on (host|this machine)\) failed: the command exited with 4/);
  assert.not.match(s.output, /must not run/);
});

test.run();
