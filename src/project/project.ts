// The project model as a Node user calls it, without the CLI: open a dockerutils project (a folder
// with docker/<image>/Dockerfile and docker/dockerutils.cfg), list its images, and plan a build or
// a run as data. The plans carry engine requests (PlannedBuild, RunPlan.request) for a Harpoon client.
import { planClean, planImageBuilds, type BuildImageOptions, type PlannedBuild } from './build-plan.ts';
import { projectContext } from './context.ts';
import { ProjectImageError } from './errors.ts';
import type { CatalogueImage, ImageCatalogue } from './images.ts';
import { loadProject } from './load.ts';
import type { ProjectConfig } from './config.ts';
import type { ProjectRoot } from './root.ts';
import { runPlanFor, type RunImageOptions, type RunPlan } from './run-plan.ts';
import { runSettings, type ProjectContext } from './settings.ts';

/** Options of openProject(): the user, environment and docked state the project is read under. */
export interface OpenProjectOptions {
  /** The environment for $VAR in the config and for -e NAME (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** The login name: the default tag and {user} (default: as the docker CLI user would be found). */
  user?: string;
  /** The home folder: {home} (default: $HOME). */
  home?: string;
}

/** A dockerutils project, read and checked: its root, its config, and its images. */
export interface Project {
  /** Absolute path of the project root (the build context of every image). */
  readonly root: string;
  /** The project name (the root folder in lower case): images are `<name>-<image>`. */
  readonly name: string;
  readonly paths: ProjectRoot;
  readonly config: ProjectConfig;
  /** Every image of the project (folders and synthetic images), by name. */
  readonly images: ReadonlyMap<string, CatalogueImage>;
  /** The user, home and environment the config was resolved with. */
  readonly context: ProjectContext;
  /** @internal the catalogue the plans are made from. */
  readonly catalogue: ImageCatalogue;
}

/**
 * Opens the project around `dir` (it or the first folder above it holding docker/), reads
 * docker/dockerutils.cfg and every Dockerfile. Throws ProjectNotFoundError or ProjectConfigError.
 */
export async function openProject(dir: string, options: OpenProjectOptions = {}): Promise<Project> {
  const base = projectContext(options.env ?? process.env);
  const context: ProjectContext = {
    ...base,
    ...(options.user ? { user: options.user } : {}),
    ...(options.home ? { home: options.home } : {}),
  };
  const { project, config, catalogue } = await loadProject(dir, context);
  return {
    root: project.root,
    name: project.name,
    paths: project,
    config,
    images: catalogue.images,
    context,
    catalogue,
  };
}

/**
 * The builds for `target` (an image name or "all"), in FROM order: each with its reference,
 * Dockerfile, build args, labels, pull decision and scripts. `options` are build-image's -f -p -i -t.
 */
export function planImageBuild(project: Project, target: string, options: BuildImageOptions = {}): PlannedBuild[] {
  return planImageBuilds(project.config, project.catalogue, project.context, target, options);
}

/** The image references `build-image clean` removes: every image of the project under its own name. */
export function planImageClean(project: Project, options: BuildImageOptions = {}): string[] {
  return planClean(project.catalogue, options);
}

export interface PlanImageRunOptions extends RunImageOptions {
  /** Use the config's `<key>_docked` settings (the engine is a remote dock). */
  docked?: boolean;
  /** The time in the default container name (default: now). */
  now?: Date;
}

/**
 * How `image` runs: the container request (image, env, mounts, ports, HostConfig), whether to
 * attach a TTY and stdin, whether it is removed at the end, and the equivalent docker run line.
 * Throws ProjectImageError for an image the project does not have.
 */
export function planImageRun(project: Project, image: string, options: PlanImageRunOptions = {}): RunPlan {
  const found = project.images.get(image);
  if (!found) throw new ProjectImageError(image, 'the project has no such image', [...project.images.keys()]);
  const { docked, now, ...flags } = options;
  const settings = runSettings(project.config, image, project.context, { docked: docked ?? false });
  return runPlanFor(settings, found, flags, {
    env: project.context.env,
    root: project.root,
    user: project.context.user,
    now: now ?? new Date(),
  });
}
