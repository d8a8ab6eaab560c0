// `harpoon dock ...` as a process, without an engine: help, exit codes (docker's: 1 for a dock
// problem, 125 for bad flags), --print-command on stdout and nothing done, stdout/stderr as
// `docker context`.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HARPOON_BIN as HARPOON, REPO_ROOT as ROOT } from '../helpers/cli.ts';
import { docksTable, dockerContextCreate, effectiveContext, type DockRow } from '../../src/cli/commands/dock.ts';
import { listDocks } from '../../src/cli/docks/store.ts';

const configDir = mkdtempSync(join(tmpdir(), 'harpoon-docks-cli-'));
test.after(() => rmSync(configDir, { recursive: true, force: true }));

/** No engine anywhere: the default context points at a socket that does not exist. */
const NO_ENGINE = 'unix:///nonexistent/harpoon-docks.sock';

function harpoon(
  args: string[],
  env: Record<string, string> = {},
): { status: number | null; stdout: string; stderr: string } {
  const [file, ...rest] = HARPOON;
  const clean = { ...process.env };
  for (const v of [
    'DOCKER_HOST',
    'DOCKER_CONTEXT',
    'DOCKER_TLS_VERIFY',
    'DOCKER_TLS',
    'DOCKER_CERT_PATH',
    'HARPOON_DOCK',
  ])
    delete clean[v];
  return spawnSync(file!, [...rest, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...clean, DOCKER_CONFIG: configDir, ...env },
  });
}

test('dock --help: the subcommands, docks as docker contexts, and cloud machines out of scope', () => {
  const run = harpoon(['dock', '--help']);
  assert.is(run.status, 0);
  for (const sub of ['add', 'ls', 'rm', 'use', 'env']) assert.match(run.stdout, new RegExp(`^  ${sub}\\b`, 'm'));
  assert.match(run.stdout, /Creating cloud machines is out of scope/);
  assert.match(run.stdout, /docker --context NAME/);
  assert.match(harpoon(['--help']).stdout, /^  dock +manage docks/m);
});

/** The contexts on disk in configDir. */
const contexts = () => listDocks(configDir).map((d) => `${d.name} ${d.url}`);

test('add --print-command: `docker context create` on stdout, nothing else, nothing written; add: NAME on stdout, a note on stderr', () => {
  const printed = harpoon(['dock', 'add', 'sock1', 'unix:///nonexistent/one.sock', '--print-command']);
  assert.is(printed.status, 0, printed.stderr);
  assert.is(
    printed.stdout,
    "docker context create sock1 --description 'harpoon dock' --docker host=unix:///nonexistent/one.sock\n",
  );
  assert.is(printed.stderr, '');
  assert.equal(contexts(), [], 'nothing created');
  const run = harpoon(['dock', 'add', 'sock1', 'unix:///nonexistent/one.sock']);
  assert.is(run.status, 0, run.stderr);
  assert.is(run.stdout, 'sock1\n');
  assert.match(run.stderr, /^Added dock "sock1"/);
  assert.equal(contexts(), ['sock1 unix:///nonexistent/one.sock']);
});

test('add --print-command checks as add does: an existing name without --force, a bad name or URL exit 1 with nothing on stdout', () => {
  const exists = harpoon(['dock', 'add', 'sock1', 'unix:///nonexistent/two.sock', '--print-command']);
  assert.is(exists.status, 1);
  assert.is(exists.stdout, '');
  assert.match(exists.stderr, /already exists/);
  const badName = harpoon(['dock', 'add', 'x', 'unix:///x.sock', '--print-command']);
  assert.is(badName.status, 1);
  assert.is(badName.stdout, '');
  // The URL as add would store it: tcp:// gets its default port.
  const tcp = harpoon(['dock', 'add', 'lo', 'tcp://127.0.0.1', '--print-command']);
  assert.is(tcp.status, 0, tcp.stderr);
  assert.is(tcp.stdout, "docker context create lo --description 'harpoon dock' --docker host=tcp://127.0.0.1:2375\n");
});

test('add: exit 1 for an existing name (with the fix), an invalid name or URL (with a pointer to --help)', () => {
  const again = harpoon(['dock', 'add', 'sock1', 'unix:///nonexistent/two.sock']);
  assert.is(again.status, 1);
  assert.match(again.stderr, /^harpoon dock add: context "sock1" already exists .*--force/);
  assert.not.match(again.stderr, /--help/);
  const badName = harpoon(['dock', 'add', 'default', 'unix:///x.sock']);
  assert.is(badName.status, 1);
  assert.match(badName.stderr, /reserved/);
  assert.match(badName.stderr, /See 'harpoon dock add --help'/);
  const badUrl = harpoon(['dock', 'add', 'remote', 'tcp://203.0.113.7:2375']);
  assert.is(badUrl.status, 1);
  assert.match(badUrl.stderr, /--tls-dir/);
  assert.is(badUrl.stdout, '');
});

test('add --force replaces; --print-command then shows the rm too', () => {
  const printed = harpoon(['dock', 'add', 'sock1', 'unix:///nonexistent/two.sock', '--force', '--print-command']);
  assert.is(printed.status, 0, printed.stderr);
  assert.match(printed.stdout, /^docker context rm --force sock1\ndocker context create sock1 .*two\.sock\n$/);
  assert.equal(contexts(), ['sock1 unix:///nonexistent/one.sock'], 'not replaced by --print-command');
  const run = harpoon(['dock', 'add', 'sock1', 'unix:///nonexistent/two.sock', '--force']);
  assert.is(run.status, 0, run.stderr);
  assert.equal(contexts(), ['sock1 unix:///nonexistent/two.sock']);
});

test('add: a password in the URL is refused, and never echoed', () => {
  const run = harpoon(['dock', 'add', 'pw', 'ssh://me:hunter2@host', '--print-command']);
  assert.is(run.status, 1);
  assert.not.match(run.stderr, 'hunter2');
  assert.match(run.stderr, /ssh:\/\/me:\*\*\*\*@host/);
});

test("bad flags and missing arguments exit 125, as docker's flag errors; an unknown subcommand 1, as `docker context nosuch`", () => {
  assert.is(harpoon(['dock', 'add', 'x1', 'unix:///x.sock', '--bogus']).status, 125);
  assert.is(harpoon(['dock', 'add', 'x1']).status, 125);
  assert.is(harpoon(['dock', 'frobnicate']).status, 1);
});

test('use: sets currentContext (other keys kept), warns when DOCKER_HOST overrides it; missing → 1', () => {
  writeFileSync(
    join(configDir, 'config.json'),
    JSON.stringify({ auths: { 'r.example': { auth: 'eA==' } }, credsStore: 'pass' }),
  );
  const printed = harpoon(['dock', 'use', 'sock1', '--print-command']);
  assert.is(printed.status, 0, printed.stderr);
  assert.equal([printed.stdout, printed.stderr], ['docker context use sock1\n', '']);
  assert.equal(
    JSON.parse(readFileSync(join(configDir, 'config.json'), 'utf8')),
    { auths: { 'r.example': { auth: 'eA==' } }, credsStore: 'pass' },
    'unchanged',
  );
  const notThere = harpoon(['dock', 'use', 'ghost', '--print-command']);
  assert.equal([notThere.status, notThere.stdout], [1, '']);
  const run = harpoon(['dock', 'use', 'sock1']);
  assert.is(run.status, 0, run.stderr);
  assert.is(run.stdout, 'sock1\n');
  assert.match(run.stderr, /^Current context is now "sock1"\n/);
  assert.equal(JSON.parse(readFileSync(join(configDir, 'config.json'), 'utf8')), {
    auths: { 'r.example': { auth: 'eA==' } },
    credsStore: 'pass',
    currentContext: 'sock1',
  });
  const warned = harpoon(['dock', 'use', 'sock1'], { DOCKER_HOST: NO_ENGINE });
  assert.match(warned.stderr, /Warning: DOCKER_HOST is set/);
  const missing = harpoon(['dock', 'use', 'ghost']);
  assert.is(missing.status, 1);
  assert.match(missing.stderr, /context "ghost" does not exist/);
});

test('ls --json without an engine: every dock listed, unreachable with the reason, the current one marked; exit 0', () => {
  const started = Date.now();
  const run = harpoon(['dock', 'ls', '--json', '--timeout', '2'], { DOCKER_HOST: NO_ENGINE });
  assert.is(run.status, 0, run.stderr);
  const rows = JSON.parse(run.stdout) as DockRow[];
  assert.equal(
    rows.map((r) => r.name),
    ['default', 'sock1'],
  );
  const [def, sock1] = rows as [DockRow, DockRow];
  assert.is(def.url, NO_ENGINE);
  assert.is(def.current, true, 'DOCKER_HOST set: the docker CLI would use "default"');
  assert.is(sock1.current, false);
  assert.equal(
    { ...sock1, error: null },
    {
      name: 'sock1',
      url: 'unix:///nonexistent/two.sock',
      current: false,
      description: 'harpoon dock',
      harpoon: true,
      tls: false,
      reachable: false,
      engineVersion: null,
      error: null,
    },
  );
  assert.match(sock1.error!, /ENOENT/);
  assert.ok(Date.now() - started < 15_000);
  // --print-command: the docker commands on stdout, no engine asked.
  const printed = harpoon(['dock', 'ls', '--print-command'], { DOCKER_HOST: NO_ENGINE });
  assert.is(printed.status, 0, printed.stderr);
  assert.is(
    printed.stdout,
    "docker context ls\ndocker --context default version --format '{{.Server.Version}}'\ndocker --context sock1 version --format '{{.Server.Version}}'\n",
  );
  assert.is(printed.stderr, '');
  // Without DOCKER_HOST, config.json's currentContext is the current one.
  const table = harpoon(['dock', 'ls']);
  assert.is(table.status, 0, table.stderr);
  assert.match(table.stdout, /^NAME +URL +ENGINE VERSION +REACHABLE\n/);
  assert.match(table.stdout, /^sock1 \* +unix:\/\/\/nonexistent\/two\.sock +- +no: .*ENOENT/m);
});

test('ls: an engine that accepts but never answers (tcp, and ssh that never greets) is "no answer" after --timeout, and ls exits', async () => {
  const sockets: Socket[] = [];
  const server = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const cfg = mkdtempSync(join(tmpdir(), 'harpoon-docks-hang-'));
  try {
    const env = { DOCKER_CONFIG: cfg, DOCKER_HOST: NO_ENGINE };
    assert.is(harpoon(['dock', 'add', 'tcphang', `tcp://127.0.0.1:${port}`], env).status, 0);
    assert.is(harpoon(['dock', 'add', 'sshhang', `ssh://me@127.0.0.1:${port}`], env).status, 0);
    // Asynchronously: this process's server must stay responsive (it never answers, by design).
    const [file, ...rest] = HARPOON;
    const started = Date.now();
    const child = spawn(file!, [...rest, 'dock', 'ls', '--json', '--timeout', '1'], {
      cwd: ROOT,
      env: { ...process.env, ...env },
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    const elapsed = Date.now() - started;
    assert.is(status, 0);
    // ssh2 would otherwise wait 20 s for the server's greeting before letting the process end.
    assert.ok(elapsed < 10_000, `dock ls took ${elapsed} ms`);
    const rows = JSON.parse(stdout) as DockRow[];
    for (const name of ['tcphang', 'sshhang']) {
      const row = rows.find((r) => r.name === name)!;
      assert.equal([row.reachable, row.error], [false, 'no answer within 1 s'], name);
    }
  } finally {
    for (const socket of sockets) socket.destroy();
    server.close();
    rmSync(cfg, { recursive: true, force: true });
  }
});

test('ls --timeout must be a positive number', () => {
  const run = harpoon(['dock', 'ls', '--timeout', 'soon']);
  assert.is(run.status, 1);
  assert.match(run.stderr, /--timeout "soon"/);
});

test('env: the script on stdout (nothing else); --print-command prints the docker command instead; missing dock → 1 and an empty stdout', () => {
  const run = harpoon(['dock', 'env', 'sock1']);
  assert.is(run.status, 0, run.stderr);
  assert.match(run.stdout, /^export DOCKER_HOST='unix:\/\/\/nonexistent\/two\.sock'\n/m);
  assert.match(run.stdout, /^export HARPOON_DOCK='sock1'$/m);
  assert.is(run.stderr, '');
  const printed = harpoon(['dock', 'env', 'sock1', '--print-command']);
  assert.equal(
    [printed.status, printed.stdout, printed.stderr],
    [0, "docker context inspect sock1 --format '{{.Endpoints.docker.Host}}'\n", ''],
  );
  const unsetPrinted = harpoon(['dock', 'env', '--unset', '--print-command']);
  assert.equal([unsetPrinted.status, unsetPrinted.stderr], [0, '']);
  assert.match(unsetPrinted.stdout, /^# no docker command: /);
  assert.is(harpoon(['dock', 'env', 'ghost', '--print-command']).status, 1);
  const missing = harpoon(['dock', 'env', 'ghost']);
  assert.is(missing.status, 1);
  assert.is(missing.stdout, '');
  const none = harpoon(['dock', 'env']);
  assert.is(none.status, 1);
  assert.match(none.stderr, /--unset/);
  const unset = harpoon(['dock', 'env', '--unset']);
  assert.is(unset.status, 0);
  assert.match(unset.stdout, /^unset DOCKER_HOST /);
  assert.is(harpoon(['dock', 'env', 'default']).stdout, unset.stdout, 'env default = --unset');
  assert.is(harpoon(['dock', 'env', 'sock1', '--unset']).status, 1);
  const fish = harpoon(['dock', 'env', 'sock1', '--shell', 'fish']);
  assert.is(fish.status, 1);
  assert.match(fish.stderr, /fish is not supported yet/);
});

test('rm: refuses the current dock (1), removes with --force and says the current one is now default', () => {
  const refused = harpoon(['dock', 'rm', 'sock1']);
  assert.is(refused.status, 1);
  assert.match(refused.stderr, /in use/);
  assert.is(harpoon(['dock', 'add', 'sock2', 'unix:///nonexistent/three.sock']).status, 0);
  // --print-command: the command, what would fail reported (exit 1), nothing removed.
  const printed = harpoon(['dock', 'rm', 'ghost', 'sock2', '--print-command']);
  assert.is(printed.status, 1);
  assert.is(printed.stdout, 'docker context rm ghost sock2\n');
  assert.is(printed.stderr, 'harpoon dock rm: context "ghost" does not exist\n');
  assert.ok(contexts().includes('sock2 unix:///nonexistent/three.sock'), 'still there');
  // As `docker context rm a b`: what can go goes, the failure is reported, exit 1.
  const partly = harpoon(['dock', 'rm', 'ghost', 'sock2']);
  assert.is(partly.status, 1);
  assert.is(partly.stdout, 'sock2\n');
  assert.match(partly.stderr, /context "ghost" does not exist/);
  const forced = harpoon(['dock', 'rm', '--force', 'sock1']);
  assert.is(forced.status, 0, forced.stderr);
  assert.match(forced.stderr, /now "default"/);
  assert.equal(JSON.parse(readFileSync(join(configDir, 'config.json'), 'utf8')), {
    auths: { 'r.example': { auth: 'eA==' } },
    credsStore: 'pass',
  });
});

test('dockerContextCreate: host plus the TLS files, URL password masked', () => {
  assert.equal(dockerContextCreate('lab', 'tcp://h:2376', '/certs/lab/'), [
    'docker',
    'context',
    'create',
    'lab',
    '--description',
    'harpoon dock',
    '--docker',
    'host=tcp://h:2376,ca=/certs/lab/ca.pem,cert=/certs/lab/cert.pem,key=/certs/lab/key.pem',
  ]);
  assert.equal(dockerContextCreate('s', 'ssh://me:pw@h').at(-1), 'host=ssh://me:****@h');
});

test('effectiveContext: DOCKER_HOST → default, unless it is the dock HARPOON_DOCK names; then DOCKER_CONTEXT; then config.json', () => {
  const docks = [{ name: 'gpu1', url: 'ssh://me@gpu1' }] as Parameters<typeof effectiveContext>[2];
  const cfg = mkdtempSync(join(tmpdir(), 'harpoon-docks-eff-'));
  try {
    writeFileSync(join(cfg, 'config.json'), '{"currentContext":"fromcfg"}');
    assert.is(effectiveContext(cfg, { DOCKER_HOST: 'ssh://me@gpu1', HARPOON_DOCK: 'gpu1' }, docks), 'gpu1');
    assert.is(effectiveContext(cfg, { DOCKER_HOST: 'ssh://other', HARPOON_DOCK: 'gpu1' }, docks), 'default');
    assert.is(effectiveContext(cfg, { DOCKER_HOST: 'ssh://me@gpu1' }, docks), 'default');
    assert.is(effectiveContext(cfg, { DOCKER_CONTEXT: 'envctx' }, docks), 'envctx');
    assert.is(effectiveContext(cfg, {}, docks), 'fromcfg');
  } finally {
    rmSync(cfg, { recursive: true, force: true });
  }
});

test('docksTable: * after the current name, (TLS) after a TLS URL, the error after "no"', () => {
  const row = (over: Partial<DockRow>): DockRow => ({
    name: 'a',
    url: 'unix:///a',
    current: false,
    description: '',
    harpoon: true,
    tls: false,
    reachable: true,
    engineVersion: '27.0.1',
    error: null,
    ...over,
  });
  const out = docksTable([
    row({ name: 'default', current: true }),
    row({
      name: 'lab',
      url: 'tcp://h:2376',
      tls: true,
      reachable: false,
      engineVersion: null,
      error: 'connect ECONNREFUSED',
    }),
  ]);
  assert.is(
    out,
    [
      'NAME        URL                  ENGINE VERSION   REACHABLE',
      'default *   unix:///a            27.0.1           yes',
      'lab         tcp://h:2376 (TLS)   -                no: connect ECONNREFUSED',
      '',
    ].join('\n'),
  );
});

test.run();
