// The image catalogue: references, FROM images, the -builder stage, and the build order (a base
// before what is built FROM it).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  buildCatalogue,
  buildOrder,
  dockerfileStages,
  ImageCycleError,
  loadCatalogue,
  loadProjectConfig,
  openProjectRoot,
  parseProjectConfig,
  ProjectImageError,
  repositoryOf,
  tagOf,
  type ImageCatalogue,
} from '../../src/project/model.ts';
import { fakeProject } from '../helpers/project.ts';

const ROOT = '/src/Shop';
const project = (imageFolders: string[]) => fakeProject(ROOT, imageFolders);
const ctx = { user: 'ada', home: '/home/ada', env: { BASE_TAG: 'ada' } };

/** A catalogue from Dockerfiles by folder and config lines. */
function catalogue(dockerfiles: Record<string, string>, config: string[] = []): ImageCatalogue {
  const parsed = parseProjectConfig(config.join('\n'), project(Object.keys(dockerfiles).sort()));
  return buildCatalogue(parsed, dockerfiles, ctx);
}

// A base, a derived image and a derived-of-derived one, named so that alphabetical (directory)
// order is the wrong build order.
const CHAIN = {
  zbase: 'FROM python:3.11-slim\nRUN pip install numpy\n',
  mid: 'ARG BASE_TAG=latest\nFROM shop-zbase:${BASE_TAG}\nRUN echo mid\n',
  app: 'FROM shop-mid:ada AS deps\nRUN echo deps\n\nFROM deps\nCOPY . /app\n',
  lone: 'FROM alpine:3.20\n',
};

// --- references -----------------------------------------------------------------------------------

test('references: <project>-<image>:<user>; tag and name override; prefix=False uses name as is', () => {
  const c = catalogue({ base: 'FROM alpine\n', dev: 'FROM alpine\n', web: 'FROM alpine\n' }, [
    '[run_image]',
    'synthetic_images = shell, jupyter',
    '[dev]',
    'tag = latest',
    '[web]',
    'name = frontend',
    '[shell]',
    'name = dev',
    '[jupyter]',
    'name = resero-labs/docker-ds',
    'prefix = False',
    'tag = gpu',
    '[redis]',
    'name = redis',
    'prefix = false',
  ]);
  const ref = (name: string) => c.images.get(name)!.reference;
  assert.is(ref('base'), 'shop-base:ada');
  assert.is(ref('dev'), 'shop-dev:latest');
  assert.is(ref('web'), 'shop-frontend:ada');
  // A synthetic image runs its folder's repository under its own tag (the user's unless set).
  assert.is(ref('shell'), 'shop-dev:ada');
  assert.is(c.images.get('shell')!.folder, 'dev');
  assert.is(ref('jupyter'), 'resero-labs/docker-ds:gpu');
  assert.is(ref('redis'), 'redis:ada');
  assert.equal(
    [...c.images.values()].map((i) => [i.image, i.kind]),
    [
      ['base', 'folder'],
      ['dev', 'folder'],
      ['web', 'folder'],
      ['shell', 'synthetic'],
      ['jupyter', 'config-only'],
      ['redis', 'config-only'],
    ],
  );
  assert.is(c.images.get('base')!.dockerfile, `${ROOT}/docker/base/Dockerfile`);
  assert.is(c.images.get('jupyter')!.dockerfile, undefined);
});

test('an image name the project folder or image folder makes invalid is an error saying how to fix it', () => {
  const parsed = parseProjectConfig('', { ...project(['web']), folderName: 'My Shop', name: 'my shop' });
  assert.throws(
    () => buildCatalogue(parsed, { web: 'FROM alpine\n' }, ctx),
    (err: unknown) =>
      err instanceof ProjectImageError &&
      err.image === 'web' &&
      /"my shop-web" is not valid.*"My Shop"/.test(err.message),
  );
  assert.throws(
    () => catalogue({ Web: 'FROM alpine\n' }),
    (err: unknown) => err instanceof ProjectImageError && /docker\/Web/.test(err.message),
  );
  const named = parseProjectConfig('[Web]\nname = web\n', project(['Web']));
  assert.is(buildCatalogue(named, { Web: 'FROM alpine\n' }, ctx).images.get('Web')!.reference, 'shop-web:ada');
  assert.throws(
    () =>
      buildCatalogue(
        parseProjectConfig('', project(['web'])),
        { web: 'FROM alpine\n' },
        { ...ctx, user: 'Ada Lovelace' },
      ),
    (err: unknown) => err instanceof ProjectImageError && /tag "Ada Lovelace"/.test(err.message),
  );
});

// --- FROM -----------------------------------------------------------------------------------------

test('FROM lines: any case, --platform, AS stages, stage references, comments, continuations', () => {
  const stages = dockerfileStages(
    [
      '# syntax=docker/dockerfile:1',
      'from --platform=$BUILDPLATFORM golang:1.22 as Build',
      'RUN go build \\',
      '# a comment inside a continuation',
      '    ./...',
      'FROM \\',
      '  gcr.io/distroless/static:nonroot',
      'COPY --from=build /out /app',
      'FROM build AS test',
    ].join('\n'),
  );
  assert.equal(stages, [
    { from: 'golang:1.22', raw: 'golang:1.22', line: 2, name: 'build', fromStage: false, unresolved: false },
    {
      from: 'gcr.io/distroless/static:nonroot',
      raw: 'gcr.io/distroless/static:nonroot',
      line: 6,
      fromStage: false,
      unresolved: false,
    },
    { from: 'build', raw: 'build', line: 9, name: 'test', fromStage: true, unresolved: false },
  ]);
});

test('FROM with global ARGs: defaults, build args over them, ${A:-x}, and unresolved ones', () => {
  const text = [
    'ARG REG=docker.io',
    'ARG IMAGE TAG=3.20',
    'FROM ${REG}/library/$IMAGE:${TAG}',
    'FROM ${MISSING:-busybox}',
    'FROM $NOPE',
    'ARG LATE=x',
    'FROM $LATE',
  ].join('\n');
  const stages = dockerfileStages(text, { IMAGE: 'alpine' });
  assert.equal(
    stages.map((s) => [s.from, s.unresolved]),
    [
      ['docker.io/library/alpine:3.20', false],
      ['busybox', false],
      ['', true],
      // An ARG after the first FROM is not global.
      ['', true],
    ],
  );
});

test('heredoc bodies are not instructions; the escape directive is honoured', () => {
  const heredoc = dockerfileStages(
    ['FROM alpine', 'RUN <<EOF', 'FROM not-an-instruction', 'EOF', 'FROM busybox'].join('\n'),
  );
  assert.equal(
    heredoc.map((s) => s.from),
    ['alpine', 'busybox'],
  );
  const escaped = dockerfileStages(
    ['# escape=`', 'FROM `', '  mcr.microsoft.com/windows/servercore:ltsc2022'].join('\r\n'),
  );
  assert.equal(
    escaped.map((s) => s.from),
    ['mcr.microsoft.com/windows/servercore:ltsc2022'],
  );
});

test('repositoryOf / tagOf', () => {
  assert.is(repositoryOf('docker.io/library/python:3.11@sha256:abc'), 'python');
  assert.is(repositoryOf('localhost:5000/team/app:1'), 'localhost:5000/team/app');
  assert.is(repositoryOf('shop-base'), 'shop-base');
  assert.is(repositoryOf('docker.io/ada/tool:1'), 'ada/tool');
  assert.is(tagOf('shop-base'), 'latest');
  assert.is(tagOf('localhost:5000/team/app:1'), '1');
});

test('each folder image lists its FROM images and the project images it is built FROM', () => {
  const c = catalogue(CHAIN, ['[mid]', 'build_args = --build-arg BASE_TAG=ada']);
  const mid = c.images.get('mid')!;
  assert.equal(mid.from, [{ reference: 'shop-zbase:ada', line: 2, unresolved: false, image: 'zbase' }]);
  assert.equal(mid.dependsOn, ['zbase']);
  const app = c.images.get('app')!;
  // "FROM deps" names an earlier stage, not an image.
  assert.equal(app.from, [{ reference: 'shop-mid:ada', line: 1, unresolved: false, image: 'mid' }]);
  assert.equal(app.dependsOn, ['mid']);
  assert.equal(c.images.get('zbase')!.from, [{ reference: 'python:3.11-slim', line: 1, unresolved: false }]);
  assert.equal(c.images.get('zbase')!.dependsOn, []);
});

test('a project image is matched by repository when the tags differ, and with a renamed image', () => {
  const c = catalogue({ base: 'FROM alpine\n', svc: 'FROM shop-core:release\n', tool: 'FROM shop-base\n' }, [
    '[base]',
    'name = core',
    'tag = v1',
  ]);
  assert.equal(c.images.get('svc')!.dependsOn, ['base']);
  // "shop-base" is nobody's repository here (base is renamed to shop-core).
  assert.equal(c.images.get('tool')!.dependsOn, []);
});

// --- the builder stage ----------------------------------------------------------------------------

test('a multi-stage build with a stage named builder: that stage is tagged <repository>-builder:<tag>', () => {
  const c = catalogue(
    {
      api: 'FROM golang:1.22 AS builder\nRUN go build\nFROM alpine\nCOPY --from=builder /out /\n',
      web: 'FROM node:20 AS Builder\nFROM nginx\n',
      solo: 'FROM alpine AS builder\n',
      plain: 'FROM alpine AS build\nFROM alpine\n',
      ext: 'FROM golang AS builder\nFROM alpine\n',
      uses: 'FROM shop-api-builder:ada\n',
    },
    ['[web]', 'tag = v2', '[ext]', 'name = team/ext', 'prefix = False'],
  );
  assert.equal(c.images.get('api')!.builder, { reference: 'shop-api-builder:ada', target: 'builder' });
  assert.equal(c.images.get('web')!.builder, { reference: 'shop-web-builder:v2', target: 'builder' });
  assert.is(c.images.get('solo')!.builder, undefined);
  assert.is(c.images.get('plain')!.builder, undefined);
  assert.equal(c.images.get('ext')!.builder, { reference: 'team/ext-builder:ada', target: 'builder' });
  // An image FROM another's builder stage depends on that image.
  assert.equal(c.images.get('uses')!.dependsOn, ['api']);
});

// --- build order ----------------------------------------------------------------------------------

test('build-image all: FROM order, not directory order (base → derived → derived-of-derived)', () => {
  const c = catalogue(CHAIN, ['[mid]', 'build_args = --build-arg BASE_TAG=ada']);
  const order = buildOrder(c, 'all');
  assert.equal(order, ['lone', 'zbase', 'mid', 'app']);
  assert.ok(order.indexOf('zbase') < order.indexOf('mid') && order.indexOf('mid') < order.indexOf('app'));
});

test('the ARG default alone links the chain too (global ARG, no build_args)', () => {
  const c = catalogue({ ...CHAIN, mid: 'ARG BASE_TAG=ada\nFROM shop-zbase:${BASE_TAG}\n' });
  assert.equal(buildOrder(c, 'all'), ['lone', 'zbase', 'mid', 'app']);
});

test('named images: in the given order unless FROM says otherwise; dependencies added on request', () => {
  const c = catalogue(CHAIN, ['[mid]', 'build_args = --build-arg BASE_TAG=ada']);
  assert.equal(buildOrder(c, ['lone', 'mid']), ['lone', 'mid']);
  assert.equal(buildOrder(c, ['app', 'mid']), ['mid', 'app']);
  // app is built FROM zbase through mid: zbase still comes first when mid is not built.
  assert.equal(buildOrder(c, ['app', 'zbase']), ['zbase', 'app']);
  assert.equal(buildOrder(c, ['app'], { withDependencies: true }), ['zbase', 'mid', 'app']);
  assert.equal(buildOrder(c, ['app', 'app']), ['app']);
  assert.equal(buildOrder(c, []), []);
});

test('only image folders can be built: unknown, synthetic and configuration-only names are errors', () => {
  const c = catalogue({ dev: 'FROM alpine\n' }, [
    '[run_image]',
    'synthetic_images = shell',
    '[shell]',
    'name = dev',
    '[nb]',
    'name = jupyter/base',
    'prefix = 0',
  ]);
  const fails = (name: string, pattern: RegExp) =>
    assert.throws(
      () => buildOrder(c, [name]),
      (err: unknown) =>
        err instanceof ProjectImageError &&
        err.image === name &&
        pattern.test(err.message) &&
        err.valid.join() === 'dev',
    );
  fails('nope', /no such image folder/);
  fails('shell', /synthetic image only runs docker\/dev; build "dev"/);
  fails('nb', /configuration-only/);
});

test('a FROM cycle is an error naming the images; an image FROM its own repository is not a cycle', () => {
  const c = catalogue({
    a: 'FROM shop-c:ada\n',
    b: 'FROM shop-a:ada\n',
    c: 'FROM shop-b:ada\n',
    ok: 'FROM alpine\n',
    self: 'FROM shop-self:previous\n',
  });
  assert.equal(c.images.get('self')!.dependsOn, []);
  assert.equal(buildOrder(c, ['self', 'ok']), ['self', 'ok']);
  try {
    buildOrder(c, 'all');
    assert.unreachable('expected ImageCycleError');
  } catch (err) {
    assert.instance(err, ImageCycleError);
    const e = err as ImageCycleError;
    assert.is(e.code, 'INVALID_INPUT');
    assert.equal([...e.images].sort(), ['a', 'a', 'b', 'c']);
    assert.is(e.images[0], e.images[e.images.length - 1]);
    // Each is the base of the next: a is the base of b, b of c, c of a.
    const at = e.images.indexOf('a');
    assert.is(e.images[at + 1], 'b');
    assert.match(e.message, /a → b → c → a|b → c → a → b|c → a → b → c/);
  }
  // Images outside the cycle can still be ordered.
  assert.equal(buildOrder(c, ['ok']), ['ok']);
});

// --- from disk ------------------------------------------------------------------------------------

test('loadCatalogue reads the Dockerfiles of a project on disk', async () => {
  const base = await mkdtemp(join(tmpdir(), 'harpoon-project-images-'));
  try {
    const files: Record<string, string> = {
      'Shop/docker/dockerutils.cfg': '[mid]\nbuild_args = --build-arg BASE_TAG=ada\n',
      ...Object.fromEntries(Object.entries(CHAIN).map(([name, text]) => [`Shop/docker/${name}/Dockerfile`, text])),
    };
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(join(base, path)), { recursive: true });
      await writeFile(join(base, path), content);
    }
    const root = await openProjectRoot(join(base, 'Shop/docker/app'));
    const c = await loadCatalogue(await loadProjectConfig(root), ctx);
    assert.equal(buildOrder(c, 'all'), ['lone', 'zbase', 'mid', 'app']);
    assert.is(c.images.get('app')!.dockerfile, join(base, 'Shop/docker/app/Dockerfile'));
  } finally {
    await rm(base, { recursive: true, force: true });
  }
});

test.run();
