// A project root as findProjectRoot would describe it, for unit tests that need no folder on disk.
import type { ProjectRoot } from '../../src/project/model.ts';

/** The project at `root` (e.g. /src/Shop → name "shop") with these image folders under docker/. */
export function fakeProject(root: string, imageFolders: string[]): ProjectRoot {
  const folderName = root.slice(root.lastIndexOf('/') + 1);
  return {
    root,
    folderName,
    name: folderName.toLowerCase(),
    dockerDir: `${root}/docker`,
    configFile: `${root}/docker/dockerutils.cfg`,
    imageFolders,
  };
}
