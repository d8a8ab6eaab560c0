// build-image and run-image without an engine: the build plan (FROM order, -f -p -i -t, scripts,
// the builder stage, pull decisions), clean's list, the printed docker commands, the run plan
// (defaults, -k, -e a=b=c, -c, -n, -g, -a, AWS pass-through, names), docked detection, script
// exit codes, progress output, and --help.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BuildEvent } from 'harpoon';
import { BuildImageProgress } from '../../src/cli/build-image-progress.ts';
import {
  buildCommandLines,
  planImageBuilds,
  planClean,
  pullDecision,
  type PlannedBuild,
} from '../../src/project/build-plan.ts';
import { runScript } from '../../src/project/build-script.ts';
import { docking } from '../../src/cli/docked.ts';
import { addDock } from '../../src/cli/docks/store.ts';
import { ProjectOptionError } from '../../src/project/errors.ts';
import { dockerRun, formatCommand, MASK } from '../../src/project/print-command.ts';
import type { ProgressMode } from '../../src/cli/progress.ts';
import {
  buildCatalogue,
  parseProjectConfig,
  ProjectConfigError,
  ProjectImageError,
  runSettings,
  type ImageCatalogue,
  type ProjectConfig,
} from '../../src/project/model.ts';
import {
  containerName,
  gpusArg,
  mountArg,
  runPlanFor,
  portArg,
  type RunImageOptions,
} from '../../src/project/run-plan.ts';
import { HARPOON_BIN as HARPOON, REPO_ROOT as REPO } from '../helpers/cli.ts';
import { fakeProject } from '../helpers/project.ts';

const ROOT = '/src/Shop';
const ctx = { user: 'ada', home: '/home/ada', env: { TOKEN_VALUE: 's3cret' } };
const project = (imageFolders: string[]) => fakeProject(ROOT, imageFolders);

interface Loaded {
  config: ProjectConfig;
  catalogue: ImageCatalogue;
}

function load(dockerfiles: Record<string, string>, lines: string[] = []): Loaded {
  const config = parseProjectConfig(lines.join('\n'), project(Object.keys(dockerfiles).sort()));
  return { config, catalogue: buildCatalogue(config, dockerfiles, ctx) };
}

// Alphabetical order is the wrong build order: zbase ← mid ← app.
const CHAIN = {
  app: 'FROM shop-mid:ada AS builder\nRUN make\nFROM shop-mid:ada\nCOPY --from=builder /out /out\n',
  mid: 'FROM shop-zbase:ada\nRUN echo mid\n',
  zbase: 'FROM scratch\nCOPY busybox /bin/busybox\n',
  tool: 'FROM python:3.12-slim\n',
};

const plan = (l: Loaded, target: string, options = {}) => planImageBuilds(l.config, l.catalogue, ctx, target, options);
const names = (p: PlannedBuild[]) => p.map((b) => b.image);

// --- build plan -------------------------------------------------------------------------------

test('all: every image folder, each after the project images it is built FROM (not directory order)', () => {
  const l = load(CHAIN);
  const all = plan(l, 'all');
  assert.equal(names(all), ['tool', 'zbase', 'mid', 'app']);
  assert.ok(
    names(all).indexOf('zbase') < names(all).indexOf('mid') && names(all).indexOf('mid') < names(all).indexOf('app'),
  );
  assert.ok(all.every((b) => !b.asDependency));
  const app = all.find((b) => b.image === 'app')!;
  assert.is(app.reference, 'shop-app:ada');
  assert.is(app.builder, 'shop-app-builder:ada');
  assert.is(app.dockerfile, 'docker/app/Dockerfile');
});

test('NAME alone builds NAME; -f builds what it is built FROM first (dockerutils: "the base along with it")', () => {
  const l = load(CHAIN);
  assert.equal(names(plan(l, 'app')), ['app']);
  const forced = plan(l, 'app', { force: true });
  assert.equal(names(forced), ['zbase', 'mid', 'app']);
  assert.equal(
    forced.map((b) => b.asDependency),
    [true, true, false],
  );
  assert.equal(names(plan(l, 'tool', { force: true })), ['tool']);
});

test('-i and -t rename the image asked for (and its builder), never its bases; -t applies to every image with all', () => {
  const l = load(CHAIN);
  const forced = plan(l, 'app', { force: true, imageName: 'registry.local:5000/team/app', tag: 'rc1' });
  assert.equal(
    forced.map((b) => b.reference),
    ['shop-zbase:ada', 'shop-mid:ada', 'registry.local:5000/team/app:rc1'],
  );
  assert.is(forced[2]!.builder, 'registry.local:5000/team/app-builder:rc1');
  assert.ok(plan(l, 'all', { tag: 'v2' }).every((b) => b.reference.endsWith(':v2')));
  assert.throws(
    () => plan(l, 'all', { imageName: 'x' }),
    (e: unknown) => e instanceof ProjectOptionError && /-i names one image/.test(e.message),
  );
  assert.throws(
    () => plan(l, 'app', { imageName: 'Bad Name' }),
    (e: unknown) => e instanceof ProjectOptionError && /-i "Bad Name" is not a valid image name/.test(e.message),
  );
  assert.throws(
    () => plan(l, 'app', { tag: '-x' }),
    (e: unknown) => e instanceof ProjectOptionError && /-t "-x" is not a valid tag/.test(e.message),
  );
});

test('unknown, synthetic and configuration-only images cannot be built; nothing to build is an error', () => {
  const l = load(CHAIN, [
    '[run_image]',
    'synthetic_images = shell',
    '[shell]',
    'name = app',
    '[redis]',
    'name = redis',
    'prefix = False',
  ]);
  assert.throws(
    () => plan(l, 'nope'),
    (e: unknown) => e instanceof ProjectImageError && /no such image folder/.test(e.message),
  );
  assert.throws(
    () => plan(l, 'shell'),
    (e: unknown) => e instanceof ProjectImageError && /synthetic image only runs docker\/app/.test(e.message),
  );
  assert.throws(
    () => plan(l, 'redis'),
    (e: unknown) => e instanceof ProjectImageError && /configuration-only/.test(e.message),
  );
  assert.throws(
    () => plan(load({}), 'all'),
    (e: unknown) => e instanceof ProjectOptionError && /no image folder to build/.test(e.message),
  );
});

test('build_args, scripts (argv, with their config line), no-cache', () => {
  const l = load(CHAIN, [
    '[mid]',
    'build_args = --build-arg A=b=c --label team=shop --network host --no-cache',
    "pre_build_script = ./scripts/prep.sh 'two words'",
    'post_build_script = make publish',
  ]);
  const mid = plan(l, 'mid')[0]!;
  assert.equal(mid.buildArgs, { A: 'b=c' });
  assert.equal(mid.labels, { team: 'shop' });
  assert.is(mid.network, 'host');
  assert.is(mid.noCache, true);
  assert.equal(mid.preBuildScript, {
    argv: ['./scripts/prep.sh', 'two words'],
    file: `${ROOT}/docker/dockerutils.cfg`,
    line: 3,
  });
  assert.equal(mid.postBuildScript, { argv: ['make', 'publish'], file: `${ROOT}/docker/dockerutils.cfg`, line: 4 });
  assert.is(plan(l, 'zbase', { noCache: true })[0]!.noCache, true);
  assert.is(plan(l, 'zbase')[0]!.noCache, false);
});

test('pull: only registry FROM images; never scratch, never a project image; pull_FROM_on_force only with -f (and False means false)', () => {
  const l = load({ ...CHAIN, mixed: 'FROM python:3.12 AS deps\nFROM shop-zbase:ada\n' }, [
    '[tool]',
    'pull_FROM_on_force = True',
    '[zbase]',
    'pull_FROM_on_force = False',
  ]);
  const tool = l.catalogue.images.get('tool')!;
  assert.equal(pullDecision(tool, false), { wanted: false, pull: false, external: ['python:3.12-slim'] });
  assert.equal(pullDecision(tool, true), { wanted: true, pull: true, external: ['python:3.12-slim'] });
  const scratch = pullDecision(l.catalogue.images.get('zbase')!, true);
  assert.equal([scratch.pull, scratch.note], [false, 'nothing to pull: built FROM scratch']);
  const mid = pullDecision(l.catalogue.images.get('mid')!, true);
  assert.equal(
    [mid.pull, mid.note],
    [false, 'nothing to pull: built FROM the project image shop-zbase:ada (built here, never pulled)'],
  );
  const mixed = pullDecision(l.catalogue.images.get('mixed')!, true);
  assert.is(mixed.pull, false);
  assert.match(
    mixed.note!,
    /would also look up the project image shop-zbase:ada in a registry; pull python:3.12 first/,
  );

  assert.is(plan(l, 'tool')[0]!.pull.wanted, false, 'pull_FROM_on_force alone does not pull');
  assert.is(plan(l, 'tool', { force: true })[0]!.pull.pull, true, '-f with pull_FROM_on_force = True pulls');
  assert.is(
    plan(l, 'zbase', { force: true })[0]!.pull.wanted,
    false,
    'pull_FROM_on_force = False (dockerutils read any value as true)',
  );
  assert.is(plan(l, 'tool', { pull: true })[0]!.pull.pull, true, '-p pulls');
  assert.equal(plan(l, 'app', { pull: true })[0]!.pull.pull, false);
});

test('clean: dependents before their bases, each with its -builder image; -t applies; build flags refused', () => {
  const l = load(CHAIN);
  const refs = planClean(l.catalogue);
  assert.equal(refs, ['shop-app:ada', 'shop-app-builder:ada', 'shop-mid:ada', 'shop-zbase:ada', 'shop-tool:ada']);
  assert.ok(planClean(l.catalogue, { tag: 'rc1' }).every((r) => r.endsWith(':rc1')));
  assert.throws(
    () => planClean(l.catalogue, { imageName: 'x' }),
    (e: unknown) => e instanceof ProjectOptionError,
  );
  assert.throws(
    () => planClean(l.catalogue, { force: true }),
    (e: unknown) => e instanceof ProjectOptionError && /clean only removes images/.test(e.message),
  );
});

test('--print-command for builds: cd to the root, then scripts and docker builds (builder stage first), build args masked', () => {
  const l = load(CHAIN, [
    '[app]',
    'build_args = --build-arg NPM_TOKEN=$TOKEN_VALUE --label x=1',
    'pre_build_script = sh -c "echo pre"',
    'post_build_script = ./post.sh',
  ]);
  const lines = buildCommandLines(plan(l, 'app', { force: true }), ROOT, { context: 'dock1' });
  assert.equal(lines, [
    'cd /src/Shop',
    'docker --context dock1 build -t shop-zbase:ada -f docker/zbase/Dockerfile --label harpoon.image=true .',
    'docker --context dock1 build -t shop-mid:ada -f docker/mid/Dockerfile --label harpoon.image=true .',
    "sh -c 'echo pre'",
    `docker --context dock1 build -t shop-app-builder:ada -f docker/app/Dockerfile --build-arg 'NPM_TOKEN=${MASK}' --label x=1 --label harpoon.image=true --target builder .`,
    `docker --context dock1 build -t shop-app:ada -f docker/app/Dockerfile --build-arg 'NPM_TOKEN=${MASK}' --label x=1 --label harpoon.image=true .`,
    './post.sh',
  ]);
  // build_args are pasted as they are (dockerutils did): $TOKEN_VALUE is not replaced.
  assert.equal(plan(l, 'app')[0]!.buildArgs, { NPM_TOKEN: '$TOKEN_VALUE' });
  const pulled = buildCommandLines(plan(l, 'tool', { pull: true }), ROOT);
  assert.is(pulled[1], 'docker build -t shop-tool:ada -f docker/tool/Dockerfile --label harpoon.image=true --pull .');
});

// --- run plan ---------------------------------------------------------------------------------

const NOW = new Date(2025, 0, 2, 3, 4, 5);
const runCtx = (env: Record<string, string> = {}) => ({
  env: { HOME: '/home/ada', ...env },
  root: ROOT,
  user: 'ada',
  now: NOW,
});

function runPlan(lines: string[], options: RunImageOptions = {}, env: Record<string, string> = {}, image = 'dev') {
  const l = load({ dev: 'FROM scratch\n' }, lines);
  const settings = runSettings(l.config, image, { ...ctx, env: { ...ctx.env, ...env } });
  return runPlanFor(settings, l.catalogue.images.get(image)!, options, runCtx(env));
}

/** DEV with more [dev] keys (before its env section). */
const dev = (...more: string[]) => [
  ...DEV.slice(0, DEV.indexOf('[vars]')),
  ...more,
  ...DEV.slice(DEV.indexOf('[vars]')),
];

const DEV = [
  '[dev]',
  'volumes = -v {project_root}/data:/data:ro --mount type=volume,source=cache,target=/cache',
  'ports = -p 127.0.0.1:8080:80 -p 9000/udp',
  'env = vars',
  'cmd = sh -c "echo hi"',
  `gpu = --gpus '"device=0,1"'`,
  'args = -l team=shop -w /work',
  '[vars]',
  'GREETING = hello',
  'DB_PASSWORD = pw',
];

test("defaults: dockerutils' --init --rm -it, <user>_<image>_<time>, the config's volumes, ports, env, cmd; gpu not applied", () => {
  const p = runPlan(DEV);
  assert.equal([p.stdin, p.tty, p.detach, p.remove], [true, true, false, true]);
  assert.is(p.name, 'ada_dev_25-01-02_03.04.05');
  assert.is(p.request.hostConfig.Init, true);
  assert.equal(p.request.hostConfig.Binds, ['/src/Shop/data:/data:ro']);
  assert.equal(p.request.hostConfig.PortBindings, {
    '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }],
    '9000/udp': [{ HostIp: '', HostPort: '' }],
  });
  assert.equal(p.request.env, { GREETING: 'hello', DB_PASSWORD: 'pw' });
  assert.equal(p.request.cmd, ['sh', '-c', 'echo hi']);
  assert.is(p.request.hostConfig.DeviceRequests, undefined);
  assert.equal(p.request.labels, { team: 'shop' });
  assert.is(p.request.workingDir, '/work');
  assert.is(
    formatCommand(dockerRun(p.command)),
    `docker run --rm -it --init --name ada_dev_25-01-02_03.04.05 -e GREETING=hello -e 'DB_PASSWORD=${MASK}' --label team=shop --label harpoon=true ` +
      "-v /src/Shop/data:/data:ro --mount type=volume,source=cache,target=/cache -p 127.0.0.1:8080:80 -p 9000/udp -w /work shop-dev:ada sh -c 'echo hi'",
  );
});

test('-k: detached and kept, the configured -it stays (docker run -dit); interactive = -d without -k: detached, removed', () => {
  const kept = runPlan(DEV, { keep: true });
  assert.equal([kept.detach, kept.remove, kept.tty, kept.stdin], [true, false, true, true]);
  assert.match(formatCommand(dockerRun(kept.command)), /^docker run -d -it --init /);
  const bg = runPlan(['[dev]', 'interactive = -d']);
  assert.equal([bg.detach, bg.remove, bg.tty, bg.stdin], [true, true, false, false]);
  assert.match(formatCommand(dockerRun(bg.command)), /^docker run --rm -d --init /);
  const plain = runPlan(['[dev]', 'interactive = -i']);
  assert.equal([plain.detach, plain.tty, plain.stdin], [false, false, true]);
});

test("-e a=b=c keeps b=c and wins over the config; a bare -e K takes this environment's value or is dropped", () => {
  const p = runPlan(DEV, { env: ['GREETING=a=b=c', 'FROM_HOST', 'UNSET_HERE', 'EMPTY='] }, { FROM_HOST: 'h' });
  assert.equal(p.request.env, { GREETING: 'a=b=c', DB_PASSWORD: 'pw', FROM_HOST: 'h', EMPTY: '' });
  assert.throws(
    () => runPlan(DEV, { env: ['=x'] }),
    (e: unknown) => e instanceof ProjectOptionError && /-e "=x": the name before "=" is empty/.test(e.message),
  );
});

test('-c replaces cmd (split as a shell would, no $VAR replaced); -n replaces network; bad values are usage errors', () => {
  const p = runPlan(dev('network = backend'), { command: 'sh -c \'echo "$HOME" two\'', network: 'host' });
  assert.equal(p.request.cmd, ['sh', '-c', 'echo "$HOME" two']);
  assert.is(p.request.hostConfig.NetworkMode, 'host');
  assert.is(runPlan(dev('network = backend')).request.hostConfig.NetworkMode, 'backend');
  assert.throws(
    () => runPlan(DEV, { command: '' }),
    (e: unknown) => e instanceof ProjectOptionError && /empty/.test(e.message),
  );
  assert.throws(
    () => runPlan(DEV, { command: '"open' }),
    (e: unknown) => e instanceof ProjectOptionError && /^-c: no closing quotation/.test(e.message),
  );
  assert.throws(
    () => runPlan(DEV, { network: '--net x' }),
    (e: unknown) => e instanceof ProjectOptionError && /not a network name/.test(e.message),
  );
});

test("-g: the config's gpu settings as a device request (never a runtime), and --gpus when printed", () => {
  const p = runPlan(DEV, { gpu: true });
  assert.equal(p.request.hostConfig.DeviceRequests, [
    { Driver: 'nvidia', DeviceIDs: ['0', '1'], Capabilities: [['gpu']] },
  ]);
  assert.is(p.request.hostConfig.Runtime, undefined);
  assert.match(formatCommand(dockerRun(p.command)), / --gpus '"device=0,1"' /);
  const legacy = runPlan(['[dev]', 'gpu = --runtime=nvidia -e NVIDIA_VISIBLE_DEVICES=all -e CUDA_CACHE=1']);
  assert.equal(legacy.request.env, {}, 'gpu env only with -g');
  const withGpu = runPlan(['[dev]', 'gpu = --runtime=nvidia -e NVIDIA_VISIBLE_DEVICES=all -e CUDA_CACHE=1'], {
    gpu: true,
  });
  assert.equal(withGpu.request.env, { CUDA_CACHE: '1' });
  assert.equal(withGpu.request.hostConfig.DeviceRequests, [{ Driver: 'nvidia', Count: -1, Capabilities: [['gpu']] }]);
  assert.is(withGpu.command.gpus, 'all');
});

test("-a adds docker run flags to the config's args; --init=false there drops --init", () => {
  const p = runPlan(DEV, { args: '--privileged --shm-size 1g -v ./more:/more -e X=1 -l extra=yes --init=false' });
  assert.equal(p.request.hostConfig.Binds, ['/src/Shop/data:/data:ro', '/src/Shop/more:/more']);
  assert.equal(
    [p.request.hostConfig.Privileged, p.request.hostConfig.ShmSize, p.request.hostConfig.Init],
    [true, 1024 ** 3, false],
  );
  assert.equal(p.request.labels, { team: 'shop', extra: 'yes' });
  assert.equal(p.request.env, { GREETING: 'hello', DB_PASSWORD: 'pw', X: '1' });
  const line = formatCommand(dockerRun(p.command));
  assert.not.match(line, /--init/);
  assert.match(line, / --privileged --shm-size 1073741824 shop-dev:ada /);
  assert.throws(
    () => runPlan(DEV, { args: '--bogus' }),
    (e: unknown) => e instanceof ProjectOptionError && /^-a: unknown or unsupported flag --bogus/.test(e.message),
  );
  assert.throws(
    () => runPlan(DEV, { args: '--network x' }),
    (e: unknown) => e instanceof ProjectOptionError && /give the network with network=NAME/.test(e.message),
  );
});

test('AWS credentials set here are passed on by name (printed bare, never their values), unless the config or -e sets them', () => {
  const env = { AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'topsecret', AWS_REGION: 'eu-west-1' };
  const p = runPlan(DEV, { env: ['AWS_REGION=us-east-1'] }, env);
  assert.equal(p.passEnv, ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']);
  assert.equal(p.request.env, {
    AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'topsecret',
    AWS_REGION: 'us-east-1',
    GREETING: 'hello',
    DB_PASSWORD: 'pw',
  });
  const line = formatCommand(dockerRun(p.command));
  assert.match(line, / -e AWS_ACCESS_KEY_ID -e AWS_SECRET_ACCESS_KEY /);
  assert.match(line, / -e AWS_REGION=us-east-1 /);
  assert.not.ok(line.includes('AKIAEXAMPLE') || line.includes('topsecret'), line);
});

test('names, ports, mounts and gpus rendered back into docker flags', () => {
  assert.is(containerName('ada lovelace', 'dev', NOW), 'ada_lovelace_dev_25-01-02_03.04.05');
  assert.is(containerName('_x', 'dev', NOW), 'u_x_dev_25-01-02_03.04.05');
  assert.is(runPlan(DEV, { name: 'mine' }).name, 'mine');
  assert.is(runPlan(DEV, { name: 'mine' }).defaultName, false);
  assert.equal(
    [
      portArg({ containerPort: 80, protocol: 'tcp' }),
      portArg({ containerPort: 80, protocol: 'tcp', hostPort: 8080 }),
      portArg({ containerPort: 80, protocol: 'udp', hostIp: '127.0.0.1' }),
      portArg({ containerPort: 80, protocol: 'tcp', hostIp: '::1', hostPort: 8080 }),
      portArg({ containerPort: 80, protocol: 'tcp', hostPort: 8000, hostPortEnd: 8010 }),
    ],
    ['80', '8080:80', '127.0.0.1::80/udp', '[::1]:8080:80', '8000-8010:80'],
  );
  assert.is(
    mountArg({ Type: 'bind', Source: '/a,b', Target: '/t', ReadOnly: true, BindOptions: { Propagation: 'rshared' } }),
    'type=bind,"source=/a,b",target=/t,readonly,bind-propagation=rshared',
  );
  assert.is(
    mountArg({ Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 1024, Mode: 0o1777 } }),
    'type=tmpfs,target=/t,tmpfs-size=1024,tmpfs-mode=1777',
  );
  assert.is(gpusArg({ Driver: 'nvidia', Count: 2, Capabilities: [['compute', 'gpu']] }), '2,capabilities=compute');
});

// --- docked -----------------------------------------------------------------------------------

test('docked: a dock in use (--context, DOCKER_CONTEXT, current context, `dock env`), or DOCKER_IP; never -H or default', () => {
  const configDir = mkdtempSync(join(tmpdir(), 'harpoon-docked-'));
  try {
    addDock(configDir, 'gpu1', 'unix:///var/run/gpu1.sock');
    const env = { DOCKER_CONFIG: configDir };
    assert.equal(docking({}, env), { docked: false });
    assert.equal(docking({ host: 'ssh://ada@gpu1' }, { ...env, DOCKER_IP: '10.0.0.5' }), { docked: false });
    assert.equal(docking({ context: 'gpu1' }, env), { docked: true, reason: 'dock gpu1 (--context)' });
    assert.equal(docking({ context: 'default' }, env), { docked: false });
    assert.equal(docking({}, { ...env, DOCKER_CONTEXT: 'gpu1' }), { docked: true, reason: 'dock gpu1' });
    assert.equal(docking({}, { ...env, DOCKER_HOST: 'unix:///var/run/gpu1.sock', HARPOON_DOCK: 'gpu1' }), {
      docked: true,
      reason: 'dock gpu1',
    });
    assert.equal(docking({}, { ...env, DOCKER_HOST: 'unix:///elsewhere.sock', HARPOON_DOCK: 'gpu1' }), {
      docked: false,
    });
    assert.equal(docking({}, { ...env, DOCKER_IP: '10.0.0.5' }), { docked: true, reason: 'DOCKER_IP=10.0.0.5' });
  } finally {
    rmSync(configDir, { recursive: true, force: true });
  }
});

// --- scripts and progress ---------------------------------------------------------------------

test("scripts: argv without a shell, in the given folder, output handed over; exit codes as docker's (own, 127, 126, 128+n)", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'harpoon-script-'));
  try {
    writeFileSync(join(dir, 'noexec.sh'), '#!/bin/sh\necho no\n');
    writeFileSync(join(dir, 'ok.sh'), '#!/bin/sh\necho "out $HARPOON_IMAGE $(pwd)"; echo err >&2; exit 3\n');
    chmodSync(join(dir, 'ok.sh'), 0o755);
    const output: string[] = [];
    const ok = await runScript(['./ok.sh'], {
      cwd: dir,
      env: { ...process.env, HARPOON_IMAGE: 'app' },
      onOutput: (s, c) => output.push(`${s}:${c.toString()}`),
    });
    assert.equal(ok, { exitCode: 3 });
    assert.equal(output.sort(), [`stderr:err\n`, `stdout:out app ${dir}\n`]);
    const quiet = { cwd: dir, env: process.env, onOutput: () => {} };
    assert.equal(await runScript(['./missing.sh'], quiet), { exitCode: 127, startError: './missing.sh: not found' });
    assert.is((await runScript(['./noexec.sh'], quiet)).exitCode, 126);
    assert.is((await runScript(['sh', '-c', 'kill -TERM $$'], quiet)).exitCode, 143);
    assert.is(
      (
        await runScript(['sh', '-c', 'echo "$1"', 'sh', 'a b; c'], {
          ...quiet,
          onOutput: (_s, c) => output.push(c.toString()),
        })
      ).exitCode,
      0,
    );
    assert.is(output.at(-1), 'a b; c\n', 'one argument, no shell in between');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function fakeStream(): NodeJS.WriteStream & { text: string } {
  const stream = {
    text: '',
    columns: 80,
    isTTY: false,
    write: (chunk: string | Buffer) => ((stream.text += chunk.toString()), true),
  };
  return stream as unknown as NodeJS.WriteStream & { text: string };
}

function progressOutput(mode: ProgressMode): string {
  const l = load(CHAIN, ['[app]', 'pre_build_script = ./pre.sh']);
  const [app] = plan(l, 'app', { pull: true });
  const out = fakeStream();
  const progress = new BuildImageProgress(out, mode);
  progress.start(app!, 2, 3);
  progress.script(app!, 'pre', ['./pre.sh', 'a b']);
  progress.scriptOutput(app!, 'pre', 'stdout', Buffer.from('one\ntw'));
  progress.scriptOutput(app!, 'pre', 'stdout', Buffer.from('o\nthree'));
  progress.scriptDone(app!, 'pre');
  const events: BuildEvent[] = [
    { type: 'step', step: { number: 1, total: 2, instruction: 'FROM shop-mid:ada' } },
    { type: 'output', text: 'Step 1/2 : FROM shop-mid:ada' },
  ];
  events.forEach(progress.buildHandler(app!, 'builder'));
  events.forEach(progress.buildHandler(app!));
  progress.built(app!, `sha256:${'ab'.repeat(32)}`, 1500);
  progress.finish();
  return out.text;
}

test('progress: a header per image, pull note, scripts and their output, build lines; JSON lines name the image', () => {
  assert.is(
    progressOutput('plain'),
    [
      '==> [2/3] app: building shop-app:ada (its builder stage as shop-app-builder:ada)',
      'pull: nothing to pull: built FROM the project image shop-mid:ada (built here, never pulled)',
      "Running pre_build_script: ./pre.sh 'a b'",
      'one\ntwo\nthree' + 'app: the builder stage, tagged shop-app-builder:ada',
      'Step 1/2 : FROM shop-mid:ada',
      'Step 1/2 : FROM shop-mid:ada',
      'Built shop-app:ada (sha256:abababababab) in 1.5s',
      '',
    ].join('\n'),
  );
  const json = progressOutput('json')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.equal(
    json.map((e) => [e.type, e.stage ?? null]),
    [
      ['image-start', null],
      ['pull', null],
      ['script', null],
      ['script-output', null],
      ['script-output', null],
      ['script-output', null],
      ['step', 'builder'],
      ['output', 'builder'],
      ['step', null],
      ['output', null],
      ['image-built', null],
    ],
  );
  assert.ok(json.every((e) => e.image === 'app'));
  assert.equal(
    json.filter((e) => e.type === 'script-output').map((e) => e.text),
    ['one', 'two', 'three'],
  );
  assert.equal(json[0], {
    type: 'image-start',
    image: 'app',
    reference: 'shop-app:ada',
    builder: 'shop-app-builder:ada',
    index: 2,
    total: 3,
    asDependency: false,
  });
});

// --- help -------------------------------------------------------------------------------------

function harpoon(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const [file, ...rest] = HARPOON;
  return spawnSync(file!, [...rest, ...args], { cwd: REPO, encoding: 'utf8' });
}

test('help: `harpoon help CMD` and `CMD --help` for both commands; both listed in `harpoon --help`', () => {
  for (const cmd of ['build-image', 'run-image']) {
    const viaHelp = harpoon(['help', cmd]);
    const viaFlag = harpoon([cmd, '--help']);
    assert.is(viaHelp.status, 0);
    assert.is(viaFlag.status, 0);
    assert.is(viaHelp.stdout, viaFlag.stdout);
    assert.match(viaHelp.stdout, new RegExp(`^Usage: harpoon ${cmd} \\[options\\] <name>`));
  }
  const build = harpoon(['help', 'build-image']).stdout;
  for (const flag of [
    '-f, --force',
    '-p, --pull',
    '-i, --image <name>',
    '-t, --tag <tag>',
    '--no-cache',
    '--json',
    '--print-command',
  ])
    assert.ok(build.includes(flag), flag);
  assert.match(build, /all +build every image, each after the project images it is built FROM/);
  const run = harpoon(['run-image', '--help']).stdout;
  for (const flag of [
    '-a, --args <args>',
    '-k, --keep',
    '-c, --command <cmd>',
    '-n, --network <name>',
    '-g, --gpu',
    '-e, --env <K=V>',
    '--print-command',
  ])
    assert.ok(run.includes(flag), flag);
  const top = harpoon(['--help']).stdout;
  assert.match(top, /^  build-image \[options\] <name> +build a project image/m);
  assert.match(top, /^  run-image \[options\] <name> +run a project image/m);
});

test('help into a reader that stops early (`harpoon help | head -1`): no stack trace, exit 141 as SIGPIPE', () => {
  const [file, ...rest] = HARPOON;
  const quoted = [file!, ...rest, 'help', 'run-image'].map((a) => `'${a}'`).join(' ');
  const piped = spawnSync('bash', ['-c', `${quoted} | head -1; echo "status=\${PIPESTATUS[0]}" >&2`], {
    cwd: REPO,
    encoding: 'utf8',
  });
  assert.is(piped.stdout, 'Usage: harpoon run-image [options] <name>\n');
  assert.not.match(piped.stderr, /EPIPE|at /);
  assert.match(piped.stderr, /status=(0|141)\n$/);
});

test("exit codes as docker's: an unknown command is 1, an unknown flag 125", () => {
  const unknownCommand = harpoon(['nosuchcommand']);
  assert.is(unknownCommand.status, 1);
  assert.match(unknownCommand.stderr, /unknown command 'nosuchcommand'/);
  const unknownFlag = harpoon(['build-image', '--nosuchflag', 'x']);
  assert.is(unknownFlag.status, 125);
  assert.match(unknownFlag.stderr, /unknown option '--nosuchflag'/);
});

test('config errors are ProjectConfigErrors naming file and line (the CLI prints them, exit 125)', () => {
  assert.throws(
    () => load(CHAIN, ['[app]', 'pre_build_script = "unclosed']),
    (e: unknown) =>
      e instanceof ProjectConfigError &&
      e.line === 2 &&
      /dockerutils\.cfg line 2, \[app\] pre_build_script: no closing quotation/.test(e.message),
  );
});

test.run();
