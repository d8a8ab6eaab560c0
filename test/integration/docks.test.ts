// Docks against the real engine and the real docker CLI, in a temporary DOCKER_CONFIG: the
// docker CLI uses harpoon's docks and harpoon lists the CLI's contexts; `dock ls` pings them;
// `dock use` and `eval "$(harpoon dock env NAME)"` route `harpoon info` (and docker) through a dock.
// The dock points at a symlink to the engine's socket, so an answer proves it went through the dock.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { test } from 'uvu';
import { DEFAULT_SOCKET, type Harpoon } from 'harpoon';
import { engineTests } from '../helpers/integration.ts';
import { HARPOON, ROOT } from '../helpers/pty.ts';
import type { DockRow } from '../../src/cli/commands/dock.ts';

const root = mkdtempSync(join(tmpdir(), 'harpoon-docks-it-'));
const configDir = join(root, 'docker-config');
const home = join(root, 'home');
mkdirSync(home);
const LINK = join(root, 'engine.sock');
const DOCK_URL = `unix://${LINK}`;
const NAME = `hd-${process.pid}`;
const DEAD = `${NAME}-dead`;
let client: Harpoon | undefined;
let serverVersion = '';
let engineVersion = '';

/** This process's environment without anything that chooses an engine, plus the temp config. */
function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !/^(DOCKER_|HARPOON_DOCK)/.test(k)) env[k] = v;
  return { ...env, DOCKER_CONFIG: configDir, ...extra };
}

function harpoon(args: string[], extra: Record<string, string> = {}) {
  const [file, ...rest] = HARPOON;
  return spawnSync(file!, [...rest, ...args], { cwd: ROOT, encoding: 'utf8', env: cleanEnv(extra), timeout: 60_000 });
}

/** The real docker CLI (info, version, context: nothing that pulls). */
function docker(args: string[], extra: Record<string, string> = {}) {
  return spawnSync('docker', args, { encoding: 'utf8', env: cleanEnv(extra), timeout: 60_000 });
}

function lsJson(): DockRow[] {
  const run = harpoon(['dock', 'ls', '--json']);
  assert.is(run.status, 0, run.stderr);
  return JSON.parse(run.stdout) as DockRow[];
}

const live = await engineTests({
  ready: async (c) => {
    client = c;
    const socket = c.endpoint.kind === 'unix' ? c.endpoint.socketPath : DEFAULT_SOCKET;
    symlinkSync(socket, LINK);
    serverVersion = (await c.info()).ServerVersion;
    engineVersion = (await c.version()).Version;
  },
  after: () => {
    rmSync(root, { recursive: true, force: true });
  },
});

live('dock add: the docker CLI sees the dock and reaches the engine through it', () => {
  const add = harpoon(['dock', 'add', NAME, DOCK_URL]);
  assert.is(add.status, 0, add.stderr);
  assert.is(add.stdout, `${NAME}\n`);
  const info = docker(['--context', NAME, 'info', '--format', '{{.ServerVersion}}']);
  assert.is(info.status, 0, info.stderr);
  assert.is(info.stdout.trim(), serverVersion);
  const listed = docker(['context', 'ls', '--format', '{{json .}}']);
  assert.is(listed.status, 0, listed.stderr);
  const mine = listed.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { Name: string; Description: string; DockerEndpoint: string })
    .find((c) => c.Name === NAME);
  assert.ok(mine, listed.stdout);
  assert.is(mine!.DockerEndpoint, DOCK_URL);
  assert.is(mine!.Description, 'harpoon dock');
});

live('dock ls --json: the dock reachable with the engine version, tcp://127.0.0.1:1 not, within the timeout', () => {
  assert.is(harpoon(['dock', 'add', DEAD, 'tcp://127.0.0.1:1']).status, 0);
  const started = Date.now();
  const rows = lsJson();
  assert.ok(Date.now() - started < 20_000, 'ls took too long');
  const mine = rows.find((r) => r.name === NAME);
  assert.equal(mine, {
    name: NAME,
    url: DOCK_URL,
    current: false,
    description: 'harpoon dock',
    harpoon: true,
    tls: false,
    reachable: true,
    engineVersion,
    error: null,
  });
  const dead = rows.find((r) => r.name === DEAD)!;
  assert.is(dead.reachable, false);
  assert.is(dead.engineVersion, null);
  assert.match(dead.error!, /ECONNREFUSED/);
  const def = rows.find((r) => r.name === 'default')!;
  assert.is(def.current, true);
  // The table says the same.
  const table = harpoon(['dock', 'ls']);
  assert.match(
    table.stdout,
    new RegExp(`^${NAME} +${DOCK_URL.replace(/[.]/g, '\\.')} +${engineVersion.replace(/[.+]/g, '\\$&')} +yes$`, 'm'),
  );
  assert.match(table.stdout, new RegExp(`^${DEAD} +tcp://127\\.0\\.0\\.1:1 +- +no: .*ECONNREFUSED`, 'm'));
});

live(
  "a context made by `docker context create` is listed (not harpoon's, reachable), and `dock rm` needs --force for it",
  () => {
    const cliMade = `${NAME}-cli`;
    const created = docker(['context', 'create', cliMade, '--docker', `host=${DOCK_URL}`]);
    assert.is(created.status, 0, created.stderr);
    const row = lsJson().find((r) => r.name === cliMade);
    assert.ok(row);
    assert.is(row!.harpoon, false);
    assert.is(row!.reachable, true);
    assert.is(row!.engineVersion, engineVersion);
    const refused = harpoon(['dock', 'rm', cliMade]);
    assert.is(refused.status, 1);
    assert.match(refused.stderr, /not made by harpoon/);
    assert.is(docker(['context', 'inspect', cliMade]).status, 0, 'still there');
    assert.is(harpoon(['dock', 'rm', '--force', cliMade]).status, 0);
    assert.is(docker(['context', 'inspect', cliMade]).status, 1, 'gone for the docker CLI too');
  },
);

live('a TLS dock: the docker CLI loads its certificates (and gets to connecting, refused)', () => {
  const certs = join(root, 'certs');
  mkdirSync(certs);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: certs, stdio: 'pipe' });
  ssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca-key.pem',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=harpoon test CA',
  );
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'client.csr', '-subj', '/CN=client');
  ssl(
    'x509',
    '-req',
    '-in',
    'client.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca-key.pem',
    '-CAcreateserial',
    '-out',
    'cert.pem',
    '-days',
    '2',
  );
  const tlsName = `${NAME}-tls`;
  const printed = harpoon(['dock', 'add', tlsName, 'tcp://127.0.0.1:1', '--tls-dir', certs, '--print-command']);
  assert.is(printed.status, 0, printed.stderr);
  assert.match(
    printed.stdout,
    new RegExp(
      `^docker context create ${tlsName} --description 'harpoon dock' --docker '?host=tcp://127\\.0\\.0\\.1:1,ca=${certs}/ca\\.pem,cert=${certs}/cert\\.pem,key=${certs}/key\\.pem'?\n$`,
    ),
  );
  assert.is(docker(['context', 'inspect', tlsName]).status, 1, '--print-command creates nothing');
  const add = harpoon(['dock', 'add', tlsName, 'tcp://127.0.0.1:1', '--tls-dir', certs]);
  assert.is(add.status, 0, add.stderr);
  try {
    const inspect = docker([
      'context',
      'inspect',
      tlsName,
      '--format',
      '{{json .TLSMaterial}} {{.Endpoints.docker.Host}}',
    ]);
    assert.is(inspect.status, 0, inspect.stderr);
    assert.is(inspect.stdout.trim(), '{"docker":["ca.pem","cert.pem","key.pem"]} tcp://127.0.0.1:1');
    const version = docker(['--context', tlsName, 'version', '--format', '{{.Server.Version}}']);
    assert.is(version.status, 1);
    assert.match(version.stderr, /Cannot connect to the Docker daemon at tcp:\/\/127\.0\.0\.1:1|connection refused/i);
    assert.not.match(version.stderr, /certificate|invalid|tls:/i);
  } finally {
    assert.is(harpoon(['dock', 'rm', tlsName]).status, 0);
  }
});

live('dock use: `harpoon info --json` and the docker CLI go through the dock; use default undoes it', () => {
  const use = harpoon(['dock', 'use', NAME]);
  assert.is(use.status, 0, use.stderr);
  const info = harpoon(['info', '--json']);
  assert.is(info.status, 0, info.stderr);
  const out = JSON.parse(info.stdout) as { endpoint: string; source: string; info: { ServerVersion: string } };
  assert.is(out.endpoint, DOCK_URL);
  assert.match(
    out.source,
    new RegExp(`docker context "${NAME}" \\(from currentContext in ${configDir}/config\\.json\\)`),
  );
  assert.is(out.info.ServerVersion, serverVersion);
  assert.is(docker(['context', 'show']).stdout.trim(), NAME);
  assert.ok(lsJson().find((r) => r.name === NAME)!.current);
  assert.is(harpoon(['dock', 'use', 'default']).status, 0);
  assert.is(docker(['context', 'show']).stdout.trim(), 'default');
  assert.not.match(readFileSync(join(configDir, 'config.json'), 'utf8'), 'currentContext');
});

live(
  'eval "$(harpoon dock env NAME)" in bash: harpoon info and docker info go through the dock; --unset undoes it',
  () => {
    const script = [
      'h() { "$NODE" "$BIN" "$@"; }',
      'PS1="$ "',
      `eval "$(h dock env ${NAME})" || exit 9`,
      'printf "PS1=[%s]\\n" "$PS1"',
      'h info --json > "$OUT" || exit 10',
      'docker info --format "docker={{.ServerVersion}}" || exit 11',
      'h dock ls --json > "$OUT.ls" || exit 12',
      'eval "$(h dock env --unset)"',
      'printf "after=[%s] PS1=[%s]\\n" "${DOCKER_HOST-unset}" "$PS1"',
    ].join('\n');
    const out = join(root, 'info.json');
    const run = spawnSync('bash', ['--norc', '--noprofile', '-c', script], {
      cwd: ROOT,
      encoding: 'utf8',
      env: cleanEnv({ HOME: home, NODE: HARPOON[0]!, BIN: HARPOON[1]!, OUT: out }),
      timeout: 60_000,
    });
    assert.is(run.status, 0, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, `PS1=[(dock:${NAME}) $ ]`);
    assert.match(run.stdout, `docker=${serverVersion}`);
    assert.match(run.stdout, 'after=[unset] PS1=[$ ]');
    const info = JSON.parse(readFileSync(out, 'utf8')) as { endpoint: string; source: string };
    assert.is(info.endpoint, DOCK_URL);
    assert.is(info.source, 'DOCKER_HOST');
    // In the docked shell, `dock ls` marks the dock as current (not "default").
    const rows = JSON.parse(readFileSync(`${out}.ls`, 'utf8')) as DockRow[];
    assert.equal(
      rows.filter((r) => r.current).map((r) => r.name),
      [NAME],
    );
  },
);

live('cleanup: dock rm removes the docks for the docker CLI too', () => {
  const rm = harpoon(['dock', 'rm', NAME, DEAD]);
  assert.is(rm.status, 0, rm.stderr);
  assert.is(rm.stdout, `${NAME}\n${DEAD}\n`);
  const left = docker(['context', 'ls', '--format', '{{.Name}}']);
  assert.is(left.stdout.trim(), 'default');
  assert.ok(client, 'the engine client is still there');
});

test.run();
