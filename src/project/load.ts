// The project around a folder, read in one go: its root, docker/dockerutils.cfg checked, and the
// image catalogue (every Dockerfile read), as build-image and run-image need them.
import { loadProjectConfig, type ProjectConfig } from './config.ts';
import { loadCatalogue, type ImageCatalogue } from './images.ts';
import { openProjectRoot, type ProjectRoot } from './root.ts';
import type { ProjectContext } from './settings.ts';

export interface LoadedProject {
  project: ProjectRoot;
  config: ProjectConfig;
  catalogue: ImageCatalogue;
}

export async function loadProject(cwd: string, ctx: ProjectContext): Promise<LoadedProject> {
  const project = await openProjectRoot(cwd);
  const config = await loadProjectConfig(project);
  const catalogue = await loadCatalogue(config, ctx);
  return { project, config, catalogue };
}
