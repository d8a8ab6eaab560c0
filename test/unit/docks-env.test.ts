// `eval "$(harpoon dock env NAME)"` and `--unset`, evaluated by real shells: the variables
// arrive, TLS leftovers go, the prompt prefix does not stack, and --unset undoes it all.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  dockEnvironment,
  envScript,
  parseShell,
  shellWord,
  unsetScript,
  type DockEnvironment,
} from '../../src/cli/docks/env.ts';
import { DockError, type Dock } from '../../src/cli/docks/store.ts';

const plain: DockEnvironment = { name: 'gpu1', host: 'ssh://me@gpu1.example.com' };
const other: DockEnvironment = {
  name: 'lab',
  host: 'tcp://lab.example.com:2376',
  tls: { certPath: '/cfg/contexts/tls/abc/docker', verify: true },
};

/** The variables a shell ends up with, as NAME=value (or NAME unset) lines. */
const REPORT = [
  'for v in DOCKER_HOST DOCKER_TLS_VERIFY DOCKER_TLS DOCKER_CERT_PATH HARPOON_DOCK PS1 _HARPOON_DOCK_PS1; do',
  '  eval "isset=\\${$v+x}"; if [ -n "$isset" ]; then eval "printf \'%s=[%s]\\n\' $v \\"\\$$v\\""; else printf \'%s unset\\n\' $v; fi',
  'done',
  // Exported or not: what a child process would see.
  'env | grep -E "^(DOCKER_|HARPOON_DOCK|_HARPOON)" | sort | sed "s/^/env:/"',
].join('\n');

// An empty HOME: no rc file of this machine's may run (some bash builds read ~/.bashrc even for -c).
const HOME = mkdtempSync(join(tmpdir(), 'harpoon-env-home-'));
test.after(() => rmSync(HOME, { recursive: true, force: true }));

function shell(
  sh: string,
  script: string,
  env: Record<string, string> = {},
  args: string[] = [],
): Record<string, string> & { _raw: string } {
  const base: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME, ...env };
  const run = spawnSync(sh, [...args, '-c', `${script}\n${REPORT}`], { env: base, encoding: 'utf8' });
  assert.is(run.status, 0, `${sh} failed: ${run.stderr}\n${script}`);
  assert.is(run.stderr, '', `${sh} wrote to stderr`);
  const out: Record<string, string> & { _raw: string } = { _raw: run.stdout } as never;
  for (const line of run.stdout.split('\n')) {
    const set = /^([A-Z_0-9]+)=\[(.*)\]$/.exec(line);
    if (set) out[set[1]!] = set[2]!;
  }
  return out;
}

const evalEnv = (e: DockEnvironment) => `eval ${shellWord(envScript(e))}`;
const evalUnset = `eval ${shellWord(unsetScript())}`;
const SHELL_PROGRAMS = ['bash', 'dash', 'zsh', 'sh'].filter((sh) =>
  ['/bin', '/usr/bin'].some((dir) => existsSync(join(dir, sh))),
);

test('shellWord always single-quotes, so nothing expands', () => {
  assert.is(shellWord('plain'), `'plain'`);
  assert.is(shellWord(`it's`), `'it'\\''s'`);
  assert.is(shellWord(''), `''`);
});

for (const sh of SHELL_PROGRAMS) {
  test(`${sh}: env sets DOCKER_HOST and HARPOON_DOCK (exported), unsets TLS leftovers, prefixes PS1`, () => {
    const vars = shell(sh, `PS1='$ '\n${evalEnv(plain)}`, {
      DOCKER_TLS_VERIFY: '1',
      DOCKER_CERT_PATH: '/old/certs',
      DOCKER_TLS: '1',
    });
    assert.is(vars.DOCKER_HOST, 'ssh://me@gpu1.example.com');
    assert.is(vars.HARPOON_DOCK, 'gpu1');
    assert.is(vars.PS1, '(dock:gpu1) $ ');
    assert.match(vars._raw, 'DOCKER_TLS_VERIFY unset');
    assert.match(vars._raw, 'DOCKER_CERT_PATH unset');
    assert.match(vars._raw, 'DOCKER_TLS unset');
    assert.match(vars._raw, 'env:DOCKER_HOST=ssh://me@gpu1.example.com');
    assert.match(vars._raw, 'env:HARPOON_DOCK=gpu1');
    assert.not.match(vars._raw, 'env:_HARPOON', 'the saved prompt is not exported');
  });

  test(`${sh}: a TLS dock exports DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH`, () => {
    const vars = shell(sh, evalEnv(other));
    assert.is(vars.DOCKER_HOST, 'tcp://lab.example.com:2376');
    assert.is(vars.DOCKER_TLS_VERIFY, '1');
    assert.is(vars.DOCKER_CERT_PATH, '/cfg/contexts/tls/abc/docker');
    assert.match(vars._raw, 'env:DOCKER_CERT_PATH=/cfg/contexts/tls/abc/docker');
  });

  test(`${sh}: eval again (same dock, then another) replaces the prompt prefix instead of stacking it`, () => {
    const vars = shell(sh, `PS1='$ '\n${evalEnv(plain)}\n${evalEnv(plain)}\n${evalEnv(other)}\n${evalEnv(other)}`);
    assert.is(vars.PS1, '(dock:lab) $ ');
    assert.is(vars.DOCKER_HOST, 'tcp://lab.example.com:2376');
    assert.is(vars.HARPOON_DOCK, 'lab');
  });

  test(`${sh}: --unset removes every variable and restores the prompt; twice is harmless`, () => {
    const vars = shell(sh, `PS1='$ '\n${evalEnv(other)}\n${evalEnv(plain)}\n${evalUnset}\n${evalUnset}`);
    assert.is(vars.PS1, '$ ');
    for (const v of [
      'DOCKER_HOST',
      'DOCKER_TLS_VERIFY',
      'DOCKER_TLS',
      'DOCKER_CERT_PATH',
      'HARPOON_DOCK',
      '_HARPOON_DOCK_PS1',
    ])
      assert.match(vars._raw, `${v} unset`);
    assert.not.match(vars._raw, 'env:');
  });

  test(`${sh}: a shell without PS1 (a script) gets no prompt, before or after --unset; set -u is fine`, () => {
    const vars = shell(sh, `set -u\nunset PS1\n${evalEnv(plain)}\nprintf 'docked=%s\\n' "$DOCKER_HOST"\n${evalUnset}`);
    assert.match(vars._raw, 'docked=ssh://me@gpu1.example.com');
    assert.match(vars._raw, 'PS1 unset');
    assert.match(vars._raw, 'DOCKER_HOST unset');
  });
}

test('bash: an interactive child shell that inherits an exported, prefixed PS1 does not stack prefixes', () => {
  // Interactive (-i): a non-interactive bash drops an inherited PS1. Its job-control warnings go to /dev/null.
  const child = `bash --norc -i -c ${shellWord(`${evalEnv(other)}\nprintf 'child PS1=[%s]\\n' "$PS1"\n${evalUnset}\nprintf 'child unset PS1=[%s]\\n' "$PS1"`)} 2>/dev/null`;
  const vars = shell('bash', `export PS1='$ '\n${evalEnv(plain)}\n${child}`);
  assert.match(vars._raw, 'child PS1=[(dock:lab) $ ]');
  assert.match(vars._raw, 'child unset PS1=[$ ]');
  assert.is(vars.PS1, '(dock:gpu1) $ ', 'the parent is untouched');
});

test('hostile values stay literal: nothing in a name, host or path is executed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'harpoon-env-'));
  try {
    const marker = join(dir, 'pwned');
    const evil: DockEnvironment = {
      name: `x'; touch ${marker}; echo '`,
      host: `ssh://h$(touch ${marker})\`touch ${marker}\``,
      tls: { certPath: `/c/"$(touch ${marker})"`, verify: true },
    };
    const vars = shell('bash', `PS1='$ '\n${evalEnv(evil)}`);
    assert.not.ok(existsSync(marker), 'a command ran');
    assert.is(vars.DOCKER_HOST, evil.host);
    assert.is(vars.HARPOON_DOCK, evil.name);
    assert.is(vars.DOCKER_CERT_PATH, evil.tls!.certPath);
    assert.is(vars.PS1, `(dock:${evil.name}) $ `);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const dock = (over: Partial<Dock>): Dock => ({
  name: 'd1',
  url: 'unix:///s.sock',
  description: '',
  byHarpoon: true,
  tls: null,
  skipTLSVerify: false,
  paths: { meta: '/cfg/m/meta.json', tlsDir: '/cfg/t/docker' },
  ...over,
});

test('dockEnvironment: TLS only for tcp with TLS files; SkipTLSVerify → DOCKER_TLS without verification', () => {
  assert.equal(dockEnvironment(dock({})), { name: 'd1', host: 'unix:///s.sock' });
  assert.equal(dockEnvironment(dock({ url: 'tcp://h:2376', tls: { ca: true, cert: true, key: true } })), {
    name: 'd1',
    host: 'tcp://h:2376',
    tls: { certPath: '/cfg/t/docker', verify: true },
  });
  const skip = dockEnvironment(
    dock({ url: 'tcp://h:2376', tls: { ca: true, cert: false, key: false }, skipTLSVerify: true }),
  );
  assert.equal(skip.tls, { certPath: '/cfg/t/docker', verify: false });
  const script = envScript(skip);
  assert.match(script, 'export DOCKER_TLS=1');
  assert.match(script, 'unset DOCKER_TLS_VERIFY');
  assert.equal(dockEnvironment(dock({ url: 'ssh://h', tls: { ca: true, cert: false, key: false } })).tls, undefined);
  try {
    dockEnvironment(dock({ error: 'meta.json: bad' }));
    assert.unreachable();
  } catch (err) {
    assert.instance(err, DockError);
  }
});

test('parseShell: sh by default; bash, zsh, sh; fish not yet; others refused', () => {
  assert.is(parseShell(undefined), 'sh');
  for (const s of ['bash', 'zsh', 'sh'] as const) assert.is(parseShell(s), s);
  for (const [value, pattern] of [
    ['fish', /fish is not supported yet/],
    ['tcsh', /not one of/],
  ] as const) {
    try {
      parseShell(value);
      assert.unreachable();
    } catch (err) {
      assert.instance(err, DockError);
      assert.match((err as Error).message, pattern);
    }
  }
});

test.run();
