// The project root: the first folder holding docker/, walking up from the current folder.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HarpoonError } from '../../src/core/errors.ts';
import { findProjectRoot, openProjectRoot, ProjectNotFoundError } from '../../src/project/model.ts';

const temps: string[] = [];

/** A temp folder holding `files` (path → content; a path ending in "/" is an empty folder). */
async function tree(files: Record<string, string>): Promise<string> {
  const base = await mkdtemp(join(tmpdir(), 'harpoon-project-root-'));
  temps.push(base);
  for (const [path, content] of Object.entries(files)) {
    if (path.endsWith('/')) await mkdir(join(base, path), { recursive: true });
    else {
      await mkdir(dirname(join(base, path)), { recursive: true });
      await writeFile(join(base, path), content);
    }
  }
  return base;
}

test.after(async () => {
  for (const dir of temps) await rm(dir, { recursive: true, force: true });
});

test('found from the root itself and from a folder deep inside it', async () => {
  const base = await tree({ 'MyApp/docker/dev/Dockerfile': 'FROM alpine\n', 'MyApp/src/lib/deep/': '' });
  const root = join(base, 'MyApp');
  assert.is(await findProjectRoot(root), root);
  assert.is(await findProjectRoot(join(root, 'src/lib/deep')), root);
  // Inside docker/ itself: docker/dev holds no docker/, so the walk goes up to the root.
  assert.is(await findProjectRoot(join(root, 'docker/dev')), root);
});

test('the first folder holding docker/ wins (a project inside another)', async () => {
  const base = await tree({
    'outer/docker/base/Dockerfile': 'FROM alpine\n',
    'outer/tools/inner/docker/': '',
    'outer/tools/inner/src/': '',
  });
  assert.is(await findProjectRoot(join(base, 'outer/tools/inner/src')), join(base, 'outer/tools/inner'));
  assert.is(await findProjectRoot(join(base, 'outer/tools')), join(base, 'outer'));
});

test('a file named docker is not a docker/ folder', async () => {
  const base = await tree({ 'proj/docker/app/Dockerfile': 'FROM alpine\n', 'proj/sub/docker': 'not a folder' });
  assert.is(await findProjectRoot(join(base, 'proj/sub')), join(base, 'proj'));
});

test('no docker/ anywhere up to / → ProjectNotFoundError naming the folder searched from', async () => {
  if (existsSync(join(tmpdir(), 'docker')) || existsSync('/docker')) return; // a machine with such folders cannot run this case
  const base = await tree({ 'plain/src/': '' });
  const from = join(base, 'plain/src');
  try {
    await findProjectRoot(from);
    assert.unreachable('expected ProjectNotFoundError');
  } catch (err) {
    assert.instance(err, ProjectNotFoundError);
    assert.instance(err, HarpoonError);
    const e = err as ProjectNotFoundError;
    assert.is(e.code, 'INVALID_INPUT');
    assert.is(e.searchedFrom, from);
    assert.ok(e.message.includes(from), e.message);
    assert.match(e.message, /docker\/ folder/);
  }
});

test('project: root, name in lower case, folder name as is, docker/ and the config path', async () => {
  const base = await tree({ 'My-App/docker/dev/Dockerfile': 'FROM alpine\n' });
  const project = await openProjectRoot(join(base, 'My-App'));
  assert.is(project.root, join(base, 'My-App'));
  assert.is(project.folderName, 'My-App');
  assert.is(project.name, 'my-app');
  assert.is(project.dockerDir, join(base, 'My-App/docker'));
  assert.is(project.configFile, join(base, 'My-App/docker/dockerutils.cfg'));
});

test('image folders: sub-folders of docker/ holding a Dockerfile, sorted; others ignored', async () => {
  const base = await tree({
    'p/docker/web/Dockerfile': 'FROM alpine\n',
    'p/docker/base/Dockerfile': 'FROM alpine\n',
    'p/docker/notes/README.md': 'no Dockerfile here',
    'p/docker/odd/Dockerfile/': '', // a folder named Dockerfile is not a Dockerfile
    'p/docker/dockerutils.cfg': '',
    'p/docker/Dockerfile': 'FROM alpine\n',
    'shared/gpu/Dockerfile': 'FROM alpine\n',
  });
  await symlink(join(base, 'shared/gpu'), join(base, 'p/docker/gpu'));
  const project = await openProjectRoot(join(base, 'p'));
  assert.equal(project.imageFolders, ['base', 'gpu', 'web']);
});

test('an empty docker/ folder: a project with no images', async () => {
  const base = await tree({ 'p/docker/': '' });
  const project = await openProjectRoot(join(base, 'p'));
  assert.equal(project.imageFolders, []);
});

test.run();
