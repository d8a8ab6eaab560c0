// The project: the nearest folder, from the current one up, that holds a docker/ folder.
// Its images are docker/<image>/Dockerfile; its name is the folder's name.
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ProjectNotFoundError } from './errors.ts';

export const DOCKER_DIR = 'docker';
export const CONFIG_FILE = 'dockerutils.cfg';

/** A project's root folder (the one holding docker/), its name and its config file's path. */
export interface ProjectRoot {
  /** Absolute path of the project root (the build context of every image). */
  root: string;
  /** The root folder's name as it is: the {project} replacement variable. */
  folderName: string;
  /** The root folder's name in lower case (image names must be): `<name>-<image>`. */
  name: string;
  /** <root>/docker */
  dockerDir: string;
  /** <root>/docker/dockerutils.cfg (it may not exist). */
  configFile: string;
  /** Sub-folders of docker/ that hold a Dockerfile, sorted. */
  imageFolders: string[];
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

/** The first folder from `cwd` up that holds docker/; ProjectNotFoundError when none does. */
export async function findProjectRoot(cwd: string): Promise<string> {
  const start = resolve(cwd);
  for (let dir = start; ; dir = dirname(dir)) {
    if (await isDirectory(join(dir, DOCKER_DIR))) return dir;
    if (dirname(dir) === dir) throw new ProjectNotFoundError(start);
  }
}

/** The sub-folders of a docker/ folder that hold a Dockerfile, sorted. */
export async function listImageFolders(dockerDir: string): Promise<string[]> {
  const entries = await readdir(dockerDir, { withFileTypes: true });
  const names: string[] = [];
  for (const entry of entries) {
    const folder = join(dockerDir, entry.name);
    if (
      (entry.isDirectory() || (entry.isSymbolicLink() && (await isDirectory(folder)))) &&
      (await isFile(join(folder, 'Dockerfile')))
    ) {
      names.push(entry.name);
    }
  }
  return names.sort();
}

/** The project around `cwd`. */
export async function openProjectRoot(cwd: string): Promise<ProjectRoot> {
  const root = await findProjectRoot(cwd);
  const dockerDir = join(root, DOCKER_DIR);
  const folderName = basename(root);
  return {
    root,
    folderName,
    name: folderName.toLowerCase(),
    dockerDir,
    configFile: join(dockerDir, CONFIG_FILE),
    imageFolders: await listImageFolders(dockerDir),
  };
}
