// Integration: `harpoon unit list|help|run` as a real process against the real engine, on a
// config directory written here (as lesson 08 does): an image folder FROM scratch with the host's
// static busybox, environment files, and a few units, all named after this run (RUN_ID):
//   web-<run>    start.yaml (web: busybox httpd on 127.0.0.1, a daemon check; a host order of
//                variant `hello`) and a written hello.yaml; the rest derived
//   jobs-<run>   a job container and two job checks, one failing (test:check → exit 1, JUnit <failure>)
//   fail-<run>   an execute order exiting 3, then a host order that must never run
//   slow-<run>   a host `sleep 30`, then orders that must never run (SIGTERM → 143)
//   bad-<run>    a misspelt key (config error → 125)
// Everything the units make carries harpoon.unit=<unit> (and this run's test label); the end
// removes it by those labels, and the config directory.
import { spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HOST_BUSYBOX, type Harpoon } from 'harpoon';
import { cliEnv, HARPOON_BIN, harpoonCli, showResult, type CliResult } from '../helpers/cli.ts';
import { buildBusybox, RUN_ID, TEST_LABEL } from '../helpers/engine.ts';
import { engineTests } from '../helpers/integration.ts';
import { ROOT } from '../helpers/pty.ts';

const conf = mkdtempSync(join(tmpdir(), 'harpoon-cli-unit-'));
const emptyHome = mkdtempSync(join(tmpdir(), 'harpoon-cli-unit-home-'));
const UNIT = `web-${RUN_ID}`;
const JOBS = `jobs-${RUN_ID}`;
const FAIL = `fail-${RUN_ID}`;
const SLOW = `slow-${RUN_ID}`;
const BAD = `bad-${RUN_ID}`;
const UNITS = [UNIT, JOBS, FAIL, SLOW, BAD];
const SECRET = `pw-${RUN_ID}-s3cr3t`;
const PROD_SECRET = `prod-${RUN_ID}-s3cr3t`;
const WEB_TAG = `harpoon-test-cli-unit-web:${RUN_ID}`;
const SLEEP = `30.${process.pid}`; // a sleep argument no other process on this machine has
const marker = (name: string) => join(conf, `${name}.marker`);
let base = '';

function writeConfig(): void {
  const labels = `{${TEST_LABEL}: "${RUN_ID}"}`;
  const files: Record<string, string[]> = {
    'environments/default.yaml': ['GREETING: hello from a unit', `DB_PASSWORD: ${SECRET}`],
    'environments/prod.yaml': ['GREETING: hello from prod', `DB_PASSWORD: ${PROD_SECRET}`],
    'images/base/Dockerfile': [
      'FROM scratch',
      'COPY busybox /bin/busybox',
      'RUN ["/bin/busybox", "--install", "-s", "/bin"]',
    ],
    [`units/${UNIT}/start.yaml`]: [
      'web:',
      '  build:',
      '    path: images/base',
      `    tag: ${WEB_TAG}`,
      `    labels: ${labels}`,
      '  creation:',
      // httpd in the background and a shell that exits on SIGTERM: PID 1 ignoring it would make every stop wait 10 s.
      '    command: [sh, -c, "mkdir -p /www && echo \\"$GREETING\\" > /www/index.html && httpd -f -p 80 -h /www & trap \'exit 0\' TERM; wait"]',
      '    environment: {GREETING: "{{GREETING}}", DB_PASSWORD: "{{DB_PASSWORD}}", WHO: "{{WHO:-world}}", EXTRA: "{{UNIT_EXTRA}}"}',
      '    ports: ["127.0.0.1::80"]',
      `    labels: ${labels}`,
      '  checks:',
      '    - {name: home, type: daemon, port: 80, path: /, status: 200, body: "{{GREETING}}", timeout: 20}',
      '---',
      '- web: {command: build}',
      '- web: {command: start}',
      `- host: {command: execute, run: [sh, -c, "echo said {{DB_PASSWORD}}; touch ${marker('hello')}"], variants: [hello]}`,
    ],
    [`units/${UNIT}/hello.yaml`]: [
      'web:',
      `  import: ${UNIT}/web`,
      '---',
      '- host: {command: execute, run: [echo, hello]}',
    ],
    [`units/${JOBS}/start.yaml`]: [
      'job:',
      `  image: ${base}`,
      '  creation:',
      '    command: [sh, -c, "echo job says ok; exit 4"]',
      `    labels: ${labels}`,
      '  checks:',
      '    - {name: said-ok, type: job, exit_code: 4, log: "job says ok", timeout: 20}',
      '    - {name: exit-zero, type: job, exit_code: 0, timeout: 20}',
      '---',
      '- job: {command: start}',
    ],
    [`units/${FAIL}/start.yaml`]: [
      'job:',
      `  image: ${base}`,
      '  creation:',
      '    command: [sh, -c, "exit 0"]',
      `    labels: ${labels}`,
      '---',
      '- job: {command: create}',
      '- job: {command: execute, type: temporary, run: [sh, -c, "echo boom; exit 3"]}',
      `- host: {command: execute, run: [touch, ${marker('fail')}]}`,
    ],
    [`units/${SLOW}/start.yaml`]: [
      'box:',
      `  image: ${base}`,
      '  creation:',
      `    labels: ${labels}`,
      '---',
      `- host: {command: execute, run: [sh, -c, "echo sleeping; exec sleep ${SLEEP}"]}`,
      `- host: {command: execute, run: [touch, ${marker('slow')}]}`,
      '- box: {command: create}',
    ],
    [`units/${BAD}/start.yaml`]: [
      'web:',
      `  image: ${base}`,
      '  creation:',
      '    portz: ["127.0.0.1::80"]',
      '---',
      '- web: {command: start}',
    ],
  };
  for (const [path, lines] of Object.entries(files)) {
    mkdirSync(join(conf, path, '..'), { recursive: true });
    writeFileSync(join(conf, path), `${lines.join('\n')}\n`);
  }
  copyFileSync(HOST_BUSYBOX, join(conf, 'images/base/busybox'));
}

const it = await engineTests({
  ready: async (client) => {
    base = await buildBusybox(client, 'harpoon-test-cli-unit');
    writeConfig();
  },
  after: async (client) => {
    if (client) for (const unit of UNITS) await client.removeManaged({ 'harpoon.unit': unit });
    rmSync(conf, { recursive: true, force: true });
    rmSync(emptyHome, { recursive: true, force: true });
  },
});

/** The environment of every run: no $HARPOON_CONF, an empty home, one variable from the process environment. */
const env = (extra: NodeJS.ProcessEnv = {}) => {
  const e = cliEnv({ HOME: emptyHome, UNIT_EXTRA: 'extra-from-env', ...extra });
  if (!('HARPOON_CONF' in extra)) delete e.HARPOON_CONF;
  return e;
};
const harpoon = (args: string[], extra: NodeJS.ProcessEnv = {}) => harpoonCli(args, { env: env(extra) });
const unit = (...args: string[]) => harpoon(['unit', ...args]);
const run = (...args: string[]) => unit('run', '-c', conf, ...args);

/** What the engine holds for a unit, by its label. */
async function held(client: Harpoon, name: string) {
  const found = await client.listManaged({ 'harpoon.unit': name });
  return {
    containers: found.containers.length,
    images: found.images.length,
    volumes: found.volumes.length,
    networks: found.networks.length,
  };
}
const NOTHING = { containers: 0, images: 0, volumes: 0, networks: 0 };

/** A minimal XML well-formedness check: one root, every tag closed in order, only the five entities. */
function assertWellFormedXml(xml: string): void {
  assert.ok(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n'), 'an XML declaration first');
  const body = xml.replace(/^<\?xml[^>]*\?>\s*/, '');
  const stack: string[] = [];
  let roots = 0;
  const tag = /<(\/?)([A-Za-z_][\w.-]*)((?:\s+[\w.-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let m: RegExpExecArray | null;
  let at = 0;
  while ((m = tag.exec(body))) {
    at = tag.lastIndex;
    const [, close, name, , selfClose, text] = m;
    if (text !== undefined) {
      assert.ok(stack.length > 0 || !text.trim(), `text outside the root: ${text}`);
      assert.not.match(text.replace(/&(amp|lt|gt|quot|apos);/g, ''), /&/, 'only the five XML entities');
      continue;
    }
    if (close) assert.is(stack.pop(), name, `</${name}> closes the open tag`);
    else {
      if (stack.length === 0) roots++;
      if (!selfClose) stack.push(name!);
    }
  }
  assert.is(at, body.length, `XML parses to the end (stopped at: ${body.slice(at, at + 60)})`);
  assert.equal(stack, [], 'every tag closed');
  assert.is(roots, 1, 'one root element');
}

// --- help -----------------------------------------------------------------------------------

it('harpoon unit --help, harpoon help unit and harpoon unit run --help print usage and exit 0', async () => {
  for (const args of [
    ['unit', '--help'],
    ['help', 'unit'],
  ]) {
    const r = await harpoon(args);
    assert.is(r.code, 0, showResult(r));
    assert.match(r.stdout, /^Usage: harpoon unit \[options\] \[command\]/m);
    for (const sub of ['list', 'run', 'help']) assert.match(r.stdout, new RegExp(`^  ${sub} `, 'm'), `lists ${sub}`);
    assert.match(r.stdout, /units\/<unit>\/<command>\.yaml/);
    assert.match(r.stdout, /^Exit: 0; 1 when an order or check failed/m);
  }
  const r = await harpoon(['unit', 'run', '--help']);
  assert.is(r.code, 0, showResult(r));
  assert.match(r.stdout, /^Usage: harpoon unit run \[options\] <target>/m);
  for (const flag of [
    '-c, --conf',
    '-E, --environment',
    '--set',
    '--dry-run',
    '--print-unit',
    '--print-substitutions',
    '--junit',
    '--json',
    '-q, --quiet',
  ]) {
    assert.ok(r.stdout.includes(flag), `mentions ${flag}`);
  }
  assert.not.match(r.stdout, /\(default: \[\]\)/, 'no commander default noise');
});

// --- list -----------------------------------------------------------------------------------

it('unit list: a table of the units with their written and derived commands; --json; -q', async () => {
  const text = await unit('list', '-c', conf);
  assert.is(text.code, 0, showResult(text));
  assert.is(text.stderr, '');
  const lines = text.stdout.split('\n');
  assert.is(lines[0], `Config directory: ${conf} (-c flag)`);
  assert.match(lines[1]!, /^UNIT +COMMANDS +DERIVED FROM start\.yaml$/);
  const row = lines.find((l) => l.startsWith(`${UNIT} `));
  assert.ok(row, text.stdout);
  assert.match(row!, new RegExp(`^${UNIT} +hello start +backup build cleanup create purge restart restore stop test$`));
  // Columns line up (docker-style), whatever the unit names' lengths.
  const commandsAt = lines[1]!.indexOf('COMMANDS');
  for (const line of lines.slice(2).filter(Boolean))
    assert.is(line.slice(commandsAt - 3, commandsAt), '   ', `aligned: ${line}`);

  const json = await unit('list', '-c', conf, '--json');
  assert.is(json.code, 0, showResult(json));
  const parsed = JSON.parse(json.stdout) as {
    confDir: string;
    confReason: string;
    units: Array<{ name: string; commands: string[]; derived: string[] }>;
  };
  assert.is(parsed.confDir, conf);
  assert.is(parsed.confReason, '-c flag');
  assert.equal(parsed.units.map((u) => u.name).sort(), [...UNITS].sort());
  assert.equal(
    parsed.units.find((u) => u.name === UNIT),
    {
      name: UNIT,
      commands: ['hello', 'start'],
      derived: ['backup', 'build', 'cleanup', 'create', 'purge', 'restart', 'restore', 'stop', 'test'],
    },
  );

  const quiet = await unit('list', '-c', conf, '-q');
  assert.is(quiet.code, 0, showResult(quiet));
  assert.equal(quiet.stdout.trim().split('\n').sort(), [...UNITS].sort());
});

it('unit list: the config directory from $HARPOON_CONF; -c wins over it; none found is an error naming what was tried', async () => {
  const fromEnv = await harpoon(['unit', 'list', '--json'], { HARPOON_CONF: conf });
  assert.is(fromEnv.code, 0, showResult(fromEnv));
  const parsed = JSON.parse(fromEnv.stdout) as { confDir: string; confReason: string };
  assert.is(parsed.confDir, conf);
  assert.is(parsed.confReason, '$HARPOON_CONF');

  const flagWins = await harpoon(['unit', 'list', '-c', emptyHome, '--json'], { HARPOON_CONF: conf });
  assert.is(flagWins.code, 0, showResult(flagWins));
  assert.equal(JSON.parse(flagWins.stdout), { confDir: emptyHome, confReason: '-c flag', units: [] });

  const missing = await harpoon(['unit', 'list', '--json'], { HARPOON_CONF: join(conf, 'no-such-dir') });
  assert.is(missing.code, 125, showResult(missing));
  assert.is(missing.stdout, '');
  assert.match(missing.stderr, new RegExp(`${join(conf, 'no-such-dir')} \\(from \\$HARPOON_CONF\\) does not exist`));

  if (existsSync('/etc/harpoon')) return; // a machine-wide config dir would be found: nothing more to test here
  const none = await unit('list');
  assert.is(none.code, 125, showResult(none));
  assert.is(none.stdout, '');
  assert.match(
    none.stderr,
    /No config directory found\. Tried: -c flag: not given; \$HARPOON_CONF: not set; .*\.harpoon: does not exist; \/etc\/harpoon: does not exist/,
  );
});

// --- help UNIT ------------------------------------------------------------------------------

it('unit help UNIT: its commands, containers with image and checks, variants; an unknown unit lists the units', async () => {
  const r = await unit('help', UNIT, '-c', conf);
  assert.is(r.code, 0, showResult(r));
  assert.match(r.stdout, new RegExp(`^Unit ${UNIT} \\(${conf}/units/${UNIT}\\)$`, 'm'));
  assert.match(r.stdout, /^ {2}commands written: hello start$/m);
  assert.match(
    r.stdout,
    /^ {2}commands derived from start\.yaml: backup build cleanup create purge restart restore stop test$/m,
  );
  assert.match(
    r.stdout,
    new RegExp(`^ {4}web +${UNIT}-web +image ${WEB_TAG} \\(built\\) +checks: home \\(daemon\\)$`, 'm'),
  );
  assert.match(r.stdout, /^ {2}variants of start: hello$/m);
  assert.match(r.stdout, /^ {2}test:check runs the checks$/m);

  const jobs = await unit('help', JOBS, '-c', conf);
  assert.is(jobs.code, 0, showResult(jobs));
  assert.match(jobs.stdout, /checks: said-ok \(job\), exit-zero \(job\)$/m);

  const unknown = await unit('help', `nosuch-${RUN_ID}`, '-c', conf);
  assert.is(unknown.code, 125, showResult(unknown));
  assert.is(unknown.stdout, '');
  assert.match(unknown.stderr, new RegExp(`no unit "nosuch-${RUN_ID}"`));
  for (const name of UNITS) assert.ok(unknown.stderr.includes(name), `lists ${name}: ${unknown.stderr}`);
});

// --- what would run: --print-unit, --print-substitutions, --dry-run --------------------------

it('--print-unit: the resolved unit as YAML, the secret masked; changes nothing, needs no run', async (client) => {
  const r = await run(`${UNIT}/start`, '--print-unit');
  assert.is(r.code, 0, showResult(r));
  assert.is(r.stderr, '');
  assert.match(r.stdout, new RegExp(`^unit: ${UNIT}$`, 'm'));
  assert.match(r.stdout, /^ +GREETING: hello from a unit$/m);
  assert.match(r.stdout, /^ +DB_PASSWORD: "?\*\*\*\*"?$/m);
  assert.match(r.stdout, /^ +WHO: world$/m);
  assert.match(r.stdout, /^ +EXTRA: extra-from-env$/m);
  assert.match(r.stdout, /echo said \*\*\*\*;/, 'the secret is masked in orders too');
  assert.not.ok(r.stdout.includes(SECRET), 'the secret value is never printed');
  assert.match(r.stdout, new RegExp(`at: units/${UNIT}/start\\.yaml line 14`));

  const json = await run(`${UNIT}/start`, '--print-unit', '--json');
  assert.is(json.code, 0, showResult(json));
  const parsed = JSON.parse(json.stdout) as {
    unit: string;
    containers: { web: { creation: { env: Record<string, string> } } };
  };
  assert.is(parsed.unit, UNIT);
  assert.is(parsed.containers.web.creation.env.DB_PASSWORD, '****');
  assert.not.ok(json.stdout.includes(SECRET));
  assert.equal(await held(client, UNIT), NOTHING);
});

it('--print-substitutions: each value and where it came from (env file line, --set, process env, default); -E NAME', async () => {
  const r = await run(`${UNIT}/start`, '--print-substitutions');
  assert.is(r.code, 0, showResult(r));
  const rows = r.stdout.trimEnd().split('\n');
  assert.match(rows[0]!, /^VARIABLE +VALUE +FROM +USED AT$/);
  const file = `units/${UNIT}/start.yaml`;
  assert.match(
    r.stdout,
    new RegExp(`^DB_PASSWORD +\\*\\*\\*\\* +environments/default\\.yaml line 2 +${file} lines 8, 16$`, 'm'),
  );
  assert.match(
    r.stdout,
    new RegExp(`^GREETING +hello from a unit +environments/default\\.yaml line 1 +${file} lines 8, 12$`, 'm'),
  );
  assert.match(r.stdout, new RegExp(`^UNIT_EXTRA +extra-from-env +process environment +${file} line 8$`, 'm'));
  assert.match(r.stdout, new RegExp(`^WHO +world +default at ${file} line 8 +${file} line 8$`, 'm'));
  assert.not.ok(r.stdout.includes(SECRET));

  const set = await run(
    `${UNIT}/start`,
    '--print-substitutions',
    '--json',
    '-E',
    'prod',
    '--set',
    'WHO=tester',
    '--set',
    'UNIT_EXTRA=from-set',
  );
  assert.is(set.code, 0, showResult(set));
  const subs = Object.fromEntries(
    (JSON.parse(set.stdout) as Array<{ name: string; value: string; from: string; secret: boolean }>).map((s) => [
      s.name,
      s,
    ]),
  );
  assert.equal(subs.WHO, { ...subs.WHO!, value: 'tester', from: '--set', secret: false });
  assert.equal(subs.UNIT_EXTRA, { ...subs.UNIT_EXTRA!, value: 'from-set', from: '--set' });
  assert.equal(subs.GREETING, { ...subs.GREETING!, value: 'hello from prod', from: 'environments/prod.yaml line 1' });
  assert.equal(subs.DB_PASSWORD, {
    ...subs.DB_PASSWORD!,
    value: '****',
    from: 'environments/prod.yaml line 2',
    secret: true,
  });
  assert.not.ok(set.stdout.includes(PROD_SECRET));

  const both = await run(`${UNIT}/start`, '--print-substitutions', '--print-unit', '--json');
  assert.is(both.code, 0, showResult(both));
  const doc = JSON.parse(both.stdout) as { substitutions: unknown[]; unit: { unit: string } };
  assert.ok(Array.isArray(doc.substitutions) && doc.unit.unit === UNIT, 'both asked: one JSON object with both');

  const noEnv = await run(`${UNIT}/start`, '--print-substitutions', '-E', 'nope');
  assert.is(noEnv.code, 125, showResult(noEnv));
  assert.match(noEnv.stderr, /no environment "nope".*Valid: default, prod/);
  const badSet = await run(`${UNIT}/start`, '--print-substitutions', '--set', 'WHO');
  assert.is(badSet.code, 125, showResult(badSet));
  assert.match(badSet.stderr, /--set "WHO": write VAR=value/);
});

it('--dry-run: each step with its action, where it is written and what it waits for; --json; nothing changes on the engine', async (client) => {
  const r = await run(`${UNIT}/start`, '--dry-run');
  assert.is(r.code, 0, showResult(r));
  assert.is(r.stderr, '');
  const file = `units/${UNIT}/start.yaml`;
  assert.match(r.stdout, new RegExp(`^Plan for ${UNIT}/start, as the engine is now:$`, 'm'));
  assert.match(
    r.stdout,
    new RegExp(
      `^ {2}1\\. build web +build ${conf}/images/base as ${WEB_TAG}\\n +${file} line 14; waits for no other step$`,
      'm',
    ),
  );
  assert.match(
    r.stdout,
    new RegExp(
      `^ {2}2\\. start web +create ${UNIT}-web \\(missing\\), start it\\n +${file} line 15; after 1 \\(same container\\)$`,
      'm',
    ),
  );
  assert.match(
    r.stdout,
    new RegExp(`^ {2}skipped: execute on host, ${file} line 16 \\(variant hello not asked for\\)$`, 'm'),
  );
  assert.match(r.stdout, /^Nothing was changed \(--dry-run\)\.$/m);

  const hello = await run(`${UNIT}/start:hello`, '--dry-run', '--json');
  assert.is(hello.code, 0, showResult(hello));
  assert.not.ok(hello.stdout.includes(SECRET), 'the secret in the host order is masked');
  const plan = JSON.parse(hello.stdout) as {
    target: string;
    unit: string;
    command: string;
    file: string;
    variants: string[];
    steps: Array<{
      number: number;
      order: string;
      container?: string;
      source: string;
      action: string;
      waitsFor: Array<{ step: number; why: string }>;
    }>;
    skipped: unknown[];
  };
  assert.equal(
    {
      target: plan.target,
      unit: plan.unit,
      command: plan.command,
      file: plan.file,
      variants: plan.variants,
      skipped: plan.skipped,
    },
    { target: `${UNIT}/start:hello`, unit: UNIT, command: 'start', file, variants: ['hello'], skipped: [] },
  );
  assert.equal(
    plan.steps.map((s) => [s.number, s.order, s.container ?? 'host', s.source, s.waitsFor]),
    [
      [1, 'build', 'web', `${file} line 14`, []],
      [2, 'start', 'web', `${file} line 15`, [{ step: 1, why: 'same container' }]],
      [3, 'execute', 'host', `${file} line 16`, [{ step: 2, why: 'a host order runs after everything before it' }]],
    ],
  );
  assert.match(plan.steps[2]!.action, /echo said \*\*\*\*; touch .* on this machine/);

  assert.equal(await held(client, UNIT), NOTHING, 'nothing created');
  assert.not.ok(existsSync(marker('hello')), 'no host order ran');
  assert.not.ok(await client.imageExists(WEB_TAG), 'nothing built');
});

it('a config error exits 125 naming the file and line, before anything runs', async (client) => {
  const r = await run(`${BAD}/start`);
  assert.is(r.code, 125, showResult(r));
  assert.is(r.stdout, '');
  assert.match(
    r.stderr,
    new RegExp(`units/${BAD}/start\\.yaml line 4, web\\.creation\\.portz: unknown key "portz"; did you mean "ports"`),
  );
  const target = await run(`${UNIT}/nosuch`);
  assert.is(target.code, 125, showResult(target));
  assert.match(target.stderr, new RegExp(`unit ${UNIT} has no command "nosuch".*Valid: .*hello.*start`));
  const bare = await run(UNIT);
  assert.is(bare.code, 125, showResult(bare));
  assert.match(
    bare.stderr,
    new RegExp(
      `"${UNIT}" is a unit: name one of its commands too, e\\.g\\. ${UNIT}/start \\(commands: backup build cleanup create hello purge`,
    ),
  );
  assert.equal(await held(client, BAD), NOTHING);
});

// --- runs -----------------------------------------------------------------------------------

it('unit run: start (-E prod, --set) builds and starts, step lines on stderr, a summary on stdout; then purge removes it all', async (client) => {
  const r = await run(`${UNIT}/start:hello`, '-E', 'prod', '--set', 'WHO=tester');
  assert.is(r.code, 0, showResult(r));
  assert.match(r.stdout, new RegExp(`^${UNIT}/start:hello: 3 orders done in [0-9.]+ s\\n$`));
  for (const line of [
    /^\[1\] build web \.\.\.$/m,
    new RegExp(`^\\[1\\] build web: built ${WEB_TAG} \\([0-9a-f]{12}\\) \\([0-9.]+ s\\)$`, 'm'),
    /^\[2\] start web \.\.\.$/m,
    /^\[2\] start web: created, started \([0-9.]+ s\)$/m,
    /^\[3\] execute on host \| said \*\*\*\*$/m,
    /^\[3\] execute on host: ran on this machine, exit 0 \([0-9.]+ s\)$/m,
  ])
    assert.match(r.stderr, line);
  assert.not.ok(r.stderr.includes(PROD_SECRET), 'the secret echoed by the order is masked');
  assert.ok(existsSync(marker('hello')), "the variant's host order ran");

  // The container has -E prod's and --set's values, and serves the greeting on 127.0.0.1.
  const info = await client.container(`${UNIT}-web`).inspect();
  assert.ok(info.State.Running);
  assert.equal(info.Config.Env.filter((e) => /^(GREETING|DB_PASSWORD|WHO|EXTRA)=/.test(e)).sort(), [
    'DB_PASSWORD=' + PROD_SECRET,
    'EXTRA=extra-from-env',
    'GREETING=hello from prod',
    'WHO=tester',
  ]);
  assert.is(info.Config.Labels['harpoon.unit'], UNIT);
  const port = info.NetworkSettings.Ports['80/tcp']?.find((b) => b.HostIp === '127.0.0.1')?.HostPort;
  assert.is(await (await fetch(`http://127.0.0.1:${port}/`)).text(), 'hello from prod\n');

  // Again, same values: nothing to recreate; the dry run says so.
  const again = await run(`${UNIT}/start`, '-E', 'prod', '--set', 'WHO=tester', '--dry-run');
  assert.match(again.stdout, /^ {2}2\. start web +running and unchanged: nothing to do$/m);

  // test:check with --junit: the start orders, then the check; a valid JUnit file.
  const junit = join(conf, 'web-checks.xml');
  const checked = await run(`${UNIT}/test:check`, '-E', 'prod', '--set', 'WHO=tester', '--junit', junit);
  assert.is(checked.code, 0, showResult(checked));
  assert.match(
    checked.stdout,
    new RegExp(`^check ${UNIT}-web/home: passed \\([0-9.]+ s\\) GET http://127\\.0\\.0\\.1:${port}/: status 200`, 'm'),
  );
  assert.match(
    checked.stdout,
    new RegExp(`\\n${UNIT}/test:check: 3 orders done in [0-9.]+ s\\n$`),
    'the summary is the last line',
  );
  const xml = readFileSync(junit, 'utf8');
  assertWellFormedXml(xml);
  assert.match(xml, new RegExp(`<testsuites name="${UNIT}/test:check" tests="1" failures="0"`));
  assert.match(xml, new RegExp(`<testcase name="home" classname="${UNIT}-web" time="[0-9.]+">`));

  const purge = await run(`${UNIT}/purge`);
  assert.is(purge.code, 0, showResult(purge));
  assert.match(purge.stdout, new RegExp(`^${UNIT}/purge: 3 orders done in [0-9.]+ s\\n$`));
  assert.match(purge.stderr, /^\[1\] stop web: /m);
  assert.match(purge.stderr, /^\[2\] remove web: /m);
  assert.match(purge.stderr, /^\[3\] remove_image web: /m);
  assert.equal(await held(client, UNIT), NOTHING, 'purge left nothing of the unit');
  assert.not.ok(await client.imageExists(WEB_TAG));
});

it('unit run --json: JSON lines on stderr, one JSON result on stdout', async (client) => {
  const r = await run(`${UNIT}/start`, '--json');
  assert.is(r.code, 0, showResult(r));
  const result = JSON.parse(r.stdout) as {
    ok: boolean;
    target: string;
    steps: Array<{
      step: number;
      order: string;
      container: string | null;
      source: string;
      status: string;
      outcome: string;
      ms: number;
    }>;
    checks: unknown[];
  };
  assert.is(result.ok, true);
  assert.is(result.target, `${UNIT}/start`);
  assert.equal(
    result.steps.map((s) => [s.step, s.order, s.container, s.status]),
    [
      [1, 'build', 'web', 'done'],
      [2, 'start', 'web', 'done'],
    ],
  );
  assert.ok(result.steps.every((s) => Number.isInteger(s.ms) && s.source.startsWith(`units/${UNIT}/start.yaml line `)));
  const events = r.stderr
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { event: string; step: number });
  assert.equal(
    events.filter((e) => e.event !== 'step-output').map((e) => [e.event, e.step]),
    [
      ['step-start', 1],
      ['step-done', 1],
      ['step-start', 2],
      ['step-done', 2],
    ],
  );
  assert.ok((await client.container(`${UNIT}-web`).inspect()).State.Running);

  const purge = await run(`${UNIT}/purge`, '-q');
  assert.is(purge.code, 0, showResult(purge));
  assert.is(purge.stdout, '', '-q: no summary');
  assert.is(purge.stderr, '', '-q: only failures');
  assert.equal(await held(client, UNIT), NOTHING);
});

it('test:check with a failing check: exit 1, the check FAILED on stdout, a JUnit <failure>', async (client) => {
  const junit = join(conf, 'jobs-checks.xml');
  const r = await run(`${JOBS}/test:check`, '--junit', junit);
  assert.is(r.code, 1, showResult(r));
  assert.match(r.stdout, new RegExp(`^check ${JOBS}-job/said-ok: passed `, 'm'));
  assert.match(r.stdout, new RegExp(`^check ${JOBS}-job/exit-zero: FAILED \\([0-9.]+ s\\) .*4`, 'm'));
  assert.match(
    r.stderr,
    new RegExp(
      `^harpoon unit run: units/${JOBS}/start\\.yaml line \\d+: order 3 \\(check job\\) failed: check exit-zero failed`,
      'm',
    ),
  );
  const xml = readFileSync(junit, 'utf8');
  assertWellFormedXml(xml);
  assert.match(xml, new RegExp(`<testsuites name="${JOBS}/test:check" tests="2" failures="1"`));
  assert.match(xml, new RegExp(`<testcase name="said-ok" classname="${JOBS}-job" time="[0-9.]+">\\s*<system-out>`));
  assert.match(
    xml,
    new RegExp(
      `<testcase name="exit-zero" classname="${JOBS}-job" time="[0-9.]+">\\s*<failure message="[^"]*4[^"]*" type="job">`,
    ),
  );

  const purge = await run(`${JOBS}/purge`);
  assert.is(purge.code, 0, showResult(purge));
  assert.equal(await held(client, JOBS), NOTHING);
});

it('a failing order: exit 1, stderr names the file, line, order and container; later orders are not run; --json too', async (client) => {
  const file = `units/${FAIL}/start.yaml`;
  const r = await run(`${FAIL}/start`);
  assert.is(r.code, 1, showResult(r));
  assert.is(r.stdout, '', 'no summary for a failed run');
  assert.match(r.stderr, /^\[2\] execute job \| boom$/m);
  assert.match(r.stderr, /^\[2\] execute job: FAILED: the command exited with 3/m);
  assert.match(r.stderr, /^\[3\] execute on host: not run \(order 2 failed\)$/m);
  assert.match(
    r.stderr,
    new RegExp(`^harpoon unit run: ${file} line 8: order 2 \\(execute job\\) failed: the command exited with 3`, 'm'),
  );
  assert.not.ok(existsSync(marker('fail')), 'the host order after the failure did not run');

  const json = await run(`${FAIL}/start`, '--json');
  assert.is(json.code, 1, showResult(json));
  const result = JSON.parse(json.stdout) as {
    ok: boolean;
    error: string;
    steps: Array<{ step: number; order: string; container: string | null; status: string; error?: string }>;
  };
  assert.is(result.ok, false);
  assert.match(result.error, new RegExp(`^${file} line 8: order 2 \\(execute job\\) failed`));
  assert.equal(
    result.steps.map((s) => [s.step, s.order, s.container, s.status]),
    [
      [1, 'create', 'job', 'done'],
      [2, 'execute', 'job', 'failed'],
      [3, 'execute', null, 'not-run'],
    ],
  );
  for (const line of json.stderr.trim().split('\n')) JSON.parse(line);
  assert.not.ok(existsSync(marker('fail')));

  await run(`${FAIL}/purge`);
  assert.equal(await held(client, FAIL), NOTHING);
});

/** Every process of this machine whose command line holds `word`. */
function processesWith(word: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      if (cmdline.includes(word)) found.push(`${pid}: ${cmdline}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

it('SIGTERM during a long host order: exit 143 promptly, the order stopped, no new order started', async (client) => {
  const [file, ...pre] = HARPOON_BIN;
  const child = spawn(file!, [...pre, 'unit', 'run', '-c', conf, `${SLOW}/start`], {
    cwd: ROOT,
    env: env(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  const sleeping = new Promise<void>((resolve) =>
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      if (stderr.includes('| sleeping')) resolve();
    }),
  );
  const closed = new Promise<number | null>((resolve) => child.once('close', resolve));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  try {
    await Promise.race([sleeping, closed]);
    assert.ok(stderr.includes('| sleeping'), `the host order runs: ${stderr}`);
    assert.is(processesWith(`sleep ${SLEEP}`).length, 1, 'the sleep runs');
    const sent = Date.now();
    child.kill('SIGTERM');
    const code = await closed;
    const result: CliResult = { code, stdout, stderr };
    assert.ok(Date.now() - sent < 5_000, `ended promptly (${Date.now() - sent} ms)`);
    assert.is(code, 143, showResult(result));
    assert.match(stderr, /^\[1\] execute on host: stopped by SIGTERM$/m);
    assert.match(stderr, /^\[2\] execute on host: not run \(stopped by SIGTERM\)$/m);
    assert.match(stderr, /^\[3\] create box: not run \(stopped by SIGTERM\)$/m);
    assert.match(
      stderr,
      /^harpoon unit run: stopped by SIGTERM: the running orders were stopped and no new order was started$/m,
    );
    assert.is(stdout, '');
  } finally {
    clearTimeout(timer);
    child.kill('SIGKILL');
  }
  assert.equal(processesWith(`sleep ${SLEEP}`), [], 'the host command was ended with the run');
  assert.not.ok(existsSync(marker('slow')), 'no order after the signal ran');
  assert.equal(await held(client, SLOW), NOTHING, 'the box was never created');
});

test.run();
