// The orchestrator's config layer: config directory, variables, templates, unit files checked
// and converted into the model, imports, derived commands. Every error must name the file, line
// and key where the problem is written; the line numbers below are those of the YAML texts here.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  ConfigDirError,
  listUnits,
  loadUnit,
  loadVariables,
  resolveConfigDir,
  substituteTemplate,
  SubstitutionLog,
  UnitConfigError,
  UnitVariableError,
  type LoadUnitInput,
} from '../../src/orchestrator/config/index.ts';
import type { Order } from '../../src/orchestrator/model.ts';

const temps: string[] = [];
test.after(async () => {
  for (const dir of temps) await rm(dir, { recursive: true, force: true });
});
async function tree(files: Record<string, string>): Promise<string> {
  const base = await mkdtemp(join(tmpdir(), 'harpoon-orch-config-'));
  temps.push(base);
  for (const [path, content] of Object.entries(files)) {
    if (path.endsWith('/')) {
      await mkdir(join(base, path), { recursive: true });
      continue;
    }
    await mkdir(dirname(join(base, path)), { recursive: true });
    await writeFile(join(base, path), content);
  }
  return base;
}

/** Runs fn, expects a UnitConfigError at this file / line / key, returns it. */
function configError(
  fn: () => unknown,
  file: string | undefined,
  line: number | undefined,
  key: string | undefined,
): UnitConfigError {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof UnitConfigError)) throw err;
    assert.is(err.code, 'UNIT_CONFIG');
    assert.equal([err.file, err.line, err.key], [file, line, key], err.message);
    if (file) assert.ok(err.message.startsWith(`${file}${line !== undefined ? ` line ${line}` : ''}`), err.message);
    return err;
  }
  throw new Error('expected a UnitConfigError');
}

// --- config directory -------------------------------------------------------------------------

test('config dir: -c wins over $HARPOON_CONF and ~/.harpoon', async () => {
  const base = await tree({ 'flag/': '', 'envdir/': '', 'home/.harpoon/': '', 'etc/': '' });
  const got = resolveConfigDir({
    flag: join(base, 'flag'),
    env: { HARPOON_CONF: join(base, 'envdir') },
    home: join(base, 'home'),
    system: join(base, 'etc'),
  });
  assert.equal(got, { dir: join(base, 'flag'), reason: '-c flag' });
  const relative = resolveConfigDir({ flag: 'flag', env: {}, home: join(base, 'home'), cwd: base });
  assert.is(relative.dir, join(base, 'flag'));
});

test('config dir: $HARPOON_CONF wins over ~/.harpoon', async () => {
  const base = await tree({ 'envdir/': '', 'home/.harpoon/': '' });
  const got = resolveConfigDir({
    env: { HARPOON_CONF: join(base, 'envdir') },
    home: join(base, 'home'),
    system: join(base, 'etc'),
  });
  assert.equal(got, { dir: join(base, 'envdir'), reason: '$HARPOON_CONF' });
});

test('config dir: ~/.harpoon when it exists, else the system folder', async () => {
  const base = await tree({ 'home/.harpoon/': '', 'nohome/': '', 'etc/': '' });
  assert.equal(resolveConfigDir({ env: {}, home: join(base, 'home'), system: join(base, 'etc') }), {
    dir: join(base, 'home/.harpoon'),
    reason: '~/.harpoon (exists)',
  });
  const sys = resolveConfigDir({ env: { HARPOON_CONF: '' }, home: join(base, 'nohome'), system: join(base, 'etc') });
  assert.equal(sys, { dir: join(base, 'etc'), reason: `${join(base, 'etc')} (exists)` });
});

test('config dir: none found → an error listing what was tried', async () => {
  const base = await tree({ 'nohome/': '' });
  try {
    resolveConfigDir({ env: {}, home: join(base, 'nohome'), system: join(base, 'etc') });
    assert.unreachable();
  } catch (err) {
    assert.instance(err, ConfigDirError);
    const e = err as ConfigDirError;
    assert.equal(e.tried, [
      '-c flag: not given',
      '$HARPOON_CONF: not set',
      `${join(base, 'nohome/.harpoon')}: does not exist`,
      `${join(base, 'etc')}: does not exist`,
    ]);
    assert.match(e.message, /No config directory found/);
    assert.match(e.message, /-c DIR/);
  }
});

test('config dir: a given folder that does not exist names where it came from', async () => {
  const base = await tree({ 'home/.harpoon/': '' });
  const home = join(base, 'home');
  assert.throws(
    () => resolveConfigDir({ flag: join(base, 'nope'), env: {}, home }),
    (e: Error) =>
      e instanceof ConfigDirError && e.message.includes(`${join(base, 'nope')} (from -c flag) does not exist`),
  );
  assert.throws(
    () => resolveConfigDir({ env: { HARPOON_CONF: join(base, 'gone') }, home }),
    (e: Error) => e instanceof ConfigDirError && e.message.includes('(from $HARPOON_CONF)'),
  );
});

// --- variables ----------------------------------------------------------------------------------

test('variables: --set > environment file > process environment, each with its origin', async () => {
  const dir = await tree({
    'environments/default.yaml': '# defaults\nA: from-file\nB: from-file\nPORT: 8080\nDEBUG: true\n',
  });
  const vars = loadVariables({
    confDir: dir,
    set: ['A=from-set', 'X=1=2'],
    env: { A: 'from-env', B: 'from-env', C: 'from-env' },
  });
  assert.equal(vars.lookup('A'), { value: 'from-set', from: '--set' });
  assert.equal(vars.lookup('B'), { value: 'from-file', from: 'environments/default.yaml line 3' });
  assert.equal(vars.lookup('C'), { value: 'from-env', from: 'process environment' });
  assert.equal(vars.lookup('X'), { value: '1=2', from: '--set' });
  assert.equal(vars.lookup('PORT'), { value: '8080', from: 'environments/default.yaml line 4' });
  assert.equal(vars.lookup('DEBUG')?.value, 'true');
  assert.is(vars.lookup('NOPE'), undefined);
  assert.is(vars.environmentFile, 'environments/default.yaml');
});

test('variables: -E NAME picks its file; default.yaml only when it exists; a missing name lists them', async () => {
  const dir = await tree({ 'environments/default.yaml': 'A: d\n', 'environments/prod.yaml': 'A: p\n' });
  assert.equal(loadVariables({ confDir: dir, environment: 'prod', env: {} }).lookup('A'), {
    value: 'p',
    from: 'environments/prod.yaml line 1',
  });
  const e = configError(
    () => loadVariables({ confDir: dir, environment: 'staging', env: {} }),
    undefined,
    undefined,
    '-E',
  );
  assert.equal(e.valid, ['default', 'prod']);
  assert.match(e.message, /no environment "staging" \(no file environments\/staging\.yaml\)/);
  const bare = await tree({ 'environments/prod.yaml': 'A: p\n' });
  const vars = loadVariables({ confDir: bare, env: { A: 'env' } });
  assert.is(vars.environmentFile, undefined);
  assert.equal(vars.lookup('A'), { value: 'env', from: 'process environment' });
});

test('variables: environment file values must be scalars; errors name file, line and key', async () => {
  const dir = await tree({
    'environments/default.yaml': 'A: 1\nNESTED:\n  x: 1\n',
    'environments/bad.yaml': 'A: 1\n9X: 2\n',
    'environments/list.yaml': '- A\n',
  });
  const e = configError(() => loadVariables({ confDir: dir, env: {} }), 'environments/default.yaml', 3, 'NESTED');
  assert.match(e.message, /not a plain value/);
  configError(() => loadVariables({ confDir: dir, environment: 'bad', env: {} }), 'environments/bad.yaml', 2, '9X');
  configError(
    () => loadVariables({ confDir: dir, environment: 'list', env: {} }),
    'environments/list.yaml',
    1,
    undefined,
  );
});

test('variables: --set must be NAME=value', async () => {
  const dir = await tree({});
  const e = configError(
    () => loadVariables({ confDir: dir, set: ['NOEQUALS'], env: {} }),
    undefined,
    undefined,
    '--set',
  );
  assert.match(e.message, /"NOEQUALS" is not VAR=value/);
  configError(() => loadVariables({ confDir: dir, set: ['1A=x'], env: {} }), undefined, undefined, '--set');
  // A map works too (the programmatic form), with the same name check.
  assert.equal(loadVariables({ confDir: dir, set: { A: 'x=y' }, env: {} }).lookup('A'), {
    value: 'x=y',
    from: '--set',
  });
  configError(() => loadVariables({ confDir: dir, set: { 'B C': 'x' }, env: {} }), undefined, undefined, '--set');
});

// --- templates ----------------------------------------------------------------------------------

async function vars(env: Record<string, string>, set: string[] = []) {
  return loadVariables({ confDir: await tree({}), env, set });
}

test('templates: {{VAR}}, {{ VAR }}, defaults, required, \\{{ literal', async () => {
  const v = await vars({ A: 'a', C: 'c', EMPTY: '' });
  const log = new SubstitutionLog();
  const text = 'x: {{A}}\ny: {{ A }}-{{B:-b default}}\nz: {{C:?set C}}\nw: \\{{A}} {{EMPTY:-unused}}|{{N:-}}|\n';
  assert.is(substituteTemplate(text, 'units/u/start.yaml', v, log), 'x: a\ny: a-b default\nz: c\nw: {{A}} ||\n');
  const subs = log.list();
  assert.equal(
    subs.map((s) => [s.name, s.value, s.from, s.usedAt.map((u) => u.line)]),
    [
      ['A', 'a', 'process environment', [1, 2]],
      ['B', 'b default', 'default at units/u/start.yaml line 2', [2]],
      ['C', 'c', 'process environment', [3]],
      ['EMPTY', '', 'process environment', [4]],
      ['N', '', 'default at units/u/start.yaml line 4', [4]],
    ],
  );
});

test('templates: an unset variable names file, line and variable, and where values come from', async () => {
  const v = await vars({});
  try {
    substituteTemplate('a: 1\n\nb: {{DB_HOST}}\n', 'units/u/start.yaml', v, new SubstitutionLog());
    assert.unreachable();
  } catch (err) {
    assert.instance(err, UnitVariableError);
    const e = err as UnitVariableError;
    assert.equal([e.file, e.line, e.variable, e.key], ['units/u/start.yaml', 3, 'DB_HOST', '{{DB_HOST}}']);
    assert.match(
      e.message,
      /^units\/u\/start\.yaml line 3, \{\{DB_HOST\}\}: variable DB_HOST is not set; set it with --set DB_HOST=VALUE/,
    );
    assert.match(e.message, /process environment/);
    assert.match(e.message, /\{\{DB_HOST:-VALUE\}\}/);
  }
});

test('templates: {{VAR:?message}} unset → the message; newline values and bad syntax are errors', async () => {
  const v = await vars({ ML: 'one\ntwo' }, ['S=x']);
  const e = configError(
    () => substituteTemplate('a: 1\nb: {{TOKEN:?the API token from the vault}}\n', 'f.yaml', v, new SubstitutionLog()),
    'f.yaml',
    2,
    '{{TOKEN}}',
  );
  assert.match(e.message, /variable TOKEN is required: the API token from the vault;/);
  const nl = configError(
    () => substituteTemplate('\n\n{{ML}}', 'f.yaml', v, new SubstitutionLog()),
    'f.yaml',
    3,
    '{{ML}}',
  );
  assert.match(nl.message, /the value of ML \(from process environment\) holds a line break/);
  configError(() => substituteTemplate('a: {{S\n}}', 'f.yaml', v, new SubstitutionLog()), 'f.yaml', 1, undefined);
  const bad = configError(
    () => substituteTemplate('a\nb: {{S T}}', 'f.yaml', v, new SubstitutionLog()),
    'f.yaml',
    2,
    undefined,
  );
  assert.match(bad.message, /\{\{S T\}\} is not a variable/);
});

test('templates: names with PASSWORD, SECRET, TOKEN, KEY, CREDENTIAL are secrets', async () => {
  const v = await vars({
    DB_PASSWORD: 'p',
    api_token: 't',
    SSH_KEY: 'k',
    MY_SECRET: 's',
    AWS_CREDENTIALS: 'c',
    USER: 'u',
  });
  const log = new SubstitutionLog();
  substituteTemplate(
    '{{DB_PASSWORD}} {{api_token}} {{SSH_KEY}} {{MY_SECRET}} {{AWS_CREDENTIALS}} {{USER}}',
    'f',
    v,
    log,
  );
  assert.equal(Object.fromEntries(log.list().map((s) => [s.name, s.secret])), {
    AWS_CREDENTIALS: true,
    DB_PASSWORD: true,
    MY_SECRET: true,
    SSH_KEY: true,
    USER: false,
    api_token: true,
  });
});

// --- a whole unit -------------------------------------------------------------------------------

const SITE = `# the site
data:
  build:
    path: data/site
  creation:
    volumes: [/srv/www, "cache:/cache"]
web:
  image: "nginx:{{NGINX_VERSION:-1.27}}"
  creation:
    command: nginx -g "daemon off;"
    environment: {DB_PASSWORD: "{{DB_PASSWORD}}", MODE: prod}
    volumes_from: [data]
    ports: ["127.0.0.1::80", "8080:80", "0.0.0.0:5353:53/udp"]
    links: ["db:database"]
    memory: 256m
    restart: on-failure:3
  startup:
    wait_log: "ready"
  checks:
    - {name: home, type: daemon, port: 80, body: hello}
db:
  import: shared/db
  creation:
    ports: ["5432"]
---
- data: {command: build}
- data: {command: create}
- db: {command: start}
- web: {command: start, timeout: 5}
- web: {command: execute, type: in_running, run: ls /srv/www, variants: [debug]}
- host: {command: execute, run: [echo, done]}
`;
const SHARED = `db:
  image: postgres:16
  creation:
    environment: {POSTGRES_PASSWORD: "{{DB_PASSWORD}}"}
    volumes: [/var/lib/postgresql/data]
    ports: ["127.0.0.1::5432"]
  startup:
    wait_log: "ready to accept"
    timeout: 90
  after: [other]
other:
  image: busybox
---
- db: {command: start}
`;

async function siteDir(extra: Record<string, string> = {}) {
  return tree({
    'units/site/start.yaml': SITE,
    'units/shared/start.yaml': SHARED,
    'data/site/Dockerfile': 'FROM busybox\n',
    'environments/default.yaml': 'DB_PASSWORD: hunter2\n',
    ...extra,
  });
}
const load = (confDir: string, command = 'start', more: Partial<LoadUnitInput> = {}) =>
  loadUnit({ confDir, unit: 'site', command, env: {}, ...more });

test('unit: the composition becomes ContainerSpecs with defaults filled in', async () => {
  const dir = await siteDir();
  const { unit } = load(dir);
  assert.is(unit.name, 'site');
  assert.is(unit.command, 'units/site/start.yaml');
  assert.is(unit.derived, false);
  assert.equal([...unit.containers.keys()], ['data', 'web', 'db']);
  const data = unit.containers.get('data')!;
  assert.equal(data.build, { path: join(dir, 'data/site'), tag: 'site-data:latest', args: {}, labels: {} });
  assert.is(data.creation.image, 'site-data:latest');
  assert.is(data.engineName, 'site-data');
  assert.equal(data.creation.volumes, [
    { source: 'site-data-srv-www', target: '/srv/www', readOnly: false, kind: 'volume' },
    { source: 'site-cache', target: '/cache', readOnly: false, kind: 'volume' },
  ]);
  assert.equal(data.source, { file: 'units/site/start.yaml', line: 2 });
  const web = unit.containers.get('web')!;
  assert.is(web.creation.image, 'nginx:1.27');
  assert.equal(web.creation.command, ['nginx', '-g', 'daemon off;']);
  assert.equal(web.creation.env, { DB_PASSWORD: 'hunter2', MODE: 'prod' });
  assert.equal(web.creation.volumesFrom, ['data']);
  assert.equal(web.creation.ports, [
    { hostIp: '127.0.0.1', containerPort: 80, protocol: 'tcp' },
    { hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80, protocol: 'tcp' },
    { hostIp: '0.0.0.0', hostPort: 5353, containerPort: 53, protocol: 'udp' },
  ]);
  assert.equal(web.creation.links, { db: 'database' });
  assert.is(web.creation.memory, 256 * 1024 * 1024);
  assert.is(web.creation.restart, 'on-failure:3');
  assert.equal(web.startup, { waitHealthy: false, timeoutSeconds: 60, waitLog: 'ready' });
  assert.equal(web.checks, [
    {
      kind: 'daemon',
      name: 'home',
      port: 80,
      path: '/',
      status: 200,
      body: 'hello',
      timeoutSeconds: 30,
      source: { file: 'units/site/start.yaml', line: 20 },
    },
  ]);
  assert.equal(web.after, []);
});

test('unit: import merges local sections over the imported container, key by key', async () => {
  const { unit } = load(await siteDir());
  const db = unit.containers.get('db')!;
  assert.is(db.name, 'db');
  assert.is(db.unit, 'shared');
  assert.is(db.engineName, 'shared-db');
  assert.is(db.importedFrom, 'shared/db');
  assert.equal(db.source, { file: 'units/shared/start.yaml', line: 1 });
  assert.is(db.creation.image, 'postgres:16');
  // ports written locally replace the imported ones; environment and volumes come from shared
  assert.equal(db.creation.ports, [{ hostIp: '127.0.0.1', containerPort: 5432, protocol: 'tcp' }]);
  assert.equal(db.creation.env, { POSTGRES_PASSWORD: 'hunter2' });
  assert.equal(db.creation.volumes, [
    {
      source: 'shared-db-var-lib-postgresql-data',
      target: '/var/lib/postgresql/data',
      readOnly: false,
      kind: 'volume',
    },
  ]);
  assert.equal(db.startup, { waitHealthy: false, timeoutSeconds: 90, waitLog: 'ready to accept' });
  // `after` names containers of the other unit: not imported
  assert.equal(db.after, []);
});

test('unit: orders with their arguments and defaults', async () => {
  const dir = await siteDir();
  const { unit } = load(dir);
  const S = 'units/site/start.yaml';
  assert.equal(unit.orders, [
    { container: 'data', command: 'build', variants: [], args: {}, source: { file: S, line: 26 } },
    { container: 'data', command: 'create', variants: [], args: {}, source: { file: S, line: 27 } },
    { container: 'db', command: 'start', variants: [], args: { timeout: 10 }, source: { file: S, line: 28 } },
    { container: 'web', command: 'start', variants: [], args: { timeout: 5 }, source: { file: S, line: 29 } },
    {
      container: 'web',
      command: 'execute',
      variants: ['debug'],
      args: { type: 'in_running', run: ['ls', '/srv/www'] },
      source: { file: S, line: 30 },
    },
    { command: 'execute', variants: [], args: { type: 'host', run: ['echo', 'done'] }, source: { file: S, line: 31 } },
  ] satisfies Order[]);
});

test('unit: substitutions record value, origin and every place of use, across imports', async () => {
  const { substitutions } = load(await siteDir(), 'start', { set: ['NGINX_VERSION=1.25'] });
  assert.equal(substitutions, [
    {
      name: 'DB_PASSWORD',
      value: 'hunter2',
      from: 'environments/default.yaml line 1',
      usedAt: [
        { file: 'units/site/start.yaml', line: 11 },
        { file: 'units/shared/start.yaml', line: 4 },
      ],
      secret: true,
    },
    {
      name: 'NGINX_VERSION',
      value: '1.25',
      from: '--set',
      usedAt: [{ file: 'units/site/start.yaml', line: 8 }],
      secret: false,
    },
  ]);
  const { unit } = load(await siteDir(), 'start', { set: ['NGINX_VERSION=1.25'] });
  assert.is(unit.containers.get('web')!.creation.image, 'nginx:1.25');
});

test('unit: an unset variable in an imported file names that file', async () => {
  const dir = await siteDir({ 'environments/default.yaml': 'OTHER: 1\n' });
  const e = configError(() => load(dir), 'units/site/start.yaml', 11, '{{DB_PASSWORD}}');
  assert.instance(e, UnitVariableError);
  const dir2 = await siteDir({ 'units/shared/start.yaml': SHARED.replace('{{DB_PASSWORD}}', '{{PG_PASS}}') });
  configError(() => load(dir2), 'units/shared/start.yaml', 4, '{{PG_PASS}}');
});

// --- validation errors --------------------------------------------------------------------------

/** A unit `u` whose start.yaml is `text` (plus a Dockerfile folder `img/`). */
async function unitDir(text: string, extra: Record<string, string> = {}) {
  return tree({ 'units/u/start.yaml': text, 'img/Dockerfile': 'FROM busybox\n', 'empty/': '', ...extra });
}
const loadU = (dir: string, command = 'start') => loadUnit({ confDir: dir, unit: 'u', command, env: {} });
/** The 1-based line of the first line of `text` containing `marker`. */
const lineOf = (text: string, marker: string) => text.split('\n').findIndex((l) => l.includes(marker)) + 1;
async function expectUnitError(text: string, marker: string, key: string | undefined, extra?: Record<string, string>) {
  const line = lineOf(text, marker);
  assert.ok(line > 0, `marker ${marker}`);
  const dir = await unitDir(text, extra);
  return configError(() => loadU(dir), 'units/u/start.yaml', line, key);
}
const ORDERS = '---\n- a: {command: start}\n';

test('errors: the example port message, with file, line and key', async () => {
  const text = `a:\n  image: x\n  creation:\n    ports:\n      - "127.0.0.1::80"\n      - abc\n${ORDERS}`;
  const e = await expectUnitError(text, '- abc', 'a.creation.ports[1]');
  assert.is(
    e.message,
    'units/u/start.yaml line 6, a.creation.ports[1]: "abc" is not a port mapping: the container port "abc" is not a port (1-65535) or range (8000-8010); write HOST_IP:HOST_PORT:CONTAINER_PORT, e.g. "127.0.0.1::80", "8080:80" or "127.0.0.1:8080:80/udp"',
  );
  await expectUnitError(
    `a:\n  image: x\n  creation: {ports: ["1.2.3:80:80"]}\n${ORDERS}`,
    'ports',
    'a.creation.ports[0]',
  );
  await expectUnitError(`a:\n  image: x\n  creation: {ports: ["70000"]}\n${ORDERS}`, 'ports', 'a.creation.ports[0]');
  // The parser is core's (as -p's); units narrow it: one port, tcp/udp, an address when one is written.
  for (const [spec, why] of [
    ['8000-8001:80-81', 'ranges are not supported in units'],
    ['80/sctp', 'units publish tcp or udp'],
    [':8080:80', 'write the host address'],
  ]) {
    const r = await expectUnitError(
      `a:\n  image: x\n  creation: {ports: ["${spec}"]}\n${ORDERS}`,
      'ports',
      'a.creation.ports[0]',
    );
    assert.match(r.message, why);
  }
});

test('ports: core parser, 127.0.0.1 by default, IPv6 in brackets', async () => {
  const dir = await unitDir(`a:\n  image: x\n  creation: {ports: ["80", "8080:81/udp", "[::1]:9000:82"]}\n${ORDERS}`);
  const { unit } = await loadU(dir);
  assert.equal(unit.containers.get('a')!.creation.ports, [
    { hostIp: '127.0.0.1', containerPort: 80, protocol: 'tcp' },
    { hostIp: '127.0.0.1', hostPort: 8080, containerPort: 81, protocol: 'udp' },
    { hostIp: '::1', hostPort: 9000, containerPort: 82, protocol: 'tcp' },
  ]);
});

test('errors: unknown keys list the valid ones and suggest a likely typo', async () => {
  const e = await expectUnitError(`a:\n  image: x\n  creaton:\n    tty: true\n${ORDERS}`, 'creaton', 'a.creaton');
  assert.match(e.detail, /unknown key "creaton"; did you mean "creation"\?/);
  assert.equal(e.valid, ['build', 'image', 'import', 'creation', 'startup', 'checks', 'after']);
  const v = await expectUnitError(
    `a:\n  image: x\n  creation:\n    tty: true\n    volume: [/x]\n${ORDERS}`,
    'volume:',
    'a.creation.volume',
  );
  assert.match(v.detail, /did you mean "volumes"\?/);
  const far = await expectUnitError(`a:\n  image: x\n  startup: {zzzzzz: 1}\n${ORDERS}`, 'zzzzzz', 'a.startup.zzzzzz');
  assert.is(far.detail, 'unknown key "zzzzzz"');
  assert.equal(far.valid, ['wait_log', 'wait_healthy', 'wait_exit', 'timeout']);
});

test('errors: container names, and exactly one of build, image, import', async () => {
  await expectUnitError(`a:\n  image: x\n-bad:\n  image: x\n${ORDERS}`, '-bad', '-bad');
  const host = await expectUnitError(`a:\n  image: x\nhost:\n  image: x\n${ORDERS}`, 'host:', 'host');
  assert.match(host.detail, /reserved/);
  const both = await expectUnitError(`a:\n  image: x\n  build: {path: img}\n${ORDERS}`, 'a:', 'a');
  assert.match(both.detail, /has build and image: write exactly one/);
  const none = await expectUnitError(`a:\n  creation: {tty: true}\n${ORDERS}`, 'a:', 'a');
  assert.match(none.detail, /needs one of build/);
});

test('errors: memory, restart, volumes, network mode', async () => {
  const mem = await expectUnitError(
    `a:\n  image: x\n  creation:\n    memory: 12x\n${ORDERS}`,
    'memory',
    'a.creation.memory',
  );
  assert.match(mem.detail, /"12x" is not a memory size/);
  const r = await expectUnitError(
    `a:\n  image: x\n  creation:\n    restart: sometimes\n${ORDERS}`,
    'restart',
    'a.creation.restart',
  );
  assert.equal(r.valid, ['no', 'always', 'unless-stopped', 'on-failure', 'on-failure:N']);
  const rel = await expectUnitError(
    `a:\n  image: x\n  creation:\n    volumes:\n      - /ok\n      - ./here:/x\n${ORDERS}`,
    './here',
    'a.creation.volumes[1]',
  );
  assert.match(rel.detail, /relative host path/);
  await expectUnitError(
    `a:\n  image: x\n  creation:\n    volumes: ["data/x:/x"]\n${ORDERS}`,
    'volumes',
    'a.creation.volumes[0]',
  );
  await expectUnitError(
    `a:\n  image: x\n  creation:\n    volumes: ["/h:rel"]\n${ORDERS}`,
    'volumes',
    'a.creation.volumes[0]',
  );
  const nm = await expectUnitError(
    `a:\n  image: x\n  creation:\n    network_mode: mesh\n${ORDERS}`,
    'network_mode',
    'a.creation.network_mode',
  );
  assert.equal(nm.valid, ['none', 'host', 'bridge', 'container:NAME']);
});

test('errors: a volume list of every kind converts', async () => {
  const dir = await unitDir(
    `a:\n  image: x\n  creation:\n    volumes: [/var/lib/x/, "named:/n:ro", "/host/p:/c:ro", "/w:rw"]\n${ORDERS}`,
  );
  assert.equal(loadU(dir).unit.containers.get('a')!.creation.volumes, [
    { source: 'u-a-var-lib-x', target: '/var/lib/x/', readOnly: false, kind: 'volume' },
    { source: 'u-named', target: '/n', readOnly: true, kind: 'volume' },
    { source: '/host/p', target: '/c', readOnly: true, kind: 'bind' },
    { source: 'u-a-w', target: '/w', readOnly: false, kind: 'volume' },
  ]);
});

test('errors: references must be containers of the unit', async () => {
  const vf = await expectUnitError(
    `a:\n  image: x\nb:\n  image: x\n  creation:\n    volumes_from: [c]\n${ORDERS}`,
    'volumes_from',
    'b.creation.volumes_from[0]',
  );
  assert.match(vf.detail, /"c" is not a container of unit u/);
  assert.equal(vf.valid, ['a', 'b']);
  await expectUnitError(
    `a:\n  image: x\nb:\n  image: x\n  creation:\n    links: ["a:alias", "zz"]\n${ORDERS}`,
    'links',
    'b.creation.links[1]',
  );
  await expectUnitError(
    `a:\n  image: x\nb:\n  image: x\n  creation:\n    network_mode: container:q\n${ORDERS}`,
    'network_mode',
    'b.creation.network_mode',
  );
  await expectUnitError(`a:\n  image: x\nb:\n  image: x\n  after:\n    - a\n    - q\n${ORDERS}`, '- q', 'b.after[1]');
  const self = await expectUnitError(`a:\n  image: x\n  after: [a]\n${ORDERS}`, 'after', 'a.after[0]');
  assert.match(self.detail, /cannot refer to itself/);
});

test('errors: a dependency cycle names the cycle', async () => {
  const text = `a:\n  image: x\n  after: [c]\nb:\n  image: x\n  creation: {volumes_from: [a]}\nc:\n  image: x\n  creation: {links: ["b:bee"]}\n${ORDERS}`;
  const e = await expectUnitError(text, 'a:', 'a');
  assert.match(e.detail, /in a cycle: a → c → b → a/);
});

test('errors: build path must exist and hold a Dockerfile unless lines are given', async () => {
  const missing = await expectUnitError(`a:\n  build:\n    path: nowhere\n${ORDERS}`, 'path', 'a.build.path');
  assert.match(missing.detail, /the build folder .*nowhere does not exist/);
  const nofile = await expectUnitError(`a:\n  build:\n    tag: t\n    path: empty\n${ORDERS}`, 'path', 'a.build.path');
  assert.match(nofile.detail, /holds no Dockerfile/);
  const dir = await unitDir(
    `a:\n  build:\n    path: empty\n    dockerfile: ["FROM busybox", "RUN true"]\n    args: {V: 1}\n    target: final\n${ORDERS}`,
  );
  const a = loadU(dir).unit.containers.get('a')!;
  assert.equal(a.build, {
    path: join(dir, 'empty'),
    dockerfile: ['FROM busybox', 'RUN true'],
    tag: 'u-a:latest',
    args: { V: '1' },
    labels: {},
    target: 'final',
  });
  const block = await unitDir(
    `a:\n  build:\n    dockerfile: |\n      FROM busybox\n      CMD ["true"]\n    tag: mine:2\n${ORDERS}`,
  );
  assert.equal(loadU(block).unit.containers.get('a')!.build, {
    dockerfile: ['FROM busybox', 'CMD ["true"]'],
    tag: 'mine:2',
    args: {},
    labels: {},
  });
});

test('errors: checks', async () => {
  const np = await expectUnitError(
    `a:\n  image: x\n  checks:\n    - name: h\n      type: daemon\n      port: 81\n${ORDERS}`,
    'port: 81',
    'a.checks[0].port',
  );
  assert.match(np.detail, /container port 81 is not published/);
  const nt = await expectUnitError(`a:\n  image: x\n  checks:\n    - {name: h}\n${ORDERS}`, '- {name', 'a.checks[0]');
  assert.match(nt.detail, /needs type/);
  const job = await expectUnitError(
    `a:\n  image: x\n  checks:\n    - {name: h, type: job, port: 80}\n${ORDERS}`,
    '- {name',
    'a.checks[0].port',
  );
  assert.equal(job.valid, ['name', 'type', 'exit_code', 'log', 'timeout']);
  const dir = await unitDir(
    `a:\n  image: x\n  checks:\n    - {name: j, type: job, log: "ok$"}\n    - {name: u, type: daemon, url: "http://127.0.0.1:8080/x", status: 204, timeout: 5}\n${ORDERS}`,
  );
  assert.equal(loadU(dir).unit.containers.get('a')!.checks, [
    {
      kind: 'job',
      name: 'j',
      exitCode: 0,
      log: 'ok$',
      timeoutSeconds: 30,
      source: { file: 'units/u/start.yaml', line: 4 },
    },
    {
      kind: 'daemon',
      name: 'u',
      url: 'http://127.0.0.1:8080/x',
      path: '/',
      status: 204,
      timeoutSeconds: 5,
      source: { file: 'units/u/start.yaml', line: 5 },
    },
  ]);
});

test('errors: YAML syntax and duplicate keys at their line; a missing orders document', async () => {
  const syn = await expectUnitError(`a:\n  image: x\n  creation: {ports: [80}\n${ORDERS}`, 'ports', undefined);
  assert.match(syn.detail, /^YAML syntax error/);
  const dup = await expectUnitError(`a:\n  image: x\n  image: y\n${ORDERS}`, 'image: y', undefined);
  assert.match(dup.detail, /unique/);
  const text = `a:\n  image: x\n`;
  const noOrders = await unitDir(text);
  const e = configError(() => loadU(noOrders), 'units/u/start.yaml', 3, undefined);
  assert.match(e.detail, /the orders are missing/);
  const dirOf3 = await unitDir(`a:\n  image: x\n${ORDERS}---\n- a: {command: stop}\n`);
  const more = configError(() => loadU(dirOf3), 'units/u/start.yaml', 5, undefined);
  assert.match(more.detail, /this is a third/);
});

// --- orders -------------------------------------------------------------------------------------

const TWO = `a:\n  image: x\n  checks:\n    - {name: up, type: job}\nb:\n  build: {path: img}\n---\n`;
async function expectOrderError(orders: string, marker: string, key: string | undefined) {
  return expectUnitError(TWO + orders, marker, key);
}

test('orders: the key must be a container of the unit or host', async () => {
  const e = await expectOrderError('- a: {command: start}\n- c: {command: start}\n', '- c:', 'orders[1].c');
  assert.equal(e.valid, ['host', 'a', 'b']);
  const two = await expectOrderError('- {a: {command: start}, b: {command: start}}\n', '- {a', 'orders[0]');
  assert.match(two.detail, /exactly one key/);
});

test('orders: unknown arguments list the valid ones for that command', async () => {
  const e = await expectOrderError(
    '- a: {command: start}\n- a: {command: stop, restart: true}\n',
    'stop',
    'orders[1].a.restart',
  );
  assert.match(e.detail, /unknown argument "restart" of stop/);
  assert.equal(e.valid, ['command', 'variants', 'timeout']);
  const typo = await expectOrderError(
    '- b:\n    command: build\n    no_cach: true\n',
    'no_cach',
    'orders[0].b.no_cach',
  );
  assert.match(typo.detail, /did you mean "no_cache"\?/);
  assert.equal(typo.valid, ['command', 'variants', 'no_cache', 'pull']);
  const cmd = await expectOrderError('- a: {command: strat}\n', 'strat', 'orders[0].a.command');
  assert.match(cmd.detail, /"strat" is not an order; did you mean "start"\?/);
  const none = await expectOrderError('- a: {timeout: 3}\n', '- a:', 'orders[0].a');
  assert.match(none.detail, /needs command/);
});

test('orders: host takes only execute, type host implied; container execute needs a type', async () => {
  const e = await expectOrderError('- host: {command: start}\n', 'host', 'orders[0].host.command');
  assert.match(e.detail, /host only takes command: execute/);
  const ty = await expectOrderError(
    '- host: {command: execute, type: in_running, run: ls}\n',
    'host',
    'orders[0].host.type',
  );
  assert.equal(ty.valid, ['host']);
  const nt = await expectOrderError('- a: {command: execute, run: ls}\n', '- a', 'orders[0].a.command');
  assert.equal(nt.valid, ['in_running', 'temporary', 'file_system']);
  const h = await expectOrderError('- a: {command: execute, type: host, run: ls}\n', '- a', 'orders[0].a.type');
  assert.match(h.detail, /- host: \{command: execute/);
  const bad = await expectOrderError('- a: {command: execute, type: inside, run: ls}\n', '- a', 'orders[0].a.type');
  assert.match(bad.detail, /"inside" is not an execute type/);
  const img = await expectOrderError(
    '- a: {command: execute, type: temporary, run: ls, image: busybox}\n',
    '- a',
    'orders[0].a.image',
  );
  assert.match(img.detail, /image is for type file_system/);
  const norun = await expectOrderError('- a: {command: execute, type: temporary}\n', '- a', 'orders[0].a.command');
  assert.match(norun.detail, /needs run/);
  const dir = await unitDir(
    TWO +
      '- host: {command: execute, run: "sh -c \'echo hi\'", interactive: true, environment: [A=1], working_dir: /tmp}\n- a: {command: execute, type: file_system, run: [ls], image: busybox}\n',
  );
  assert.equal(
    loadU(dir).unit.orders.map((o) => o.args),
    [
      { type: 'host', run: ['sh', '-c', 'echo hi'], env: { A: '1' }, workingDir: '/tmp', interactive: true },
      { type: 'file_system', run: ['ls'], image: 'busybox' },
    ],
  );
});

test("orders: check names one of the container's checks; build needs a built container", async () => {
  const e = await expectOrderError('- a: {command: check, check: down}\n', '- a', 'orders[0].a.check');
  assert.match(e.detail, /a has no check "down"/);
  assert.equal(e.valid, ['up']);
  const nob = await expectOrderError('- b: {command: check, check: up}\n', '- b', 'orders[0].b.check');
  assert.match(nob.detail, /b has no checks/);
  const bu = await expectOrderError('- a: {command: build}\n', '- a', 'orders[0].a.command');
  assert.equal(bu.valid, ['b']);
});

test("orders: variants must be a list of names; every command's arguments convert", async () => {
  const v = await expectOrderError('- a: {command: start, variants: debug}\n', '- a', 'orders[0].a.variants');
  assert.match(v.detail, /is not a list of variant names/);
  await expectOrderError('- a: {command: start, variants: ["a b"]}\n', '- a', 'orders[0].a.variants[0]');
  const dir = await unitDir(
    TWO +
      [
        '- b: {command: build, no_cache: true, pull: false, variants: [fresh, ci]}',
        '- a: {command: start, restart: true}',
        '- a: {command: backup, paths: [/data], pause: false}',
        '- a: {command: restore, backup_dir: /srv/bk, backup_name: x.tar, merge: true}',
        '- b: {command: remove, v: true}',
        '- b: {command: remove_image, force: true}',
        '- b: {command: tag, tag: "b:1"}',
        '- b: {command: commit, tag: "b:2", message: m, author: me, changes: ["CMD [\\"x\\"]"]}',
        '- b: {command: push}',
        '- a: {command: check, check: up}',
      ].join('\n') +
      '\n',
  );
  const orders = loadU(dir).unit.orders;
  assert.equal(
    orders.map((o) => [o.container, o.command, o.variants, o.args]),
    [
      ['b', 'build', ['fresh', 'ci'], { noCache: true, pull: false }],
      ['a', 'start', [], { restart: true, timeout: 10 }],
      ['a', 'backup', [], { backupDir: join(dir, 'backups'), backupName: 'u-a.tar', paths: ['/data'], pause: false }],
      ['a', 'restore', [], { backupDir: '/srv/bk', backupName: 'x.tar', merge: true }],
      ['b', 'remove', [], { v: true }],
      ['b', 'remove_image', [], { force: true }],
      ['b', 'tag', [], { tag: 'b:1' }],
      ['b', 'commit', [], { tag: 'b:2', message: 'm', author: 'me', changes: ['CMD ["x"]'] }],
      ['b', 'push', [], {}],
      ['a', 'check', [], { check: 'up' }],
    ],
  );
  assert.equal(
    orders.map((o) => o.source.line),
    [8, 9, 10, 11, 12, 13, 14, 15, 16, 17],
  );
  const tagless = await expectOrderError('- b: {command: tag}\n', '- b', 'orders[0].b.command');
  assert.match(tagless.detail, /tag needs tag/);
});

// --- imports ------------------------------------------------------------------------------------

test('imports: a missing unit or container is an error at the import line', async () => {
  const text = `a:\n  image: x\nd:\n  import: nounit/db\n${ORDERS}`;
  const e = await expectUnitError(text, 'import', 'd.import', { 'units/shared/start.yaml': SHARED });
  assert.match(e.detail, /no unit "nounit"/);
  assert.equal(e.valid, ['shared', 'u']);
  const withShared = { 'units/shared/start.yaml': SHARED, 'environments/default.yaml': 'DB_PASSWORD: pw\n' };
  const c = await expectUnitError(
    `a:\n  image: x\nd:\n  import: shared/dbb\n${ORDERS}`,
    'import',
    'd.import',
    withShared,
  );
  assert.match(c.detail, /unit shared has no container "dbb" in units\/shared\/start\.yaml; did you mean "db"\?/);
  assert.equal(c.valid, ['db', 'other']);
  const lib = await expectUnitError(`d:\n  import: lib/x\n${ORDERS.replace('- a', '- d')}`, 'import', 'd.import', {
    'units/lib/stop.yaml': 'x: {image: y}\n---\n[]\n',
  });
  assert.match(lib.detail, /unit lib has no start\.yaml/);
  await expectUnitError(`d:\n  import: nounit\n${ORDERS.replace('- a', '- d')}`, 'import', 'd.import');
  const both = await expectUnitError(
    `d:\n  import: shared/db\n  image: x\n${ORDERS.replace('- a', '- d')}`,
    'd:',
    'd',
    withShared,
  );
  assert.match(both.detail, /has image and import/);
});

test('imports: a cycle names the chain; errors inside the imported file name that file', async () => {
  const dir = await tree({
    'units/u/start.yaml': `d:\n  import: v/e\n---\n- d: {command: start}\n`,
    'units/v/start.yaml': `e:\n  import: w/f\n---\n[]\n`,
    'units/w/start.yaml': `\nf:\n  import: v/e\n---\n[]\n`,
  });
  const e = configError(() => loadU(dir), 'units/w/start.yaml', 3, 'f.import');
  assert.match(e.detail, /import cycle: u\/d → v\/e → w\/f → v\/e/);
  const bad = await tree({
    'units/u/start.yaml': `d:\n  import: v/e\n  creation: {tty: true}\n---\n- d: {command: start}\n`,
    'units/v/start.yaml': `e:\n  image: x\n  creation:\n    tty: false\n    portz: [80]\n---\n[]\n`,
  });
  const b = configError(() => loadU(bad), 'units/v/start.yaml', 5, 'e.creation.portz');
  assert.match(b.detail, /did you mean "ports"/);
  const local = await tree({
    'units/u/start.yaml': `d:\n  import: v/e\n  creation: {tyy: true}\n---\n- d: {command: start}\n`,
    'units/v/start.yaml': `e:\n  image: x\n---\n[]\n`,
  });
  configError(() => loadU(local), 'units/u/start.yaml', 3, 'd.creation.tyy');
});

test('imports: a chain keeps the nearest unit; two containers may not share an engine name', async () => {
  const dir = await tree({
    'units/u/start.yaml': `d:\n  import: v/e\n  creation: {hostname: mine}\n---\n- d: {command: start}\n`,
    'units/v/start.yaml': `e:\n  import: w/f\n  creation: {user: "1000"}\n---\n[]\n`,
    'units/w/start.yaml': `f:\n  image: base:1\n  creation: {user: root, tty: true, volumes: [/data]}\n---\n[]\n`,
  });
  const d = loadU(dir).unit.containers.get('d')!;
  assert.equal(
    [d.unit, d.engineName, d.importedFrom, d.source],
    ['v', 'v-e', 'v/e', { file: 'units/v/start.yaml', line: 1 }],
  );
  assert.equal(
    [d.creation.image, d.creation.user, d.creation.tty, d.creation.hostname],
    ['base:1', '1000', true, 'mine'],
  );
  assert.equal(
    d.creation.volumes.map((v) => v.source),
    ['v-e-data'],
  );
  const clash = await tree({
    'units/u/start.yaml': `a:\n  image: x\nd:\n  import: u/a\n---\n- a: {command: start}\n`,
  });
  const e = configError(() => loadU(clash), 'units/u/start.yaml', 3, 'd');
  assert.match(e.detail, /both be the engine container u-a/);
});

// --- derived commands ---------------------------------------------------------------------------

const S = 'units/site/start.yaml';
const at = (line: number) => ({ file: S, line });
const DATA = at(2);
const WEB = at(7);
const DB = at(21);

test('derived: build, create, stop in start order (dependencies first)', async () => {
  const dir = await siteDir();
  const build = load(dir, 'build').unit;
  assert.is(build.derived, true);
  assert.is(build.command, S);
  assert.equal(build.orders, [{ container: 'data', command: 'build', variants: [], args: {}, source: DATA }]);
  assert.equal(
    load(dir, 'create').unit.orders.map((o) => [o.container, o.command, o.source]),
    [
      ['db', 'create', DB],
      ['data', 'create', DATA],
      ['web', 'create', WEB],
    ],
  );
  assert.equal(load(dir, 'stop').unit.orders, [
    { container: 'web', command: 'stop', variants: [], args: { timeout: 10 }, source: WEB },
    { container: 'db', command: 'stop', variants: [], args: { timeout: 10 }, source: DB },
  ]);
});

test('derived: cleanup keeps containers holding unit volumes; purge removes all and built images', async () => {
  const dir = await siteDir();
  assert.equal(
    load(dir, 'cleanup').unit.orders.map((o) => [o.container, o.command, o.args]),
    [
      ['web', 'stop', { timeout: 10 }],
      ['db', 'stop', { timeout: 10 }],
      ['web', 'remove', {}],
    ],
  );
  assert.equal(
    load(dir, 'purge').unit.orders.map((o) => [o.container, o.command, o.args]),
    [
      ['web', 'stop', { timeout: 10 }],
      ['db', 'stop', { timeout: 10 }],
      ['web', 'remove', { v: true }],
      ['data', 'remove', { v: true }],
      ['db', 'remove', { v: true }],
      ['data', 'remove_image', {}],
    ],
  );
});

test('derived: backup and restore for each container holding unit volumes', async () => {
  const dir = await siteDir();
  assert.equal(load(dir, 'backup').unit.orders, [
    {
      container: 'db',
      command: 'backup',
      variants: [],
      args: { backupDir: join(dir, 'backups'), backupName: 'shared-db.tar', pause: true },
      source: DB,
    },
    {
      container: 'data',
      command: 'backup',
      variants: [],
      args: { backupDir: join(dir, 'backups'), backupName: 'site-data.tar', pause: true },
      source: DATA,
    },
  ]);
  assert.equal(
    load(dir, 'restore').unit.orders.map((o) => [o.container, o.command, o.args.backupName, o.args.merge]),
    [
      ['db', 'restore', 'shared-db.tar', false],
      ['data', 'restore', 'site-data.tar', false],
    ],
  );
});

test('derived: restart = start orders with restart; test = start orders then a check order per check', async () => {
  const dir = await siteDir();
  const start = load(dir).unit.orders;
  const restart = load(dir, 'restart').unit.orders;
  assert.equal(
    restart.map((o) => [o.container, o.command, o.args.restart, o.source.line]),
    [
      ['data', 'build', undefined, 26],
      ['data', 'create', undefined, 27],
      ['db', 'start', true, 28],
      ['web', 'start', true, 29],
      ['web', 'execute', undefined, 30],
      [undefined, 'execute', undefined, 31],
    ],
  );
  assert.equal(restart[3]!.args, { timeout: 5, restart: true });
  const t = load(dir, 'test').unit;
  assert.equal(t.orders.slice(0, start.length), start);
  assert.equal(t.orders.slice(start.length), [
    { container: 'web', command: 'check', variants: ['check'], args: { check: 'home' }, source: WEB },
  ]);
});

test("derived: a written command file wins; an empty composition uses start.yaml's containers", async () => {
  const dir = await siteDir({ 'units/site/stop.yaml': '# stop only web\n---\n- web: {command: stop, timeout: 2}\n' });
  const { unit } = load(dir, 'stop');
  assert.is(unit.derived, false);
  assert.is(unit.command, 'units/site/stop.yaml');
  assert.equal([...unit.containers.keys()], ['data', 'web', 'db']);
  assert.equal(unit.containers.get('web')!.source, at(7));
  assert.equal(unit.orders, [
    {
      container: 'web',
      command: 'stop',
      variants: [],
      args: { timeout: 2 },
      source: { file: 'units/site/stop.yaml', line: 3 },
    },
  ]);
});

// --- listing, missing units and commands --------------------------------------------------------

test('listUnits: written and derivable commands per unit, sorted', async () => {
  const dir = await siteDir({
    'units/site/stop.yaml': '---\n[]\n',
    'units/lib/deploy.yaml': 'x: {image: y}\n---\n[]\n',
    'units/notes.txt': '',
  });
  assert.equal(listUnits(dir), [
    { name: 'lib', commands: ['deploy'], derived: [] },
    {
      name: 'shared',
      commands: ['start'],
      derived: ['backup', 'build', 'cleanup', 'create', 'purge', 'restart', 'restore', 'stop', 'test'],
    },
    {
      name: 'site',
      commands: ['start', 'stop'],
      derived: ['backup', 'build', 'cleanup', 'create', 'purge', 'restart', 'restore', 'test'],
    },
  ]);
});

test('loadUnit: a missing unit lists the units; a missing command lists the commands', async () => {
  const dir = await siteDir({ 'units/lib/deploy.yaml': 'x: {image: y}\n---\n[]\n' });
  const u = configError(
    () => loadUnit({ confDir: dir, unit: 'sitee', command: 'start', env: {} }),
    undefined,
    undefined,
    undefined,
  );
  assert.match(u.detail, /no unit "sitee" in .*units; did you mean "site"\?/);
  assert.equal(u.valid, ['lib', 'shared', 'site']);
  const c = configError(() => load(dir, 'deploy'), undefined, undefined, undefined);
  assert.match(
    c.detail,
    /unit site has no command "deploy" \(no units\/site\/deploy\.yaml, and deploy is not one derived from start\.yaml\)/,
  );
  assert.equal(c.valid, [
    'backup',
    'build',
    'cleanup',
    'create',
    'purge',
    'restart',
    'restore',
    'start',
    'stop',
    'test',
  ]);
  const nostart = configError(
    () => loadUnit({ confDir: dir, unit: 'lib', command: 'stop', env: {} }),
    undefined,
    undefined,
    undefined,
  );
  assert.match(nostart.detail, /without start\.yaml nothing is derived/);
  assert.equal(nostart.valid, ['deploy']);
});

test.run();
