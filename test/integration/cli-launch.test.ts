// Integration: the `harpoon launch`, `harpoon launched` and `harpoon purge` commands, run as
// real processes against the real engine. Every launch carries this run's test label, every
// purge is narrowed by it (never --all for real: other people's containers would go too), and
// every CLI process keeps its activity records in a temp HARPOON_STATE_DIR.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Container, type Harpoon } from 'harpoon';
import { buildWebapp } from '../../lessons/webapp.ts';
import { RUN_ID, TEST_LABEL, testLabels } from '../helpers/engine.ts';
import { containerExists, engineTests, eventually } from '../helpers/integration.ts';
import { fetchBytes, TEST_WEBAPP as WEBAPP } from '../helpers/launcher.ts';
import { HARPOON, ROOT } from '../helpers/pty.ts';

const RUN_LABEL = `${TEST_LABEL}=${RUN_ID}`;

let stateDir = '';
let workDir = '';
let foreign: Container | undefined;

const it = await engineTests({
  ready: async (client) => {
    stateDir = await mkdtemp(join(tmpdir(), 'harpoon-cli-launch-state-'));
    workDir = await mkdtemp(join(tmpdir(), 'harpoon-cli-launch-files-'));
    await buildWebapp(client, { tag: WEBAPP, labels: testLabels });
    // Managed by harpoon (it carries harpoon's label and the test label) but not launched:
    // `launched` must not list it, and no purge may remove it.
    foreign = await client.createContainer({
      image: WEBAPP,
      name: `hl-foreign-${RUN_ID}`,
      labels: testLabels,
      cmd: ['sleep', '600'],
    });
    await foreign.start();
  },
  after: async () => {
    await foreign?.remove({ force: true }).catch(() => {});
    if (stateDir) await rm(stateDir, { recursive: true, force: true });
    if (workDir) await rm(workDir, { recursive: true, force: true });
  },
});

interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Run the CLI to its end (killed after `timeoutMs`); `onSpawn` gets the child, e.g. to signal it. */
function harpoon(
  args: string[],
  options: { stdin?: string | Buffer; timeoutMs?: number; onSpawn?: (child: ReturnType<typeof spawn>) => void } = {},
): Promise<CliResult> {
  const [file, ...pre] = HARPOON;
  return new Promise((resolve, reject) => {
    const child = spawn(file!, [...pre, ...args], {
      cwd: ROOT,
      env: { ...process.env, HARPOON_STATE_DIR: stateDir },
      stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    if (options.stdin !== undefined) child.stdin!.end(options.stdin);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `harpoon ${args.join(' ')} did not end within ${options.timeoutMs ?? 60_000} ms\nstdout: ${stdout}\nstderr: ${stderr}`,
        ),
      );
    }, options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    options.onSpawn?.(child);
  });
}

const show = (r: CliResult) =>
  `exit ${r.code}${r.signal ? ` (${r.signal})` : ''}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;

/** A container name unique to this run. */
const nameFor = (what: string) => `hl-${what}-${RUN_ID}`;

/** `harpoon launch WEBAPP --name NAME -l harpoon.test=RUN_ID ...extra`, expected to succeed; returns the URL. */
async function launchOk(name: string, extra: string[] = [], stdin?: string | Buffer): Promise<string> {
  const r = await harpoon(
    ['launch', WEBAPP, '--name', name, '-l', RUN_LABEL, ...extra],
    stdin === undefined ? {} : { stdin },
  );
  assert.is(r.code, 0, show(r));
  const lines = r.stdout.split('\n');
  assert.is(lines.length, 2, `exactly one line on stdout: ${JSON.stringify(r.stdout)}`);
  assert.is(lines[1], '');
  assert.match(lines[0]!, /^http:\/\/127\.0\.0\.1:\d+$/);
  return lines[0]!;
}

async function removeQuietly(client: Harpoon, ...names: string[]): Promise<void> {
  for (const name of names)
    await client
      .container(name)
      .remove({ force: true })
      .catch(() => {});
}

/** Names of this run's containers carrying `label` (K=V). */
async function namesWith(client: Harpoon, label: string): Promise<string[]> {
  const found = await client.docker.listContainers({
    all: true,
    filters: JSON.stringify({ label: [RUN_LABEL, label] }),
  });
  return found.map((c) => c.Names[0]!.replace(/^\//, '')).sort();
}

async function foreignIntact(client: Harpoon): Promise<void> {
  const info = await client.container(foreign!.id).inspect();
  assert.ok(info.State.Running, 'the foreign (not launched) container is still running');
}

// An input with odd spacing, non-ASCII text and a trailing newline: it must arrive byte for byte.
const INPUT = `{ "run" : "${RUN_ID}",\n  "text": "h\u00e9llo \u2603",   "list": [1,2 , 3] }\n`;

it('launch --input FILE: one URL line on stdout, exit 0; URL/input.json returns the file byte for byte', async (client) => {
  const name = nameFor('file');
  const inputFile = join(workDir, 'input.json');
  await writeFile(inputFile, INPUT);
  try {
    const url = await launchOk(name, ['--input', inputFile]);
    const got = await fetchBytes(`${url}/input.json`);
    assert.is(got.status, 200);
    assert.ok(got.body.equals(Buffer.from(INPUT)), `got ${JSON.stringify(got.body.toString())}`);
  } finally {
    await removeQuietly(client, name);
  }
});

it('launch --input - reads the JSON from stdin, byte for byte', async (client) => {
  const name = nameFor('stdin');
  try {
    const url = await launchOk(name, ['--input', '-'], INPUT);
    const got = await fetchBytes(`${url}/input.json`);
    assert.is(got.status, 200);
    assert.ok(got.body.equals(Buffer.from(INPUT)), `got ${JSON.stringify(got.body.toString())}`);
  } finally {
    await removeQuietly(client, name);
  }
});

it('launch --input-mode env delivers the input as INPUT_JSON', async (client) => {
  const name = nameFor('env');
  const inputFile = join(workDir, 'input-env.json');
  await writeFile(inputFile, INPUT);
  try {
    const url = await launchOk(name, ['--input', inputFile, '--input-mode', 'env', '--wait', 'http:/input.json']);
    const got = await fetchBytes(`${url}/input.json`);
    assert.is(got.status, 200);
    assert.ok(got.body.equals(Buffer.from(INPUT)), `got ${JSON.stringify(got.body.toString())}`);
    const info = await client.container(name).inspect();
    assert.ok(info.Config.Env.includes(`INPUT_JSON=${INPUT}`), 'INPUT_JSON is in the container env');
    assert.is(info.Config.Labels['harpoon.launcher.input'], 'env');
  } finally {
    await removeQuietly(client, name);
  }
});

it('launch --input-mode url hands the app INPUT_JSON_URL; --input with it is a usage error', async (client) => {
  const name = nameFor('url');
  const inputUrl = `http://inputs.invalid/${RUN_ID}/input.json?x=1`;
  try {
    const url = await launchOk(name, ['--input-mode', 'url', '--input-url', inputUrl]);
    const got = await fetchBytes(`${url}/input-url.txt`);
    assert.is(got.status, 200);
    assert.is(got.body.toString(), inputUrl);
  } finally {
    await removeQuietly(client, name);
  }
  const inputFile = join(workDir, 'url-mode.json');
  await writeFile(inputFile, '{}');
  const bad = nameFor('url-bad');
  const r = await harpoon([
    'launch',
    WEBAPP,
    '--name',
    bad,
    '-l',
    RUN_LABEL,
    '--input-mode',
    'url',
    '--input-url',
    inputUrl,
    '--input',
    inputFile,
  ]);
  assert.is(r.code, 125, show(r));
  assert.match(r.stderr, /--input-mode url takes --input-url/);
  assert.not.ok(await containerExists(client, bad));
});

it('--file SRC lands under the input files dir (served at /files/NAME); --file SRC:/abs/dest lands at dest', async (client) => {
  const name = nameFor('files');
  const first = join(workDir, 'first.txt');
  const second = join(workDir, 'second.csv');
  await writeFile(first, `first file ${RUN_ID}\n`);
  await writeFile(second, `a,b\n1,2 ${RUN_ID}\n`);
  try {
    const url = await launchOk(name, ['--file', first, '--file', `${second}:/data/in/table.csv`]);
    const served = await fetchBytes(`${url}/files/first.txt`);
    assert.is(served.status, 200);
    assert.is(served.body.toString(), `first file ${RUN_ID}\n`);
    const cat = await client.container(name).exec(['cat', '/data/in/table.csv']);
    assert.is(cat.exitCode, 0);
    assert.is(cat.stdout, `a,b\n1,2 ${RUN_ID}\n`);
    // Only the bare --file went to the default directory.
    const ls = await client.container(name).exec(['ls', '/tmp/input-files']);
    assert.is(ls.stdout.trim(), 'first.txt');
  } finally {
    await removeQuietly(client, name);
  }
});

it('--json: the launched container as JSON (name, url, labels)', async (client) => {
  const name = nameFor('json');
  try {
    const r = await harpoon(['launch', WEBAPP, '--name', name, '-l', RUN_LABEL, '--json']);
    assert.is(r.code, 0, show(r));
    const out = JSON.parse(r.stdout) as {
      id: string;
      name: string;
      url: string;
      hostPort: number;
      containerPort: number;
      labels: Record<string, string>;
    };
    assert.is(out.name, name);
    assert.match(out.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.is(out.url, `http://127.0.0.1:${out.hostPort}`);
    assert.is(out.containerPort, 80);
    assert.is(out.labels[TEST_LABEL], RUN_ID);
    assert.is((await client.container(name).inspect()).Id, out.id);
    assert.is((await fetchBytes(out.url)).status, 200);
  } finally {
    await removeQuietly(client, name);
  }
});

it('labels from -l, harpoon.launcher=true; --mem sets MemoryReservation and the mem label; the container outlives the command', async (client) => {
  const name = nameFor('labels');
  try {
    const url = await launchOk(name, [
      '-l',
      `purpose=labels-${RUN_ID}`,
      '-l',
      'with=equals=sign',
      '--mem',
      '64',
      '--mem-limit',
      '128',
      '-e',
      'GREETING=hi there',
    ]);
    const info = await client.container(name).inspect();
    const labels = info.Config.Labels;
    assert.is(labels[TEST_LABEL], RUN_ID);
    assert.is(labels.purpose, `labels-${RUN_ID}`);
    assert.is(labels.with, 'equals=sign');
    assert.is(labels['harpoon.launcher'], 'true');
    assert.is(labels['harpoon.launcher.mem_reservation_mb'], '64');
    assert.is(labels['harpoon.launcher.port'], '80');
    assert.is(labels['harpoon.launcher.session'], undefined, 'no reaper session: the CLI launches with the reaper off');
    assert.is(info.HostConfig.MemoryReservation, 64 * 1024 * 1024);
    assert.is(info.HostConfig.Memory, 128 * 1024 * 1024);
    assert.ok(info.Config.Env.includes('GREETING=hi there'));
    // Published on loopback only.
    assert.equal(info.HostConfig.PortBindings['80/tcp'], [{ HostIp: '127.0.0.1', HostPort: '' }]);
    // The command has exited; a while later the app is still there and still answers.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const later = await client.container(name).inspect();
    assert.ok(later.State.Running, 'still running after the command exited');
    assert.is(later.Id, info.Id);
    assert.is((await fetchBytes(url)).status, 200);
  } finally {
    await removeQuietly(client, name);
  }
});

it('--wait http:/input.json, and --wait log:serving with port, port:80 and http:/ (all must pass), succeed', async (client) => {
  const a = nameFor('wait-http');
  const b = nameFor('wait-log');
  const inputFile = join(workDir, 'wait.json');
  await writeFile(inputFile, '{"wait": true}');
  try {
    const url = await launchOk(a, ['--input', inputFile, '--wait', 'http:/input.json', '--timeout', '30']);
    // Ready means ready: the first request after launch already answers.
    assert.is((await fetchBytes(`${url}/input.json`)).body.toString(), '{"wait": true}');
    await launchOk(b, [
      '--wait',
      'log:serving',
      '--wait',
      'port',
      '--wait',
      'port:80',
      '--wait',
      'http:/',
      '--timeout',
      '30',
    ]);
    const logs = await client.container(b).logs();
    assert.match(logs.stdout, /webapp: serving on port 80/);
  } finally {
    await removeQuietly(client, a, b);
  }
});

it('never ready (--wait http:/missing --timeout 1): exit 125, "not ready" and the log lines on stderr, container removed', async (client) => {
  const name = nameFor('never');
  try {
    const started = Date.now();
    const r = await harpoon([
      'launch',
      WEBAPP,
      '--name',
      name,
      '-l',
      RUN_LABEL,
      '--wait',
      'http:/missing',
      '--timeout',
      '1',
    ]);
    assert.is(r.code, 125, show(r));
    assert.ok(Date.now() - started < 20_000, 'gave up near the deadline');
    assert.is(r.stdout, '');
    assert.match(r.stderr, /not ready/);
    assert.match(r.stderr, new RegExp(`"${name}"`));
    assert.match(r.stderr, /HTTP GET \/missing/);
    assert.match(r.stderr, /webapp: serving on port 80/, 'the last log lines are shown');
    assert.match(r.stderr, /removed/);
    assert.not.ok(await containerExists(client, name), 'the never-ready container was removed');
  } finally {
    await removeQuietly(client, name);
  }
});

it('never ready with --keep-on-failure: exit 125, the container stays for inspection', async (client) => {
  const name = nameFor('kept');
  try {
    const r = await harpoon([
      'launch',
      WEBAPP,
      '--name',
      name,
      '-l',
      RUN_LABEL,
      '--wait',
      'http:/missing',
      '--timeout',
      '1',
      '--keep-on-failure',
    ]);
    assert.is(r.code, 125, show(r));
    assert.match(r.stderr, /not ready/);
    assert.match(r.stderr, /kept for inspection/);
    const info = await client.container(name).inspect();
    assert.is(info.Config.Labels[TEST_LABEL], RUN_ID);
    assert.ok(info.State.Running, 'kept running, as it was');
  } finally {
    await removeQuietly(client, name);
  }
  assert.not.ok(await containerExists(client, name));
});

it('a name in use: exit 125 naming the name; the existing container (launched or not) is untouched', async (client) => {
  const name = nameFor('taken');
  const plain = nameFor('taken-plain');
  const existing = await client.createContainer({
    image: WEBAPP,
    name: plain,
    labels: testLabels,
    cmd: ['sleep', '600'],
  });
  try {
    const url = await launchOk(name);
    const before = await client.container(name).inspect();
    const r = await harpoon(['launch', WEBAPP, '--name', name, '-l', RUN_LABEL, '-l', 'second=yes']);
    assert.is(r.code, 125, show(r));
    assert.is(r.stdout, '');
    assert.match(r.stderr, new RegExp(`"${name}" is already in use`));
    const after = await client.container(name).inspect();
    assert.is(after.Id, before.Id);
    assert.ok(after.State.Running);
    assert.is(after.State.StartedAt, before.State.StartedAt, 'not restarted');
    assert.is(after.Config.Labels.second, undefined);
    assert.is((await fetchBytes(url)).status, 200);

    const r2 = await harpoon(['launch', WEBAPP, '--name', plain, '-l', RUN_LABEL]);
    assert.is(r2.code, 125, show(r2));
    assert.match(r2.stderr, new RegExp(`"${plain}" is already in use`));
    const plainInfo = await client.container(plain).inspect();
    assert.is(plainInfo.Id, existing.id);
    assert.is(plainInfo.State.Status, 'created', 'not started, not removed');
    assert.is(plainInfo.Config.Labels['harpoon.launcher'], undefined);
  } finally {
    await removeQuietly(client, name, plain);
  }
});

it('bad flags (--wait bogus, --input /missing, --port abc, ...): exit 125 naming the flag, nothing created', async (client) => {
  const cases: Array<[string[], RegExp]> = [
    [['--wait', 'bogus'], /--wait.*"bogus"/],
    [['--wait', 'http:missing-slash'], /--wait/],
    [['--wait', 'log:('], /--wait.*bad regular expression/],
    [['--input', '/missing/input.json'], /--input.*\/missing\/input\.json/],
    [['--port', 'abc'], /--port "abc"/],
    [['--timeout', 'soon'], /--timeout "soon"/],
    [['--mem', '-5'], /--mem "-5"/],
    [['--input-mode', 'carrier-pigeon'], /--input-mode: "carrier-pigeon" is not one of file, env, url/],
    [['--file', join(workDir, 'no-such-file')], /--file: .*no-such-file does not exist/],
    [['-l', 'harpoon.launcher=false'], /--label: "harpoon\.launcher" is reserved/],
    [['--port', '0'], /--port: 0 is not an integer >= 1/],
  ];
  for (const [i, [flags, message]] of cases.entries()) {
    const name = nameFor(`bad-${i}`);
    const r = await harpoon(['launch', WEBAPP, '--name', name, '-l', RUN_LABEL, '-l', `bad=${RUN_ID}`, ...flags]);
    try {
      assert.is(r.code, 125, `${flags.join(' ')}: ${show(r)}`);
      assert.is(r.stdout, '', flags.join(' '));
      assert.match(r.stderr, message, `${flags.join(' ')}: ${r.stderr}`);
      assert.not.ok(await containerExists(client, name), `${flags.join(' ')}: no container was created`);
    } finally {
      await removeQuietly(client, name);
    }
  }
  assert.equal(await namesWith(client, `bad=${RUN_ID}`), []);
});

it("launched: this run's launched containers with URL and state; never the foreign (not launched) one", async (client) => {
  const a = nameFor('list-a');
  const b = nameFor('list-b');
  try {
    const urlA = await launchOk(a, ['-l', 'group=list', '--mem', '32']);
    const urlB = await launchOk(b, ['-l', 'group=list']);

    const json = await harpoon(['launched', '--json', '-l', RUN_LABEL, '-l', 'group=list']);
    assert.is(json.code, 0, show(json));
    const rows = JSON.parse(json.stdout) as Array<{
      id: string;
      name: string;
      url: string | null;
      state: string;
      image: string;
      lastActivity: string;
      memoryReservationMb: number | null;
      labels: Record<string, string>;
    }>;
    assert.equal(
      rows.map((r) => r.name),
      [a, b],
    );
    assert.is(rows[0]!.url, urlA);
    assert.is(rows[1]!.url, urlB);
    for (const row of rows) {
      assert.is(row.state, 'running');
      assert.is(row.image, WEBAPP);
      assert.is(row.labels[TEST_LABEL], RUN_ID);
      assert.ok(Math.abs(Date.parse(row.lastActivity) - Date.now()) < 60_000, row.lastActivity);
    }
    assert.is(rows[0]!.memoryReservationMb, 32);
    assert.is(rows[1]!.memoryReservationMb, null);

    // All of this run's: the foreign container is not among them.
    const all = await harpoon(['launched', '--json', '-l', RUN_LABEL]);
    assert.is(all.code, 0, show(all));
    const names = (JSON.parse(all.stdout) as Array<{ id: string; name: string }>).map((r) => r.name);
    assert.ok(names.includes(a) && names.includes(b), names.join(','));
    assert.not.ok(names.includes(`hl-foreign-${RUN_ID}`), 'the foreign container is not listed');

    const table = await harpoon(['launched', '-l', RUN_LABEL, '-l', 'group=list']);
    assert.is(table.code, 0, show(table));
    const lines = table.stdout.trimEnd().split('\n');
    assert.is(lines.length, 3, table.stdout);
    assert.match(lines[0]!, /^NAME\s+STATE\s+URL\s+LAST ACTIVITY\s+MEM RESERVATION$/);
    assert.match(lines[1]!, new RegExp(`^${a}\\s+running\\s+${urlA.replace(/\./g, '\\.')}\\s+\\d+s ago\\s+32 MB$`));
    assert.match(lines[2]!, new RegExp(`^${b}\\s+running\\s+${urlB.replace(/\./g, '\\.')}\\s+\\d+s ago\\s+-$`));

    // A stopped one: listed with its state and no URL.
    await client.container(b).stop({ timeoutSeconds: 1 });
    const stopped = JSON.parse(
      (await harpoon(['launched', '--json', '-l', RUN_LABEL, '-l', 'group=list'])).stdout,
    ) as Array<{ name: string; url: string | null; state: string }>;
    assert.equal(
      stopped.map((r) => [r.name, r.state, r.url]),
      [
        [a, 'running', urlA],
        [b, 'exited', null],
      ],
    );
  } finally {
    await removeQuietly(client, a, b);
  }
});

it('purge: no selector → 125; --all with a selector → 125; -l narrows to one group; the foreign container survives', async (client) => {
  const none = await harpoon(['purge']);
  assert.is(none.code, 125, show(none));
  assert.match(none.stderr, /say what to purge/);
  const allAndLabel = await harpoon(['purge', '--all', '-l', 'x=y']);
  assert.is(allAndLabel.code, 125, show(allAndLabel));
  assert.match(allAndLabel.stderr, /--all/);
  const allAndInactive = await harpoon(['purge', '--all', '--inactive', '10']);
  assert.is(allAndInactive.code, 125, show(allAndInactive));
  const bothModes = await harpoon(['purge', '--inactive', '10', '--budget', '10', '-l', RUN_LABEL]);
  assert.is(bothModes.code, 125, show(bothModes));
  const badNumber = await harpoon(['purge', '--inactive', 'later', '-l', RUN_LABEL]);
  assert.is(badNumber.code, 125, show(badNumber));
  assert.match(badNumber.stderr, /--inactive "later"/);

  const a1 = nameFor('group-a1');
  const a2 = nameFor('group-a2');
  const b1 = nameFor('group-b1');
  try {
    await launchOk(a1, ['-l', 'group=a']);
    await launchOk(a2, ['-l', 'group=a']);
    await launchOk(b1, ['-l', 'group=b']);
    const r = await harpoon(['purge', '-l', RUN_LABEL, '-l', 'group=a', '--json']);
    assert.is(r.code, 0, show(r));
    assert.equal((JSON.parse(r.stdout) as { removed: string[] }).removed.sort(), [a1, a2]);
    assert.not.ok(await containerExists(client, a1));
    assert.not.ok(await containerExists(client, a2));
    assert.ok((await client.container(b1).inspect()).State.Running, 'the other group survives');
    await foreignIntact(client);

    // Nothing matches: exit 0, nothing printed.
    const again = await harpoon(['purge', '-l', RUN_LABEL, '-l', 'group=a']);
    assert.is(again.code, 0, show(again));
    assert.is(again.stdout, '');

    // Plain output: one removed name a line.
    const plain = await harpoon(['purge', '-l', RUN_LABEL, '-l', 'group=b']);
    assert.is(plain.code, 0, show(plain));
    assert.is(plain.stdout, `${b1}\n`);
    assert.not.ok(await containerExists(client, b1));
    await foreignIntact(client);
  } finally {
    await removeQuietly(client, a1, a2, b1);
  }
});

it('purge --inactive: 3600 removes nothing fresh; after a quiet spell only the idle one goes; 0 removes the rest', async (client) => {
  const idle = nameFor('idle');
  const busy = nameFor('busy');
  try {
    await launchOk(idle, ['-l', 'group=inactive']);
    const busyUrl = await launchOk(busy, ['-l', 'group=inactive']);

    const fresh = await harpoon(['purge', '--inactive', '3600', '-l', RUN_LABEL, '--json']);
    assert.is(fresh.code, 0, show(fresh));
    assert.equal(JSON.parse(fresh.stdout), { removed: [] });
    assert.ok(await containerExists(client, idle));
    assert.ok(await containerExists(client, busy));

    // Both go quiet for 6.5 s; then a request to one (its request log line is activity). The
    // margins are wide on purpose: a CLI process can take a few seconds to start on a busy machine.
    await new Promise((resolve) => setTimeout(resolve, 6500));
    assert.is((await fetchBytes(busyUrl)).status, 200);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const quiet = await harpoon(['purge', '--inactive', '5', '-l', RUN_LABEL, '-l', 'group=inactive', '--json']);
    assert.is(quiet.code, 0, show(quiet));
    assert.equal(JSON.parse(quiet.stdout), { removed: [idle] });
    assert.not.ok(await containerExists(client, idle));
    assert.ok(await containerExists(client, busy));

    await new Promise((resolve) => setTimeout(resolve, 50));
    const zero = await harpoon(['purge', '--inactive', '0', '-l', RUN_LABEL, '--json']);
    assert.is(zero.code, 0, show(zero));
    assert.ok((JSON.parse(zero.stdout) as { removed: string[] }).removed.includes(busy), zero.stdout);
    assert.not.ok(await containerExists(client, busy));
    await foreignIntact(client);
  } finally {
    await removeQuietly(client, idle, busy);
  }
});

it('purge --budget evicts by memory reservation, least recently used first', async (client) => {
  const first = nameFor('lru-1');
  const second = nameFor('lru-2');
  const third = nameFor('lru-3');
  const unreserved = nameFor('lru-none');
  try {
    const firstUrl = await launchOk(first, ['-l', 'group=budget', '--mem', '64']);
    await launchOk(second, ['-l', 'group=budget', '--mem', '64']);
    await launchOk(third, ['-l', 'group=budget', '--mem', '64']);
    await launchOk(unreserved, ['-l', 'group=budget']);
    // Within budget (192 MB reserved): nothing goes.
    const within = await harpoon(['purge', '--budget', '192', '-l', RUN_LABEL, '-l', 'group=budget', '--json']);
    assert.is(within.code, 0, show(within));
    assert.equal(JSON.parse(within.stdout), { removed: [] });

    // The first one launched is used again: now the second is the least recently used.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    assert.is((await fetchBytes(firstUrl)).status, 200);
    await new Promise((resolve) => setTimeout(resolve, 200));

    const r = await harpoon(['purge', '--budget', '64', '-l', RUN_LABEL, '-l', 'group=budget', '--json']);
    assert.is(r.code, 0, show(r));
    assert.equal(JSON.parse(r.stdout), { removed: [second, third] }, 'oldest first, until 64 MB fit');
    assert.ok(await containerExists(client, first), 'the recently used one stays');
    assert.ok(await containerExists(client, unreserved), 'one without a reservation is never evicted');
    assert.not.ok(await containerExists(client, second));
    assert.not.ok(await containerExists(client, third));

    const none = await harpoon(['purge', '--budget', '0', '-l', RUN_LABEL, '-l', 'group=budget']);
    assert.is(none.code, 0, show(none));
    assert.is(none.stdout, `${first}\n`);
    assert.ok(await containerExists(client, unreserved));
    await foreignIntact(client);
  } finally {
    await removeQuietly(client, first, second, third, unreserved);
  }
});

it('SIGINT while waiting for readiness: exit 130, no container left', async (client) => {
  const name = nameFor('sigint');
  try {
    let sent = false;
    const r = await harpoon(
      ['launch', WEBAPP, '--name', name, '-l', RUN_LABEL, '--wait', 'http:/missing', '--timeout', '60'],
      {
        timeoutMs: 40_000,
        onSpawn: (child) => {
          void (async () => {
            const started = Date.now();
            // Once the container runs (so the launch is waiting for readiness), and at least 1.5 s in.
            const running = await eventually(
              async () =>
                (
                  await client
                    .container(name)
                    .inspect()
                    .catch(() => undefined)
                )?.State.Running === true,
              20_000,
              50,
            );
            await new Promise((resolve) => setTimeout(resolve, Math.max(300, 1500 - (Date.now() - started))));
            if (running) {
              sent = true;
              child.kill('SIGINT');
            }
          })();
        },
      },
    );
    assert.ok(sent, `the container never ran: ${show(r)}`);
    assert.is(r.code, 130, show(r));
    assert.is(r.stdout, '');
    assert.not.ok(await containerExists(client, name), 'the interrupted launch removed its container');
  } finally {
    await removeQuietly(client, name);
  }
});

it('everything launched by this file is gone at the end (each test removes its own)', async (client) => {
  const left = await client.docker.listContainers({
    all: true,
    filters: JSON.stringify({ label: [RUN_LABEL, 'harpoon.launcher=true'] }),
  });
  assert.equal(
    left.map((c) => c.Names[0]),
    [],
  );
  await foreignIntact(client);
});

test.run();
