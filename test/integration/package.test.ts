// harpoon as the npm package users install: `npm pack` (prepack builds dist/), the tarball
// installed with npm into an empty project outside this repository, then, with plain `node`
// (no tsx) on Node 20, 22 and 24: every entry point imported, the engine's version printed,
// the installed bin run; a strict TypeScript consumer type-checked (and a wrong call refused);
// publint and arethetypeswrong (esm-only) clean. Other Node versions come from the npm registry
// (scripts/node-versions.sh); under CI=true a missing one fails, elsewhere it is skipped.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { engineTests } from '../helpers/integration.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'harpoon-package-'));
const project = join(work, 'consumer');
let tarball = '';
const CI = process.env.CI === 'true';

const it = await engineTests({ after: () => rmSync(work, { recursive: true, force: true }) });

/** The Node binaries to try: this one, and 22 and 24 from the npm registry. */
function nodes(): Array<{ major: string; path: string }> {
  const found = [{ major: process.versions.node.split('.')[0]!, path: process.execPath }];
  const run = spawnSync('bash', [join(ROOT, 'scripts/node-versions.sh'), '22', '24'], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (run.status !== 0) {
    if (CI) throw new Error(`scripts/node-versions.sh failed: ${run.stderr}`);
    console.warn(`skipping Node 22/24: ${run.stderr.trim()}`);
    return found;
  }
  for (const line of run.stdout.trim().split('\n')) {
    const [major, path] = line.split(' ');
    if (major && path && major !== found[0]!.major) found.push({ major, path });
  }
  return found;
}

const sh = (file: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) => {
  const run = spawnSync(file, args, {
    cwd: options.cwd ?? project,
    encoding: 'utf8',
    env: { ...process.env, ...options.env },
    timeout: 300_000,
  });
  return {
    code: run.status,
    out: run.stdout ?? '',
    err: run.stderr ?? '',
    show: `${file} ${args.join(' ')}\nexit ${run.status}\n${run.stdout}\n${run.stderr}`,
  };
};

it('npm pack: a fresh build, only dist/, README, LICENSE and docs, under 600 kB', () => {
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', work], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const [info] = JSON.parse(out) as Array<{ filename: string; size: number; files: Array<{ path: string }> }>;
  tarball = join(work, info!.filename);
  assert.ok(info!.size < 600_000, `packed size ${info!.size} bytes`);
  const tops = new Set(info!.files.map((f) => f.path.split('/')[0]));
  assert.equal([...tops].sort(), ['LICENSE', 'README.md', 'dist', 'docs', 'package.json']);
  assert.ok(info!.files.some((f) => f.path === 'dist/cli/bin.js'));
  assert.not.ok(
    info!.files.some((f) => /\.ts$/.test(f.path) && !f.path.endsWith('.d.ts')),
    'no TypeScript sources',
  );
});

it('installs with npm into an empty project outside the repository', () => {
  mkdirSync(project, { recursive: true });
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }),
  );
  const install = sh('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', tarball]);
  assert.is(install.code, 0, install.show);
  assert.ok(statSync(join(project, 'node_modules/harpoon/dist/index.js')).isFile());
  assert.not.ok(readdirSync(join(project, 'node_modules')).includes('tsx'), 'tsx is not a runtime dependency');
});

const CHECK = `
import * as root from 'harpoon';
import * as launcher from 'harpoon/launcher';
import * as proxy from 'harpoon/proxy';
import * as orchestrator from 'harpoon/orchestrator';
import * as project from 'harpoon/project';
import pkg from 'harpoon/package.json' with { type: 'json' };
const want = { root: ['Harpoon', 'busyboxBase', 'BuildError', 'Launcher', 'startProxyServer', 'runUnit', 'HarpoonError'], launcher: ['Launcher', 'waitFor', 'FileActivityStore'], proxy: ['HarpoonProxy', 'startProxyServer', 'forwardAuth'], orchestrator: ['openUnit', 'runUnit', 'UnitConfigError'], project: ['openProject', 'planImageBuild', 'planImageRun', 'ProjectNotFoundError'] };
const got = { root, launcher, proxy, orchestrator, project };
for (const [entry, names] of Object.entries(want)) for (const name of names) if (got[entry][name] === undefined) throw new Error(entry + ' lacks ' + name);
if (root.Launcher !== launcher.Launcher || root.HarpoonProxy !== proxy.HarpoonProxy || root.runUnit !== orchestrator.runUnit) throw new Error('the root and the subpaths hand out different objects');
for (const internal of ['withoutHopByHop', 'FrameParser', 'xmlEscape', 'mergeByTimestamp', 'parseSetFlags']) if (internal in root) throw new Error('internal ' + internal + ' is exported');
const client = await root.Harpoon.connect();
const info = await client.info();
console.log(JSON.stringify({ node: process.versions.node, version: pkg.version, server: info.ServerVersion, names: Object.keys(root).length }));
`;

it('plain node imports every entry point and reaches the engine, on Node 20, 22 and 24; the installed bin runs', async (client) => {
  writeFileSync(join(project, 'check.mjs'), CHECK);
  const server = (await client.version()).Version;
  const seen: string[] = [];
  for (const node of nodes()) {
    const check = sh(node.path, ['check.mjs']);
    assert.is(check.code, 0, check.show);
    const result = JSON.parse(check.out.trim()) as { node: string; server: string; names: number };
    assert.is(result.node.split('.')[0], node.major);
    assert.is(result.server, server);
    assert.ok(result.names < 80, `the root exports ${result.names} names`);
    // The issue's own one-liner, as a user would type it.
    const oneLiner = sh(node.path, [
      '-e',
      "import('harpoon').then(m => m.Harpoon.connect()).then(c => c.info()).then(i => console.log(i.ServerVersion))",
    ]);
    assert.is(oneLiner.out.trim(), server, oneLiner.show);
    const bin = join(project, 'node_modules/.bin/harpoon');
    const version = sh(node.path, [bin, '--version']);
    assert.is(version.out, '0.1.0\n', version.show);
    const info = sh(node.path, [bin, 'info', '--json']);
    assert.is(info.code, 0, info.show);
    assert.is((JSON.parse(info.out) as { info: { ServerVersion: string } }).info.ServerVersion, server);
    seen.push(node.major);
  }
  if (CI) assert.equal(seen.sort(), ['20', '22', '24']);
  // And through npx, as the README says.
  const npx = sh('npx', ['--no-install', 'harpoon', '--version']);
  assert.is(npx.out, '0.1.0\n', npx.show);
});

const CONSUMER = `
import { Harpoon, BuildError, type RunOptions, type RunResult } from 'harpoon';
import { Launcher, waitFor, type LaunchSpec } from 'harpoon/launcher';
import { startProxyServer, forwardAuth, type ProxyServerOptions } from 'harpoon/proxy';
import { openUnit, type UnitOptions } from 'harpoon/orchestrator';
import { openProject, type Project } from 'harpoon/project';
export async function main(): Promise<RunResult> {
  const client = await Harpoon.connect();
  const spec: LaunchSpec = { image: 'web:1', ready: [waitFor.http('/health')] };
  const options: ProxyServerOptions = { port: 0, authorize: forwardAuth('http://127.0.0.1:1/auth') };
  void new Launcher(client);
  void startProxyServer;
  void spec;
  void options;
  const project: Project = await openProject('.');
  void project.images;
  const unit: UnitOptions = {};
  void openUnit;
  void unit;
  const run: RunOptions = { image: 'mybox:latest', cmd: ['true'] };
  try {
    return await client.run(run);
  } catch (err) {
    if (err instanceof BuildError) throw err;
    throw err;
  } finally {
    void client.docker.listContainers;
  }
}
`;

it('a strict TypeScript consumer (nodenext, skipLibCheck false) type-checks, and a wrong call is a type error', () => {
  const tsconfig = {
    compilerOptions: {
      module: 'nodenext',
      moduleResolution: 'nodenext',
      target: 'es2022',
      strict: true,
      noEmit: true,
      skipLibCheck: false,
      types: ['node'],
      typeRoots: [join(ROOT, 'node_modules/@types')],
    },
    files: ['consumer.ts'],
  };
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify(tsconfig));
  writeFileSync(join(project, 'consumer.ts'), CONSUMER);
  const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
  const good = sh(process.execPath, [tsc, '-p', '.']);
  assert.is(good.code, 0, good.show);
  writeFileSync(
    join(project, 'consumer.ts'),
    `${CONSUMER}\nexport const wrong = async (c: Harpoon) => c.run({ image: 42 });\n`,
  );
  const bad = sh(process.execPath, [tsc, '-p', '.']);
  assert.is(bad.code, 2, bad.show);
  assert.match(bad.out, /consumer\.ts\(\d+,\d+\): error TS2322: Type 'number' is not assignable to type 'string'/);
});

it('publint and arethetypeswrong (esm-only) find nothing', () => {
  const publint = sh(join(ROOT, 'node_modules/.bin/publint'), ['--strict', tarball], { cwd: ROOT });
  assert.is(publint.code, 0, publint.show);
  assert.match(publint.out, /All good!/);
  const attw = sh(join(ROOT, 'node_modules/.bin/attw'), [tarball, '--profile', 'esm-only', '--format', 'json'], {
    cwd: ROOT,
  });
  assert.is(attw.code, 0, attw.show);
  const report = JSON.parse(attw.out) as { analysis: { problems: Array<{ kind: string; resolutionKind: string }> } };
  const real = report.analysis.problems.filter(
    (p) => p.resolutionKind !== 'node10' && p.resolutionKind !== 'node16-cjs',
  );
  assert.equal(real, []);
});

test.run();
