// Lesson 08: units of containers, with orders: start, check, back up, purge, restore.
//
// A unit is a named set of containers plus ordered commands, written in YAML in a config
// directory (units/<unit>/<command>.yaml). This one has two containers:
//   data   a data container: a busybox image whose /srv/www is a volume (a unit volume, made and
//          labelled by harpoon), holding the site; created, never started
//   web    busybox httpd serving data's volume (volumes_from) on a port published on 127.0.0.1
// Only start.yaml is written; harpoon derives the other commands from it (backup, purge,
// restore, test, ...). The lesson starts the unit, checks it, writes a file into the volume,
// backs the volume up to a tar on this machine, purges everything (the volume too), starts
// again (the file is gone), restores, and shows the file back, byte for byte.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Harpoon, HOST_BUSYBOX, runUnit } from 'harpoon';
import { type RunEvent } from '../src/orchestrator/run.ts';
import { LESSON_ID } from './whalesay.ts';

const BIN = join(import.meta.dirname, '..', 'dist', 'cli', 'bin.js'); // the `harpoon` executable (npm run build makes it)
const UNIT = `lesson08-${LESSON_ID}`; // engine names are <unit>-<container>: lesson08-tutorial-web

// --- The config directory: a unit file, an environment file and an image folder -----------------
const conf = mkdtempSync(join(tmpdir(), 'harpoon-lesson08-'));
const files: Record<string, string> = {
  'environments/default.yaml': [
    '# Values for {{VAR}} in unit files. --set VAR=value and the process environment also give them.',
    `LESSON_ID: ${LESSON_ID}`,
    'GREETING: hello from a unit',
  ].join('\n'),
  'images/base/Dockerfile': [
    "# FROM scratch + the host's static busybox: no registry needed.",
    'FROM scratch',
    'COPY busybox /bin/busybox',
    'RUN ["/bin/busybox", "--install", "-s", "/bin"]',
  ].join('\n'),
  [`units/${UNIT}/start.yaml`]: [
    '# Document 1: the containers.',
    'data:',
    '  build:',
    '    path: images/base              # the context folder, next to units/',
    '    dockerfile:                    # in-memory lines instead of its Dockerfile',
    '      - FROM scratch',
    '      - COPY busybox /bin/busybox',
    '      - RUN ["/bin/busybox", "--install", "-s", "/bin"]',
    '      - RUN mkdir -p /srv/www && echo "{{GREETING}}" > /srv/www/index.html',
    '    tag: lesson08-data:{{LESSON_ID}}',
    '    labels: {harpoon.lesson: "{{LESSON_ID}}"}',
    '  creation:',
    '    volumes: [/srv/www]            # a unit volume: <unit>-data-srv-www, filled from the image',
    '    command: [sh, -c, "echo I only hold data"]',
    '    labels: {harpoon.lesson: "{{LESSON_ID}}"}',
    'web:',
    '  build:',
    '    path: images/base',
    '    tag: lesson08-web:{{LESSON_ID}}',
    '    labels: {harpoon.lesson: "{{LESSON_ID}}"}',
    '  creation:',
    '    command: [httpd, -f, -v, -p, "80", -h, /srv/www]',
    '    volumes_from: [data]           # so web waits for data: no step on web runs before it',
    '    ports: ["127.0.0.1::80"]       # a free port on 127.0.0.1, chosen by the engine',
    '    labels: {harpoon.lesson: "{{LESSON_ID}}"}',
    '  checks:                          # `test:check` runs them',
    '    - {name: home, type: daemon, port: 80, path: /index.html, status: 200, body: "{{GREETING}}"}',
    '---',
    '# Document 2: the orders, in order. Independent containers would run in parallel.',
    '- data: {command: build}',
    '- web: {command: build}',
    '- data: {command: create}',
    '- web: {command: start}',
  ].join('\n'),
};
for (const [path, text] of Object.entries(files)) {
  mkdirSync(join(conf, path, '..'), { recursive: true });
  writeFileSync(join(conf, path), `${text}\n`);
}
copyFileSync(HOST_BUSYBOX, join(conf, 'images/base/busybox'));
console.log(`The config directory, ${conf}:`);
for (const [path, text] of Object.entries(files)) console.log(`\n--- ${path}\n${text}`);

const client = await Harpoon.connect();
const say = (text: string) => console.log(`\n${text}`);
// Each order prints one line when it is done: what it did and why.
const onEvent = (event: RunEvent) => {
  if (event.type === 'step-done')
    console.log(
      `  [${event.step.number}] ${event.step.order.command} ${event.step.order.container ?? 'host'}: ${event.outcome}`,
    );
  if (event.type === 'check')
    console.log(
      `  check ${event.result.container}/${event.result.name}: ${event.result.passed ? 'passed' : 'FAILED'}, ${event.result.message}`,
    );
};
const run = (target: string) => runUnit(client, target, { confDir: conf, onEvent, interactive: false });

/** The `harpoon` command, as typed in a shell (stdout shown). */
function harpoon(args: string[]): string {
  console.log(`\n$ harpoon ${args.join(' ')}`);
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: process.env });
  process.stdout.write(result.stdout);
  if (result.status !== 0) throw new Error(`harpoon ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return result.stdout;
}

/** GET a path of the web container, through its port on 127.0.0.1. */
async function get(path: string): Promise<{ status: number; body: string }> {
  const info = await client.container(`${UNIT}-web`).inspect();
  const port = info.NetworkSettings.Ports['80/tcp']?.find((b) => b.HostIp === '127.0.0.1')?.HostPort;
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: await res.text() };
}

try {
  // --- What would start do? --dry-run reads the engine and changes nothing.
  harpoon(['unit', 'list', '-c', conf]);
  harpoon(['unit', 'run', '-c', conf, `${UNIT}/start`, '--dry-run']);

  say(`Start: build both images, create data (and its volume), start web.`);
  await run(`${UNIT}/start`);
  say('Start again: nothing changed, so nothing is recreated.');
  await run(`${UNIT}/start`);

  say('Check (test:check = the start orders, then each check):');
  await run(`${UNIT}/test:check`);

  say('Write a file into the volume, through the running web container (an execute order would do too):');
  const visit = `visited at ${new Date().toISOString()}\n`;
  const exec = await client
    .container(`${UNIT}-web`)
    .exec(['sh', '-c', `printf '%s' '${visit.trim()}' > /srv/www/visit.txt && echo >> /srv/www/visit.txt`]);
  const before = await get('/visit.txt');
  console.log(`  exec exit ${exec.exitCode}; GET /visit.txt -> ${before.status} ${before.body.trim()}`);

  say("Back up data's volume to a tar on this machine, with a sha256 manifest:");
  await run(`${UNIT}/backup`);
  const archive = join(conf, 'backups', `${UNIT}-data.tar`);
  const manifest = JSON.parse(readFileSync(`${archive}.manifest.json`, 'utf8')) as { files: Record<string, string> };
  for (const [file, sha] of Object.entries(manifest.files)) console.log(`  ${sha.slice(0, 16)}…  ${file}`);

  say('Purge: stop and remove both containers, the volume and the images.');
  await run(`${UNIT}/purge`);
  const left = await client.listManaged({ 'harpoon.unit': UNIT });
  console.log(
    `  left of the unit: ${left.containers.length} containers, ${left.volumes.length} volumes, ${left.images.length} images`,
  );

  say('Start from nothing: the volume is new, filled from the image; visit.txt is gone.');
  await run(`${UNIT}/start`);
  console.log(`  GET /visit.txt -> ${(await get('/visit.txt')).status}`);

  say('Restore: the archive is checked against its manifest, the volume emptied, the files put back.');
  await run(`${UNIT}/restore`);
  const after = await get('/visit.txt');
  const sha = (text: string) => createHash('sha256').update(text).digest('hex');
  console.log(`  GET /visit.txt -> ${after.status} ${after.body.trim()}`);
  console.log(`  the same bytes as before the purge: ${sha(after.body) === sha(before.body) && after.body === visit}`);

  say('Clean up: purge again.');
  await run(`${UNIT}/purge`);
} finally {
  // Whatever a failure left, by the unit's label only; then the config directory.
  await client.removeManaged({ 'harpoon.unit': UNIT });
  const found = await client.listManaged({ 'harpoon.unit': UNIT });
  console.log(
    `\nAfter: ${found.containers.length + found.images.length + found.volumes.length + found.networks.length} left.`,
  );
  rmSync(conf, { recursive: true, force: true });
}
