// Integration: `harpoon transfer-image IMAGE DOCK` as a real process, from the engine into the
// second engine (scripts/engine2.sh), registered as a dock (a docker context) in a temporary
// DOCKER_CONFIG. Images carry this run's test label; both engines are cleaned by it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Harpoon, TransferEvent } from 'harpoon';
import { addDock } from '../../src/cli/docks/store.ts';
import type { TransferOutput } from '../../src/cli/commands/transfer-image.ts';
import { cliEnv, harpoonCli, showResult } from '../helpers/cli.ts';
import { buildBusybox, RUN_ID } from '../helpers/engine.ts';
import { buildDataImage, ENGINE2_HOST, imageIdOn, secondEngineOrSkip } from '../helpers/image.ts';
import { cleanupRunFully, engineTests } from '../helpers/integration.ts';
import { HARPOON, PtySession } from '../helpers/pty.ts';

const configDir = mkdtempSync(join(tmpdir(), 'harpoon-cli-transfer-'));
const DOCK = `ht2-${RUN_ID}`;
const DEAD = `ht-dead-${RUN_ID}`;
const sessions: PtySession[] = [];
let base = '';

const client2 = await secondEngineOrSkip();
const onEngine1 = await engineTests({
  ready: async (client) => {
    base = await buildBusybox(client);
    addDock(configDir, DOCK, ENGINE2_HOST);
    addDock(configDir, DEAD, `unix://${join(configDir, 'no-engine.sock')}`);
  },
  after: async () => {
    for (const session of sessions) session.kill();
    if (client2) await cleanupRunFully(client2);
    rmSync(configDir, { recursive: true, force: true });
  },
});

/** A test that needs both engines: skipped (counted) when the second one is missing outside CI. */
function it(name: string, body: (client: Harpoon, client2: Harpoon) => Promise<void>): void {
  if (client2) onEngine1(name, (client) => body(client, client2));
  else test.skip(name);
}

const env = () => cliEnv({ DOCKER_CONFIG: configDir });
const transfer = (...args: string[]) => harpoonCli(['transfer-image', ...args], { env: env() });
const tagFor = (suffix: string) => `harpoon-test-cli-transfer:${RUN_ID}-${suffix}`;

const jsonLines = (text: string): TransferEvent[] =>
  text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as TransferEvent);

it('sends the image: its id on stdout, the same id and name on the dock, plain lines on stderr; again, nothing is sent', async (client, client2) => {
  const tag = tagFor('plain');
  const imageId = await buildDataImage(client, base, tag, 3);
  assert.is(await imageIdOn(client2, imageId), undefined, 'not on the dock yet');

  const first = await transfer(tag, DOCK);
  assert.is(first.code, 0, showResult(first));
  assert.is(first.stdout, `${imageId}\n`);
  assert.match(
    first.stderr,
    new RegExp(`^Sending ${tag} \\(sha256:[0-9a-f]{12}, about [0-9.]+ MB\\) to ${DOCK}$`, 'm'),
  );
  assert.match(
    first.stderr,
    new RegExp(
      `^Transferred ${tag} to ${DOCK} \\(${ENGINE2_HOST}\\): [0-9.]+ MB in .*, id ${imageId.slice(0, 19)} verified; named ${tag} there$`,
      'm',
    ),
  );
  assert.not.match(first.stderr, /\x1b/, 'no terminal control sequences when stderr is not a terminal');
  assert.is(await imageIdOn(client2, tag), imageId, 'the name resolves to the same id on the dock');

  const again = await transfer(tag, DOCK);
  assert.is(again.code, 0, showResult(again));
  assert.is(again.stdout, `${imageId}\n`);
  assert.is(again.stderr, `Nothing sent: ${DOCK} already has ${tag} (${imageId.slice(0, 19)})\n`);
});

it('--json: the result on stdout, progress as JSON lines on stderr; again: sent false, only a skipped event', async (client, client2) => {
  const tag = tagFor('json');
  const imageId = await buildDataImage(client, base, tag, 2);

  const first = await transfer(tag, DOCK, '--json');
  assert.is(first.code, 0, showResult(first));
  const out = JSON.parse(first.stdout) as TransferOutput;
  assert.is(out.imageId, imageId);
  assert.is(out.ref, tag);
  assert.is(out.sent, true);
  assert.is(out.verified, true);
  assert.ok(out.bytes > 2 * 1024 * 1024, `bytes: ${out.bytes}`);
  assert.equal(out.tagged, [tag]);
  assert.is(out.dock, DOCK);
  assert.is(out.dockUrl, ENGINE2_HOST);
  assert.type(out.durationMs, 'number');
  const events = jsonLines(first.stderr);
  assert.equal(
    [...new Set(events.map((e) => e.type))].filter((t) => t !== 'bytes' && t !== 'load'),
    ['start', 'verified', 'tagged'],
  );
  const last = events.filter((e) => e.type === 'bytes').at(-1);
  assert.ok(
    last && last.type === 'bytes' && last.done && last.bytes === out.bytes,
    'the last bytes event is the exact total',
  );
  assert.is(await imageIdOn(client2, tag), imageId);

  const again = await transfer(tag, DOCK, '--json');
  assert.is(again.code, 0, showResult(again));
  const second = JSON.parse(again.stdout) as TransferOutput;
  assert.is(second.sent, false);
  assert.is(second.bytes, 0);
  assert.is(second.verified, false);
  assert.equal(second.tagged, []);
  assert.equal(
    jsonLines(again.stderr).map((e) => e.type),
    ['skipped'],
    'no start, no bytes: nothing was sent',
  );
});

it('the dock has the image under another name: nothing is sent, only the name is added', async (client, client2) => {
  const tag = tagFor('first-name');
  const imageId = await buildDataImage(client, base, tag, 1);
  assert.is((await transfer(tag, DOCK, '-q')).code, 0);
  const other = await client.tagImage(tag, tagFor('second-name'));
  const r = await transfer(other, DOCK, '--json');
  assert.is(r.code, 0, showResult(r));
  const out = JSON.parse(r.stdout) as TransferOutput;
  assert.is(out.sent, false);
  assert.equal(out.tagged, [other]);
  assert.is(await imageIdOn(client2, other), imageId);
});

it('-q: only the id on stdout, nothing on stderr', async (client) => {
  const tag = tagFor('quiet');
  const imageId = await buildDataImage(client, base, tag, 1);
  const r = await transfer('-q', tag, DOCK);
  assert.is(r.code, 0, showResult(r));
  assert.is(r.stdout, `${imageId}\n`);
  assert.is(r.stderr, '');
});

it('--print-command: prints the docker pipeline and does nothing else; a password in -H is masked', async (client, client2) => {
  const tag = tagFor('print');
  const imageId = await buildDataImage(client, base, tag, 1);
  const r = await transfer(tag, DOCK, '--print-command');
  assert.is(r.code, 0, showResult(r));
  assert.is(r.stdout, `docker save ${tag} | docker --context ${DOCK} load\n`);
  assert.is(r.stderr, '');
  assert.is(await imageIdOn(client2, imageId), undefined, 'nothing was transferred');

  // Nothing connects, so an engine that does not exist is fine here; its password never shows.
  const viaHost = await harpoonCli(
    ['-H', 'ssh://me:pa55word@127.0.0.1:1', 'transfer-image', tag, DOCK, '--print-command'],
    { env: env() },
  );
  assert.is(viaHost.code, 0, showResult(viaHost));
  assert.is(viaHost.stdout, `docker -H 'ssh://me:****@127.0.0.1:1' save ${tag} | docker --context ${DOCK} load\n`);
  assert.not.ok((viaHost.stdout + viaHost.stderr).includes('pa55word'));
});

it('an unknown dock: exit 1 (as docker for a missing context) and a message that says what to do', async () => {
  const missing = `no-such-dock-${RUN_ID}`;
  for (const extra of [[], ['--print-command'], ['--json']]) {
    const r = await transfer(base, missing, ...extra);
    assert.is(r.code, 1, showResult(r));
    assert.is(r.stdout, '');
    assert.is(
      r.stderr,
      `harpoon transfer-image: dock "${missing}" does not exist (no docker context of that name); list them with \`harpoon dock ls\`, add one with \`harpoon dock add ${missing} URL\`\n`,
    );
  }
});

it('exit 125 for engine errors: a dock that does not answer, an image that does not exist; and for a missing argument', async () => {
  const dead = await transfer(base, DEAD);
  assert.is(dead.code, 125, showResult(dead));
  assert.match(
    dead.stderr,
    new RegExp(`^harpoon: Dock "${DEAD}" \\(unix://.*no-engine\\.sock\\) does not answer: .*harpoon dock ls`),
  );
  assert.not.match(dead.stderr, /\n\s+at /, 'no stack trace');

  const missing = await transfer(tagFor('never-built'), DOCK);
  assert.is(missing.code, 125, showResult(missing));
  assert.match(missing.stderr, /^harpoon: Image not found: harpoon-test-cli-transfer:/);
  assert.is(missing.stdout, '');

  const usage = await transfer(base);
  assert.is(usage.code, 125, showResult(usage));
  assert.match(usage.stderr, /missing required argument 'dock'/);
});

it('on a terminal: a byte progress bar, redrawn in place, then the summary', async (client, client2) => {
  const tag = tagFor('tty');
  const imageId = await buildDataImage(client, base, tag, 24);
  const [file, ...args] = HARPOON;
  const session = new PtySession(
    file!,
    [...args, 'transfer-image', tag, DOCK],
    { cols: 120, rows: 30 },
    env() as Record<string, string>,
  );
  sessions.push(session);
  const { exitCode } = await session.exit(120_000);
  assert.is(exitCode, 0, session.output);
  assert.match(
    session.output,
    /\r\x1b\[2K\[=*>? *\] +\d+% +[0-9.]+ [kM]?B \/ [0-9.]+ MB/,
    'a bar with a percentage and bytes',
  );
  assert.match(session.output, /\[=+\] 100%/, 'the bar ends full');
  assert.match(session.output, new RegExp(`Transferred ${tag} to ${DOCK}`));
  assert.ok(session.output.includes(imageId), 'the id is printed');
  assert.is(await imageIdOn(client2, tag), imageId);
});

test.run();
