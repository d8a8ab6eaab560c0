// harpoon/project as a Node user calls it, through src/project/index.ts only: open a project on
// disk, list its images, plan a build in FROM order and a run with the config's settings.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  openProject,
  planImageBuild,
  planImageRun,
  ProjectImageError,
  ProjectNotFoundError,
  ProjectOptionError,
} from '../../src/project/index.ts';

let base = '';

test.before(async () => {
  base = await mkdtemp(join(tmpdir(), 'harpoon-project-api-'));
  const files: Record<string, string> = {
    'Shop/docker/base/Dockerfile': 'FROM busybox\n',
    'Shop/docker/app/Dockerfile': 'FROM shop-base:alice\nCMD ["sh"]\n',
    'Shop/docker/dockerutils.cfg': '[app]\nports=-p 127.0.0.1:8080:80\nenv=app_env\n\n[app_env]\nMODE=dev\n',
  };
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(base, path)), { recursive: true });
    await writeFile(join(base, path), content);
  }
});

test.after(async () => {
  await rm(base, { recursive: true, force: true });
});

const env = { HOME: '/home/alice', PATH: '/usr/bin' };

test('openProject finds the root from a sub-folder and lists the images with their references', async () => {
  const project = await openProject(join(base, 'Shop/docker/app'), { env, user: 'alice' });
  assert.is(project.root, join(base, 'Shop'));
  assert.is(project.name, 'shop');
  assert.equal([...project.images.keys()].sort(), ['app', 'base']);
  assert.is(project.images.get('app')!.reference, 'shop-app:alice');
  assert.equal(project.images.get('app')!.dependsOn, ['base']);
});

test('planImageBuild orders by FROM (base first with -f) and applies -t', async () => {
  const project = await openProject(join(base, 'Shop'), { env, user: 'alice' });
  const builds = planImageBuild(project, 'app', { force: true, tag: 'v1' });
  assert.equal(
    builds.map((b) => b.image),
    ['base', 'app'],
  );
  assert.is(builds[1]!.reference, 'shop-app:v1');
  assert.is(builds[1]!.dockerfile, 'docker/app/Dockerfile');
  assert.throws(
    () => planImageBuild(project, 'app', { tag: '-x' }),
    (e: unknown) => e instanceof ProjectOptionError && /-t "-x"/.test(e.message),
  );
});

test('planImageRun gives a container request with the config ports and env, and -e on top', async () => {
  const project = await openProject(join(base, 'Shop'), { env, user: 'alice' });
  const plan = planImageRun(project, 'app', { env: ['MODE=prod'], now: new Date('2026-01-02T03:04:05Z') });
  assert.is(plan.reference, 'shop-app:alice');
  assert.is(plan.remove, true);
  assert.equal(plan.request.hostConfig.PortBindings, { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }] });
  assert.ok(
    plan.request.env && Object.entries(plan.request.env).some(([k, v]) => k === 'MODE' && v === 'prod'),
    JSON.stringify(plan.request.env),
  );
  assert.throws(
    () => planImageRun(project, 'nope'),
    (e: unknown) => e instanceof ProjectImageError && /Valid: app, base|Valid: base, app/.test(e.message),
  );
});

test('openProject outside any project is a ProjectNotFoundError naming the folder', async () => {
  const err = await openProject(base, { env }).catch((e: unknown) => e);
  assert.instance(err, ProjectNotFoundError);
  assert.match((err as Error).message, base);
});

test.run();
