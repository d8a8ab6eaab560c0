// docker/dockerutils.cfg: every key dockerutils documents, checked and resolved into data;
// every error names the file, line and key. Pure: env, user name and home are injected.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { splitKeyValue } from '../../src/cli/commands/key-values.ts';
import {
  checkProjectConfig,
  containerRequest,
  imageSettings,
  loadProjectConfig,
  openProjectRoot,
  parseProjectConfig,
  ProjectConfigError,
  ProjectImageError,
  publicationTag,
  runSettings,
  buildSettings,
  type ProjectConfig,
  type ProjectContext,
} from '../../src/project/model.ts';
import { fakeProject } from '../helpers/project.ts';

const ROOT = '/work/Harpoon-Demo';
const FILE = `${ROOT}/docker/dockerutils.cfg`;
const project = (imageFolders: string[] = ['base', 'dev', 'notebook']) => fakeProject(ROOT, imageFolders);
const ctx: ProjectContext = {
  user: 'ada',
  home: '/home/ada',
  env: { HOME: '/home/ada', USER: 'ada', DATA: '/srv/data', TOKEN: 's3cr3t', PORT: '8888', EMPTY: '' },
};
const load = (lines: string[], folders?: string[]): ProjectConfig =>
  parseProjectConfig(lines.join('\n'), project(folders));

/** Runs fn, expects a ProjectConfigError at this line / section / key, returns it. */
function configError(
  fn: () => unknown,
  line: number | undefined,
  section: string | undefined,
  key: string | undefined,
): ProjectConfigError {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof ProjectConfigError)) throw err;
    assert.is(err.file, FILE, 'file');
    assert.is(err.code, 'INVALID_INPUT');
    assert.equal([err.line, err.section, err.key], [line, section, key], err.message);
    assert.ok(err.message.startsWith(`${FILE}${line !== undefined ? ` line ${line}` : ''}`), err.message);
    return err;
  }
  throw new Error('expected a ProjectConfigError');
}

const temps: string[] = [];
test.after(async () => {
  for (const dir of temps) await rm(dir, { recursive: true, force: true });
});
async function diskProject(files: Record<string, string>): Promise<string> {
  const base = await mkdtemp(join(tmpdir(), 'harpoon-project-config-'));
  temps.push(base);
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(base, path)), { recursive: true });
    await writeFile(join(base, path), content);
  }
  return base;
}

// --- files and images ---------------------------------------------------------------------------

test('no docker/dockerutils.cfg → an empty config: one image per folder, default settings', async () => {
  const base = await diskProject({ 'proj/docker/app/Dockerfile': 'FROM alpine\n' });
  const config = await loadProjectConfig(await openProjectRoot(join(base, 'proj')));
  assert.is(config.exists, false);
  assert.equal([...config.images.keys()], ['app']);
  const s = imageSettings(config, 'app', ctx);
  assert.equal(s.run.env, {});
  assert.equal(s.run.volumes, []);
  assert.is(s.run.cmd, undefined);
  assert.equal(s.run.gpu.request, { Driver: 'nvidia', Count: -1, Capabilities: [['gpu']] });
  assert.equal(s.build, { flags: { buildArgs: {}, labels: {} }, pullFromOnForce: false });
  assert.equal(s.publish, {});
});

test('the file on disk is read (and its errors name its absolute path)', async () => {
  const base = await diskProject({
    'proj/docker/app/Dockerfile': 'FROM alpine\n',
    'proj/docker/dockerutils.cfg': '[app]\ntag = v1\nbogus = 1\n',
  });
  const root = await openProjectRoot(join(base, 'proj'));
  try {
    await loadProjectConfig(root);
    assert.unreachable('expected an error');
  } catch (err) {
    assert.instance(err, ProjectConfigError);
    assert.is((err as ProjectConfigError).file, join(base, 'proj/docker/dockerutils.cfg'));
    assert.is((err as ProjectConfigError).line, 3);
  }
});

test("dockerutils' own example config reads as is", () => {
  const config = load(
    [
      '[run_image]',
      'synthetic_images=dev',
      '',
      '[dev]',
      'name=base',
      'tag=latest',
      'volumes=-v {project_root}:/workdir -v /data:/data --mount type=bind,source=/Users/{user}/.aws,target=/root/.aws',
      'cmd=/bin/bash -l',
    ],
    ['base', 'cicd'],
  );
  assert.equal([...config.images.keys()], ['base', 'cicd', 'dev']);
  assert.is(config.images.get('dev')!.kind, 'synthetic');
  assert.is(config.images.get('dev')!.folder, 'base');
  const run = runSettings(config, 'dev', ctx);
  assert.equal(run.volumes, [
    { source: ROOT, target: '/workdir' },
    { source: '/data', target: '/data' },
  ]);
  assert.equal(run.mounts, [{ Type: 'bind', Source: '/Users/ada/.aws', Target: '/root/.aws' }]);
  assert.equal(run.cmd, ['/bin/bash', '-l']);
});

// --- naming keys --------------------------------------------------------------------------------

test('name, tag, prefix: kept with their lines', () => {
  const config = load([
    '[dev]',
    'name = devel',
    'tag = experiment.2017.12.16',
    '[notebook]',
    'name = resero-labs/docker-ds',
    'prefix = False',
    'tag = latest',
  ]);
  const dev = config.images.get('dev')!;
  assert.is(dev.name!.value, 'devel');
  assert.is(dev.name!.entry.line, 2);
  assert.is(dev.tag!.value, 'experiment.2017.12.16');
  assert.is(dev.prefix, true);
  assert.is(config.images.get('notebook')!.prefix, false);
  assert.is(config.images.get('notebook')!.kind, 'folder');
});

test('booleans take configparser forms in any case (and f/t, which dockerutils took for prefix)', () => {
  for (const word of ['0', 'no', 'NO', 'false', 'False', 'off', 'Off', 'f', 'F']) {
    assert.is(load(['[dev]', 'name = x/y', `prefix = ${word}`]).images.get('dev')!.prefix, false, word);
    assert.is(buildSettings(load(['[dev]', `pull_FROM_on_force = ${word}`]), 'dev', ctx).pullFromOnForce, false, word);
  }
  for (const word of ['1', 'yes', 'Yes', 'true', 'TRUE', 'on', 'ON', 't']) {
    assert.is(load(['[dev]', 'name = x', `prefix = ${word}`]).images.get('dev')!.prefix, true, word);
    assert.is(buildSettings(load(['[dev]', `pull_FROM_on_force = ${word}`]), 'dev', ctx).pullFromOnForce, true, word);
  }
});

test('bad booleans, tags and names are errors naming line and key, listing valid forms', () => {
  const bool = configError(
    () => load(['[dev]', 'tag = x', 'pull_FROM_on_force = maybe']),
    3,
    'dev',
    'pull_FROM_on_force',
  );
  assert.equal(bool.valid, ['1', 'yes', 'true', 'on', '0', 'no', 'false', 'off']);
  configError(() => load(['[dev]', 'name = x', 'prefix = nope']), 3, 'dev', 'prefix');
  configError(() => load(['[dev]', 'tag = has space']), 2, 'dev', 'tag');
  configError(() => load(['[dev]', 'tag = -leading']), 2, 'dev', 'tag');
  const upper = configError(() => load(['[dev]', 'name = DevImage']), 2, 'dev', 'name');
  assert.match(upper.message, /"harpoon-demo-DevImage" is not a valid image name/);
  const tagged = configError(
    () => load(['[notebook]', 'name = jupyter/base:latest', 'prefix = false']),
    2,
    'notebook',
    'name',
  );
  assert.match(tagged.message, /give the tag with tag=/);
  configError(() => load(['[dev]', 'name =']), 2, 'dev', 'name');
  // A registry with a port is not a tag.
  load(['[notebook]', 'name = localhost:5000/team/nb', 'prefix = false']);
});

test('prefix=False without name is an error (dockerutils ignored it silently)', () => {
  const err = configError(() => load(['[dev]', '', 'prefix = False']), 3, 'dev', 'prefix');
  assert.match(err.message, /has no name/);
});

// --- sections and keys --------------------------------------------------------------------------

test('an unknown key: error naming line, section and key, listing the valid keys, with a suggestion', () => {
  const err = configError(() => load(['[dev]', 'tag = x', 'volume = -v /a:/a']), 3, 'dev', 'volume');
  assert.match(err.message, /unknown key "volume" \(did you mean "volumes"\?\)/);
  for (const key of [
    'name',
    'prefix',
    'tag',
    'build_args',
    'pre_build_script',
    'post_build_script',
    'pull_FROM_on_force',
    'volumes',
    'ports',
    'network',
    'cmd',
    'gpu',
    'args',
    'env',
    'environment',
    'interactive',
    'image_repo',
    'publication_tag',
    'volumes_docked',
    'interactive_docked',
  ]) {
    assert.ok(err.valid.includes(key), key);
  }
  assert.match(err.message, /Valid: name, prefix, tag, build_args/);
  // Keys are case-sensitive.
  configError(() => load(['[dev]', 'pull_from_on_force = yes']), 2, 'dev', 'pull_from_on_force');
  // dockerutils never read these, in any case: unknown here.
  configError(() => load(['[dev]', 'keep_container = 1']), 2, 'dev', 'keep_container');
  configError(() => load(['[dev]', 'name_docked = x']), 2, 'dev', 'name_docked');
});

test('an unknown section is an error naming its line and what a section can be', () => {
  const err = configError(() => load(['[dev]', 'tag = x', '', '[devv]', 'tag = y']), 4, 'devv', undefined);
  assert.match(err.message, /is not an image folder/);
  assert.match(err.message, /did you mean "dev"/);
  assert.equal(err.valid, ['base', 'dev', 'notebook', 'run_image']);
});

test('[run_image] takes synthetic_images only', () => {
  const err = configError(() => load(['[run_image]', 'synthetic_image = shell']), 2, 'run_image', 'synthetic_image');
  assert.equal(err.valid, ['synthetic_images']);
  assert.match(err.message, /did you mean "synthetic_images"/);
});

test('[DEFAULT] keys are inherited by image sections; an unknown one is an error at its line', () => {
  const config = load(['[DEFAULT]', 'tag = latest', 'network = host', '[dev]', 'cmd = bash', '[base]']);
  assert.is(config.images.get('dev')!.tag!.value, 'latest');
  assert.is(runSettings(config, 'base', ctx).network, 'host');
  // A folder without a section takes nothing, not even [DEFAULT] (dockerutils looked only in its section).
  assert.is(config.images.get('notebook')!.tag, undefined);
  assert.is(runSettings(config, 'notebook', ctx).network, undefined);
  configError(() => load(['[DEFAULT]', 'tags = x']), 2, 'DEFAULT', 'tags');
});

test('an error in an inherited [DEFAULT] value names the DEFAULT line and the image using it', () => {
  const config = load(['[DEFAULT]', 'volumes = -v $NOPE:/x', '[dev]', 'cmd = bash']);
  const err = configError(() => runSettings(config, 'dev', ctx), 2, 'DEFAULT', 'volumes');
  assert.match(err.message, /\$NOPE is not set \(inherited by \[dev\]\)/);
});

// --- synthetic and configuration-only images ------------------------------------------------------

test('synthetic images run an image folder under their own settings and tag', () => {
  const config = load([
    '[run_image]',
    'synthetic_images = shell, gpu-shell',
    '[shell]',
    'name = dev',
    'cmd = /bin/bash -l',
    '[gpu-shell]',
    'name = dev',
    'tag = gpu',
    'gpu = --gpus 2',
  ]);
  assert.equal(config.synthetic, ['shell', 'gpu-shell']);
  assert.equal([...config.images.keys()], ['base', 'dev', 'notebook', 'shell', 'gpu-shell']);
  assert.is(config.images.get('gpu-shell')!.folder, 'dev');
  assert.equal(runSettings(config, 'shell', ctx).cmd, ['/bin/bash', '-l']);
  assert.is(runSettings(config, 'gpu-shell', ctx).gpu.request.Count, 2);
  const s = imageSettings(config, 'shell', ctx);
  assert.is(s.kind, 'synthetic');
  assert.is(s.build, undefined);
  assert.throws(
    () => buildSettings(config, 'shell', ctx),
    (err: unknown) => err instanceof ProjectImageError && /build or publish "dev"/.test(err.message),
  );
});

test('synthetic image errors: no section, no name, name not a folder, listed twice, a folder name, build keys', () => {
  const noSection = configError(
    () => load(['[run_image]', 'synthetic_images = shell']),
    2,
    'run_image',
    'synthetic_images',
  );
  assert.match(noSection.message, /has no \[shell\] section/);
  const noName = configError(
    () => load(['[run_image]', 'synthetic_images = shell', '', '[shell]', 'cmd = bash']),
    4,
    'shell',
    undefined,
  );
  assert.match(noName.message, /needs name=<image folder>/);
  assert.equal(noName.valid, ['base', 'dev', 'notebook']);
  const notFolder = configError(
    () => load(['[run_image]', 'synthetic_images = shell', '[shell]', 'name = devel']),
    4,
    'shell',
    'name',
  );
  assert.match(notFolder.message, /not an image folder.*prefix=False/);
  configError(
    () => load(['[run_image]', 'synthetic_images = shell,shell', '[shell]', 'name = dev']),
    2,
    'run_image',
    'synthetic_images',
  );
  const folder = configError(() => load(['[run_image]', 'synthetic_images = dev']), 2, 'run_image', 'synthetic_images');
  assert.match(folder.message, /is an image folder/);
  configError(() => load(['[run_image]', 'synthetic_images = a,,b']), 2, 'run_image', 'synthetic_images');
  const build = configError(
    () => load(['[run_image]', 'synthetic_images = shell', '[shell]', 'name = dev', 'build_args = --no-cache']),
    5,
    'shell',
    'build_args',
  );
  assert.match(build.message, /for image folders/);
});

test('configuration-only images: name + prefix=False, no folder, listed as synthetic or not', () => {
  const config = load([
    '[run_image]',
    'synthetic_images = jupyter',
    '[jupyter]',
    'name = resero-labs/docker-ds',
    'tag = latest',
    'prefix = False',
    'ports = -p 8888:8888',
    '[redis]',
    'name = redis',
    'prefix = no',
  ]);
  assert.is(config.images.get('jupyter')!.kind, 'config-only');
  assert.is(config.images.get('redis')!.kind, 'config-only');
  assert.is(config.images.get('jupyter')!.folder, undefined);
  assert.equal(runSettings(config, 'jupyter', ctx).ports, [{ containerPort: 8888, protocol: 'tcp', hostPort: 8888 }]);
  assert.throws(
    () => buildSettings(config, 'redis', ctx),
    (err: unknown) => err instanceof ProjectImageError,
  );
  configError(() => load(['[redis]', 'name = redis', 'prefix = no', 'image_repo = aws']), 4, 'redis', 'image_repo');
});

test('an unknown image name → ProjectImageError listing the images', () => {
  const config = load([]);
  assert.throws(
    () => runSettings(config, 'nope', ctx),
    (err: unknown) =>
      err instanceof ProjectImageError && err.valid.join() === 'base,dev,notebook' && err.code === 'INVALID_INPUT',
  );
});

// --- env sections ---------------------------------------------------------------------------------

test('env names a section whose keys (with [DEFAULT] ones, as configparser lists them) become variables', () => {
  const config = load([
    '[DEFAULT]',
    'tag = latest',
    '[dev]',
    'env = dev-env',
    '[dev-env]',
    'DB_URL = postgres://db:5432/x?a=b',
    'GREETING = "hello world"',
    'HOME_DIR = $HOME',
    'Mixed_Case = ${USER}-x',
    'BLANK =',
  ]);
  assert.equal(config.envSections, ['dev-env']);
  assert.equal(runSettings(config, 'dev', ctx).env, {
    DB_URL: 'postgres://db:5432/x?a=b',
    GREETING: 'hello world',
    HOME_DIR: '/home/ada',
    Mixed_Case: 'ada-x',
    BLANK: '',
    tag: 'latest',
  });
});

test('env errors: no such section, an image section, an unset variable at the env key line, several words', () => {
  const missing = configError(() => load(['[dev]', 'env = dev-env', '[dev_env]', 'A = 1']), 2, 'dev', 'env');
  assert.match(missing.message, /no such section/);
  configError(() => load(['[dev]', 'env = base']), 2, 'dev', 'env');
  configError(() => load(['[dev]', 'env = run_image']), 2, 'dev', 'env');
  const config = load(['[dev]', 'env = vars', '[vars]', 'OK = 1', 'SECRET = $VAULT_TOKEN']);
  const unset = configError(() => runSettings(config, 'dev', ctx), 5, 'vars', 'SECRET');
  assert.match(unset.message, /\$VAULT_TOKEN is not set/);
  const words = load(['[dev]', 'env = vars', '[vars]', 'MSG = hello world']);
  const split = configError(() => runSettings(words, 'dev', ctx), 4, 'vars', 'MSG');
  assert.match(split.message, /quote it/);
});

// --- run keys -------------------------------------------------------------------------------------

test('volumes: -v forms, --mount, replacement variables ({project_root} {user} {project} {home}), $VAR, ${VAR}', () => {
  const config = load([
    '[dev]',
    'volumes = -v {project_root}:/workdir',
    '  -v {home}/.aws:/root/.aws:ro',
    '  -v /data/{user}/{project}:/data:rw,z',
    '  -v $DATA:/srv -v ${DATA}/cache:/cache',
    '  -v named-vol:/var/lib/x -v /anon',
    '  -v ./relative:/rel --volume=.:/dot',
    '  "-v" "{home}/My Files:/files"',
    '  --mount type=bind,source={home}/.ssh,target=/root/.ssh,readonly',
    '  --mount type=volume,src=cache,dst=/cache2,volume-nocopy,volume-opt=o=bind,volume-label=a=b',
    '  --mount type=tmpfs,target=/tmp,tmpfs-size=64m,tmpfs-mode=1777',
    '  --mount type=bind,source=./src,target=/src,bind-propagation=rshared,consistency=cached',
    '  --mount target=/v',
  ]);
  const run = runSettings(config, 'dev', ctx);
  assert.equal(run.volumes, [
    { source: ROOT, target: '/workdir' },
    { source: '/home/ada/.aws', target: '/root/.aws', mode: 'ro' },
    { source: '/data/ada/Harpoon-Demo', target: '/data', mode: 'rw,z' },
    { source: '/srv/data', target: '/srv' },
    { source: '/srv/data/cache', target: '/cache' },
    { source: 'named-vol', target: '/var/lib/x' },
    { target: '/anon' },
    { source: `${ROOT}/relative`, target: '/rel' },
    { source: ROOT, target: '/dot' },
    { source: '/home/ada/My Files', target: '/files' },
  ]);
  assert.equal(run.mounts, [
    { Type: 'bind', Source: '/home/ada/.ssh', Target: '/root/.ssh', ReadOnly: true },
    {
      Type: 'volume',
      Source: 'cache',
      Target: '/cache2',
      VolumeOptions: { NoCopy: true, DriverConfig: { Options: { o: 'bind' } }, Labels: { a: 'b' } },
    },
    { Type: 'tmpfs', Target: '/tmp', TmpfsOptions: { SizeBytes: 64 * 1024 * 1024, Mode: 0o1777 } },
    {
      Type: 'bind',
      Source: `${ROOT}/src`,
      Target: '/src',
      BindOptions: { Propagation: 'rshared' },
      Consistency: 'cached',
    },
    { Type: 'volume', Target: '/v' },
  ]);
});

test('volume errors name line and key: unknown {var} (listing valid), unset $VAR, bad -v, bad --mount, not a flag', () => {
  const unknownVar = configError(() => load(['[dev]', 'cmd = x', 'volumes = -v {root}:/w']), 3, 'dev', 'volumes');
  assert.equal(unknownVar.valid, ['{project_root}', '{user}', '{project}', '{home}']);
  assert.match(unknownVar.message, /unknown replacement variable \{root\}/);
  configError(() => load(['[dev]', 'volumes = -v {home:/w']), 2, 'dev', 'volumes');
  configError(() => load(['[dev]', 'volumes = -v /a}:/w']), 2, 'dev', 'volumes');
  configError(() => load(['[dev]', 'volumes = -v $1:/w']), 2, 'dev', 'volumes');
  configError(() => load(['[dev]', 'volumes = -v "/a:/w']), 2, 'dev', 'volumes');
  const cases: [string, RegExp][] = [
    ['-v $UNSET_VAR:/w', /environment variable \$UNSET_VAR is not set/],
    ['-v /a:relative', /must be absolute/],
    ['-v /a:/b:bogus', /unknown option "bogus"/],
    ['-v /a:/b:c:d', /is not -v/],
    ['-v /w:ro', /anonymous volume takes no options/],
    ['-v "bad name:/w"', /neither an absolute or \.\/relative host path nor a volume name/],
    ['-v', /-v needs a value/],
    ['--mount type=bind,target=/x', /needs source=/],
    ['--mount type=nfs,target=/x', /type "nfs" is not supported/],
    ['--mount source=/a', /a target .* is required/],
    ['--mount type=bind,src=/a,dst=/b,color=red', /unknown field "color"/],
    ['--mount type=volume,target=/x,bind-propagation=shared', /for type=bind only/],
    ['/a:/b', /is not a flag/],
    ['-p 80:80', /give ports with ports=/],
  ];
  for (const [value, pattern] of cases) {
    const config = load(['[dev]', 'tag = x', `volumes = ${value}`]);
    const err = configError(() => runSettings(config, 'dev', ctx), 3, 'dev', 'volumes');
    assert.match(err.message, pattern, value);
  }
});

test('ports: -p forms → one record per container port', () => {
  const config = load([
    '[dev]',
    'ports = -p 8888:8888 -p 127.0.0.1:5000:5000/udp --publish 9000 -p 127.0.0.1::7000',
    '  -p [::1]:8080:80/tcp -p 8000-8001:9000-9001 -p ${PORT}:8888/sctp -p 3000-3010:3000',
  ]);
  assert.equal(runSettings(config, 'dev', ctx).ports, [
    { containerPort: 8888, protocol: 'tcp', hostPort: 8888 },
    { containerPort: 5000, protocol: 'udp', hostIp: '127.0.0.1', hostPort: 5000 },
    { containerPort: 9000, protocol: 'tcp' },
    { containerPort: 7000, protocol: 'tcp', hostIp: '127.0.0.1' },
    { containerPort: 80, protocol: 'tcp', hostIp: '::1', hostPort: 8080 },
    { containerPort: 9000, protocol: 'tcp', hostPort: 8000 },
    { containerPort: 9001, protocol: 'tcp', hostPort: 8001 },
    { containerPort: 8888, protocol: 'sctp', hostPort: 8888 },
    { containerPort: 3000, protocol: 'tcp', hostPort: 3000, hostPortEnd: 3010 },
  ]);
  for (const bad of [
    '-p 80:http',
    '-p 0:80',
    '-p 70000',
    '-p 80/icmp',
    '-p 1:2:3:4',
    '-p 8000-8002:9000-9001',
    '-p host:80:80',
  ]) {
    configError(() => runSettings(load(['[dev]', `ports = ${bad}`]), 'dev', ctx), 2, 'dev', 'ports');
  }
});

test('environment (documented, never read by dockerutils): -e K=V keeps b=c in a=b=c; bare -e K from the env; over the env section', () => {
  const config = load([
    '[dev]',
    'env = vars',
    'environment = -e a=b=c -e URL=http://x/?q=1 --env=TOKEN --env MISSING -e "MSG=hello world" -eX=1 -e HOME_COPY=$HOME',
    '[vars]',
    'a = from-section',
    'KEEP = 1',
  ]);
  assert.equal(runSettings(config, 'dev', ctx).env, {
    a: 'b=c',
    KEEP: '1',
    URL: 'http://x/?q=1',
    TOKEN: 's3cr3t',
    MSG: 'hello world',
    X: '1',
    HOME_COPY: '/home/ada',
  });
  configError(() => runSettings(load(['[dev]', 'environment = -e =x']), 'dev', ctx), 2, 'dev', 'environment');
  configError(() => runSettings(load(['[dev]', 'environment = A=1']), 'dev', ctx), 2, 'dev', 'environment');
});

test('interactive (documented, never read by dockerutils): -it, -i, -t, -d; "-e" read as -d', () => {
  const read = (value: string) => runSettings(load(['[dev]', `interactive = ${value}`]), 'dev', ctx).interactive;
  assert.equal(read('-it'), { stdin: true, tty: true, detach: false });
  assert.equal(read('-ti'), { stdin: true, tty: true, detach: false });
  assert.equal(read('-i -t'), { stdin: true, tty: true, detach: false });
  assert.equal(read('--interactive'), { stdin: true, tty: false, detach: false });
  assert.equal(read('-t'), { stdin: false, tty: true, detach: false });
  assert.equal(read('-d'), { stdin: false, tty: false, detach: true });
  assert.equal(read('-e'), { stdin: false, tty: false, detach: true });
  assert.equal(read('-dit'), { stdin: true, tty: true, detach: true });
  assert.is(runSettings(load(['[dev]', 'cmd = x']), 'dev', ctx).interactive, undefined);
  const bad = configError(() => read('-x'), 2, 'dev', 'interactive');
  assert.ok(bad.valid.includes('-i, --interactive'), bad.message);
  configError(() => read('yes'), 2, 'dev', 'interactive');
});

test('network: one name; cmd: shell words, quotes kept together, $VAR replaced inside words', () => {
  const config = load([
    '[dev]',
    'network = my-net',
    `cmd = bash -c "echo 'hi there' \\"\$USER\\"" '$HOME' a\\ b "" $$literal`,
  ]);
  const run = runSettings(config, 'dev', ctx);
  assert.is(run.network, 'my-net');
  assert.equal(run.cmd, ['bash', '-c', `echo 'hi there' "ada"`, '/home/ada', 'a b', '', '$literal']);
  assert.is(runSettings(load(['[dev]', 'cmd =']), 'dev', ctx).cmd, undefined);
  configError(() => runSettings(load(['[dev]', 'network = a b']), 'dev', ctx), 2, 'dev', 'network');
  configError(() => runSettings(load(['[dev]', 'network = --network host']), 'dev', ctx), 2, 'dev', 'network');
  const unset = configError(() => runSettings(load(['[dev]', 'cmd = echo ${NOT_SET}']), 'dev', ctx), 2, 'dev', 'cmd');
  assert.match(unset.message, /\$NOT_SET is not set/);
  configError(() => load(['[dev]', `cmd = echo "unclosed`]), 2, 'dev', 'cmd');
  configError(() => load(['[dev]', 'cmd = echo $(date)']), 2, 'dev', 'cmd');
});

test('a set-but-empty variable is fine; "$$" is a literal "$"; braces are plain outside volumes', () => {
  assert.equal(runSettings(load(['[dev]', 'cmd = echo x${EMPTY}y $$HOME']), 'dev', ctx).cmd, ['echo', 'xy', '$HOME']);
  assert.equal(runSettings(load(['[dev]', 'cmd = find . -exec echo {} ;']), 'dev', ctx).cmd, [
    'find',
    '.',
    '-exec',
    'echo',
    '{}',
    ';',
  ]);
});

test('configparser interpolation problems are load errors at the line and key (a lone % needs %%)', () => {
  const err = configError(() => load(['[dev]', 'tag = x', 'cmd = date +%Y']), 3, 'dev', 'cmd');
  assert.match(err.message, /write %% for a literal %/);
  assert.equal(runSettings(load(['[dev]', 'cmd = date +%%Y']), 'dev', ctx).cmd, ['date', '+%Y']);
});

test('gpu: a device request (never a runtime name), kept apart for the caller to apply with -g', () => {
  const read = (value: string) => runSettings(load(['[dev]', `gpu = ${value}`]), 'dev', ctx).gpu;
  assert.equal(read('--runtime=nvidia -e NVIDIA_VISIBLE_DEVICES=all'), {
    request: { Driver: 'nvidia', Count: -1, Capabilities: [['gpu']] },
    env: {},
  });
  assert.equal(read('--runtime nvidia -e NVIDIA_VISIBLE_DEVICES=0,2 -e NVIDIA_DRIVER_CAPABILITIES=compute,utility'), {
    request: { Driver: 'nvidia', DeviceIDs: ['0', '2'], Capabilities: [['gpu']] },
    env: { NVIDIA_DRIVER_CAPABILITIES: 'compute,utility' },
  });
  assert.equal(read('--gpus all').request, { Driver: 'nvidia', Count: -1, Capabilities: [['gpu']] });
  assert.equal(read('--gpus 2').request, { Driver: 'nvidia', Count: 2, Capabilities: [['gpu']] });
  assert.equal(read(`--gpus '"device=0,1",capabilities=compute'`).request, {
    Driver: 'nvidia',
    DeviceIDs: ['0', '1'],
    Capabilities: [['compute', 'gpu']],
  });
  assert.equal(read('--gpus count=1,driver=amd,options=a=b').request, {
    Driver: 'amd',
    Count: 1,
    Capabilities: [['gpu']],
    Options: { a: 'b' },
  });
  for (const bad of [
    '--runtime=runc',
    '--gpus many',
    '--gpus color=red',
    '--gpus all -e NVIDIA_VISIBLE_DEVICES=0',
    '-e NVIDIA_VISIBLE_DEVICES=none',
    '-v /a:/b',
  ]) {
    configError(() => read(bad), 2, 'dev', 'gpu');
  }
});

test('args: other docker run flags into data; flags with their own key point there', () => {
  const config = load([
    '[dev]',
    'args = --shm-size=2g -u 1000:1000 -w /workdir --entrypoint /bin/sh -h box --label team=ml --privileged --init --read-only',
    '  --ipc host --pid=host --cap-add SYS_PTRACE --cap-drop NET_RAW --add-host db=10.0.0.2 --security-opt seccomp=unconfined',
    '  --device /dev/fuse --device /dev/a:/dev/b:r --tmpfs /run:rw,size=1m -m 512m --cpus 1.5 --ulimit nofile=1024:2048 --group-add video',
    '  -e FROM_ARGS=1 -v /x:/x -p 81:81',
  ]);
  const run = runSettings(config, 'dev', ctx);
  assert.is(run.user, '1000:1000');
  assert.is(run.workdir, '/workdir');
  assert.equal(run.entrypoint, ['/bin/sh']);
  assert.is(run.hostname, 'box');
  assert.equal(run.labels, { team: 'ml' });
  assert.equal(run.env, { FROM_ARGS: '1' });
  assert.equal(run.volumes, [{ source: '/x', target: '/x' }]);
  assert.equal(run.ports, [{ containerPort: 81, protocol: 'tcp', hostPort: 81 }]);
  assert.equal(run.hostConfig, {
    ShmSize: 2 * 1024 ** 3,
    Privileged: true,
    Init: true,
    ReadonlyRootfs: true,
    IpcMode: 'host',
    PidMode: 'host',
    CapAdd: ['SYS_PTRACE'],
    CapDrop: ['NET_RAW'],
    ExtraHosts: ['db:10.0.0.2'],
    SecurityOpt: ['seccomp=unconfined'],
    Devices: [
      { PathOnHost: '/dev/fuse', PathInContainer: '/dev/fuse', CgroupPermissions: 'rwm' },
      { PathOnHost: '/dev/a', PathInContainer: '/dev/b', CgroupPermissions: 'r' },
    ],
    Tmpfs: { '/run': 'rw,size=1m' },
    Memory: 512 * 1024 ** 2,
    NanoCpus: 1_500_000_000,
    Ulimits: [{ Name: 'nofile', Soft: 1024, Hard: 2048 }],
    GroupAdd: ['video'],
  });
  const cases: [string, RegExp][] = [
    ['--network host', /give the network with network=/],
    ['--gpus all', /gpu=/],
    ['--runtime=nvidia', /gpu=/],
    ['-it', /interactive=/],
    ['--rm', /unless -k/],
    ['--name x', /names the container/],
    ['--frobnicate', /unknown or unsupported flag --frobnicate/],
    ['--shm-size lots', /not a size/],
    ['--cpus -1', /positive number/],
    ['-w relative', /absolute/],
    ['--privileged=maybe', /=true \/ =false/],
  ];
  for (const [value, pattern] of cases) {
    const err = configError(() => runSettings(load(['[dev]', `args = ${value}`]), 'dev', ctx), 2, 'dev', 'args');
    assert.match(err.message, pattern, value);
  }
});

// --- docked variants ------------------------------------------------------------------------------

test('<key>_docked is used when docked (falling back to <key>), ignored otherwise', () => {
  const config = load([
    '[DEFAULT]',
    'network_docked = dock-net',
    '[dev]',
    'volumes = -v {project_root}:/workdir',
    'volumes_docked = -v /data/workspaces/{user}/code/{project}:/workdir',
    'ports = -p 8888:8888',
    'cmd = bash',
    'cmd_docked = bash -l',
    'environment = -e WHERE=local',
    'environment_docked = -e WHERE=dock',
    'interactive_docked = -d',
    'gpu_docked = --gpus 1',
    'args_docked = --shm-size 1g',
  ]);
  const local = runSettings(config, 'dev', ctx);
  const docked = runSettings(config, 'dev', ctx, { docked: true });
  assert.equal(local.volumes, [{ source: ROOT, target: '/workdir' }]);
  assert.equal(docked.volumes, [{ source: '/data/workspaces/ada/code/Harpoon-Demo', target: '/workdir' }]);
  assert.equal(docked.ports, local.ports);
  assert.equal([local.cmd, docked.cmd], [['bash'], ['bash', '-l']]);
  assert.equal([local.env, docked.env], [{ WHERE: 'local' }, { WHERE: 'dock' }]);
  assert.equal([local.interactive, docked.interactive?.detach], [undefined, true]);
  assert.equal([local.gpu.request.Count, docked.gpu.request.Count], [-1, 1]);
  assert.equal([local.hostConfig, docked.hostConfig], [{}, { ShmSize: 1024 ** 3 }]);
  assert.equal([local.network, docked.network], [undefined, 'dock-net']);
  assert.is(imageSettings(config, 'dev', ctx, { docked: true }).docked, true);
  // An empty _docked value switches the key off when docked.
  const off = load(['[dev]', 'volumes = -v /a:/a', 'volumes_docked =']);
  assert.equal(runSettings(off, 'dev', ctx, { docked: true }).volumes, []);
});

test('docked variant errors name the _docked key', () => {
  const config = load(['[dev]', 'volumes = -v /a:/a', 'volumes_docked = -v $DOCK_ROOT:/a']);
  runSettings(config, 'dev', ctx);
  configError(() => runSettings(config, 'dev', ctx, { docked: true }), 3, 'dev', 'volumes_docked');
});

// --- build and publish keys -----------------------------------------------------------------------

test('build_args: docker build flags as data (a=b=c keeps b=c); scripts as argv; pull_FROM_on_force', () => {
  const config = load([
    '[dev]',
    'build_args = --build-arg a=b=c --build-arg=TOKEN --build-arg UNSET_ONE --no-cache --pull --label org=x --network host --platform linux/arm64/v8',
    '  --build-arg "MSG=two words" --build-arg LIT=$HOME',
    'pre_build_script = ./scripts/pre.sh "arg one" two',
    'post_build_script = make -C docs',
    'pull_FROM_on_force = True',
  ]);
  assert.equal(buildSettings(config, 'dev', ctx), {
    flags: {
      buildArgs: { a: 'b=c', TOKEN: 's3cr3t', MSG: 'two words', LIT: '$HOME' },
      labels: { org: 'x' },
      noCache: true,
      pull: true,
      network: 'host',
      platform: 'linux/arm64/v8',
    },
    preBuildScript: ['./scripts/pre.sh', 'arg one', 'two'],
    postBuildScript: ['make', '-C', 'docs'],
    pullFromOnForce: true,
  });
  const err = configError(
    () => buildSettings(load(['[dev]', 'build_args = --squash']), 'dev', ctx),
    2,
    'dev',
    'build_args',
  );
  assert.ok(err.valid.includes('--build-arg'));
  configError(() => buildSettings(load(['[dev]', 'build_args = FOO=1']), 'dev', ctx), 2, 'dev', 'build_args');
  configError(
    () => buildSettings(load(['[dev]', 'build_args = --platform amd64']), 'dev', ctx),
    2,
    'dev',
    'build_args',
  );
  configError(() => load(['[dev]', "pre_build_script = echo 'oops"]), 2, 'dev', 'pre_build_script');
});

test('image_repo: aws or docker_hub; publication_tag with {account} {region} {image} {tag} {user} and $VAR', () => {
  const config = load([
    '[dev]',
    'image_repo = aws',
    'publication_tag = {account}.dkr.ecr.{region}.amazonaws.com/{image}:{tag}-{user}-${USER}',
  ]);
  assert.is(imageSettings(config, 'dev', ctx).publish!.imageRepo, 'aws');
  assert.is(
    publicationTag(config, 'dev', ctx, {
      account: '123456789012',
      region: 'eu-west-1',
      image: 'harpoon-demo-dev',
      tag: 'ada',
    }),
    '123456789012.dkr.ecr.eu-west-1.amazonaws.com/harpoon-demo-dev:ada-ada-ada',
  );
  assert.is(publicationTag(config, 'base', ctx, { account: '', region: '', image: 'x', tag: 'y' }), undefined);
  const repo = configError(() => load(['[dev]', 'image_repo = docker']), 2, 'dev', 'image_repo');
  assert.equal(repo.valid, ['aws', 'docker_hub']);
  const tag = configError(() => load(['[dev]', 'publication_tag = {registry}/{image}']), 2, 'dev', 'publication_tag');
  assert.equal(tag.valid, ['{account}', '{region}', '{image}', '{tag}', '{user}']);
  const unset = load(['[dev]', 'publication_tag = $REGISTRY/{image}']);
  configError(
    () => publicationTag(unset, 'dev', ctx, { account: '', region: '', image: 'x', tag: 'y' }),
    2,
    'dev',
    'publication_tag',
  );
});

// --- checking everything, and requests ------------------------------------------------------------

test('checkProjectConfig: every image resolved, docked and not, each problem once', () => {
  const config = load([
    '[dev]',
    'volumes = -v $A:/a',
    'volumes_docked = -v $B:/b',
    '[base]',
    'ports = -p 80:80',
    'publication_tag = $C/x',
    '[notebook]',
    'cmd = echo $A',
  ]);
  const problems = checkProjectConfig(config, ctx);
  assert.equal(
    problems.map((p) => [p.line, p.key]),
    [
      [2, 'volumes'],
      [3, 'volumes_docked'],
      [6, 'publication_tag'],
      [8, 'cmd'],
    ],
  );
  assert.equal(checkProjectConfig(load(['[dev]', 'volumes = -v $HOME:/h']), ctx), []);
});

test('containerRequest: binds, mounts, ports, env (CLI -e a=b=c over config), gpu only when asked for', () => {
  const config = load([
    '[dev]',
    'env = vars',
    'volumes = -v {home}:/h:ro -v /anon --mount type=tmpfs,target=/t',
    'ports = -p 127.0.0.1:8080:80 -p 53/udp',
    'network = backend',
    'cmd = serve --port 80',
    'interactive = -it',
    'gpu = --runtime=nvidia -e NVIDIA_VISIBLE_DEVICES=all -e GPU_FLAG=1',
    'args = --shm-size 1g -w /app',
    '[vars]',
    'a = config',
    'B = 2',
  ]);
  const run = runSettings(config, 'dev', ctx);
  const cliEnv = Object.fromEntries([splitKeyValue('a=b=c', '-e')].map(([k, v]) => [k, v!]));
  const plain = containerRequest(run, { image: 'harpoon-demo-dev:ada', env: cliEnv });
  assert.equal(plain, {
    image: 'harpoon-demo-dev:ada',
    cmd: ['serve', '--port', '80'],
    env: { a: 'b=c', B: '2' },
    workingDir: '/app',
    tty: true,
    openStdin: true,
    hostConfig: {
      ShmSize: 1024 ** 3,
      Binds: ['/home/ada:/h:ro'],
      Mounts: [{ Type: 'tmpfs', Target: '/t' }],
      PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }], '53/udp': [{ HostIp: '', HostPort: '' }] },
      NetworkMode: 'backend',
    },
    extra: { Volumes: { '/anon': {} }, ExposedPorts: { '80/tcp': {}, '53/udp': {} } },
    detach: false,
  });
  assert.is(plain.hostConfig!.DeviceRequests, undefined);
  assert.is(plain.hostConfig!.Runtime, undefined);
  const gpu = containerRequest(run, { image: 'x', gpu: true, cmd: ['sh'], network: 'host' });
  assert.equal(gpu.hostConfig!.DeviceRequests, [{ Driver: 'nvidia', Count: -1, Capabilities: [['gpu']] }]);
  assert.is(gpu.hostConfig!.Runtime, undefined);
  assert.equal(gpu.env, { a: 'config', B: '2', GPU_FLAG: '1' });
  assert.equal(gpu.cmd, ['sh']);
  assert.is(gpu.hostConfig!.NetworkMode, 'host');
  // No gpu key at all: -g still gives every NVIDIA GPU.
  const none = containerRequest(runSettings(load([]), 'base', ctx), { image: 'x', gpu: true });
  assert.equal(none.hostConfig!.DeviceRequests, [{ Driver: 'nvidia', Count: -1, Capabilities: [['gpu']] }]);
});

test.run();
