// build-image's plan as data: which project images to build, in which order (an image after the
// project images it is built FROM), under which names, with which build flags, scripts and pull
// decision; what `clean` removes; and the docker command lines --print-command shows for both.
// Pure: nothing is read from disk, asked of the engine, or run here.
import { posix, relative, sep } from 'node:path';
import { imageLabels } from '../core/labels.ts';
import { ProjectOptionError } from './errors.ts';
import { dockerBuild, formatCommand, type EngineChoice } from './print-command.ts';
import {
  BUILDER_STAGE,
  buildOrder,
  buildSettings,
  configValue,
  isValidRepository,
  type CatalogueImage,
  type ImageCatalogue,
  type ProjectConfig,
  type ProjectContext,
} from './model.ts';

/** build-image's own flags (dockerutils' -f -p -i -t, and --no-cache). */
export interface BuildImageOptions {
  /** -f: also build the project images NAME is built FROM, and pull where pull_FROM_on_force says so. */
  force?: boolean;
  /** -p: pull the FROM images that come from a registry (never a project image, never scratch). */
  pull?: boolean;
  /** -i: the repository for NAME instead of `<project>-NAME`. */
  imageName?: string;
  /** -t: the tag instead of tag= or the login name. */
  tag?: string;
  /** Build without the cache. */
  noCache?: boolean;
}

/** Whether a build pulls its FROM images, and why not when it was asked to. */
export interface PullDecision {
  /** Asked for: -p, --pull in build_args, or -f with pull_FROM_on_force = True. */
  wanted: boolean;
  /** What the engine is told (its pull parameter: every FROM image of the build is looked up in its registry). */
  pull: boolean;
  /** The FROM images that come from a registry. */
  external: string[];
  /** Why nothing is pulled although it was asked for. */
  note?: string;
}

/** Where a script is set in the config, for messages. */
export interface ScriptSource {
  argv: string[];
  file: string;
  line: number;
}

/** One build of a build plan: the image, its Dockerfile and context, tags, args and scripts. */
export interface PlannedBuild {
  /** The image folder (docker/<image>). */
  image: string;
  /** repository:tag, after -i / -t. */
  reference: string;
  /** The `-builder` image of a multi-stage build with a stage named builder (built first, with --target builder). */
  builder?: string;
  /** The Dockerfile, relative to the project root (the build context), with "/" separators. */
  dockerfile: string;
  buildArgs: Record<string, string>;
  /** build_args' --label values; harpoon.image=true is added when building. */
  labels: Record<string, string>;
  noCache: boolean;
  network?: string;
  platform?: string;
  pull: PullDecision;
  preBuildScript?: ScriptSource;
  postBuildScript?: ScriptSource;
  /** Built only because the image asked for is built FROM it (-f). */
  asDependency: boolean;
}

export const CLEAN = 'clean';
export const ALL = 'all';

const TAG = /^[\w][\w.-]{0,127}$/;

function checkNames(options: BuildImageOptions): void {
  if (options.imageName !== undefined && !isValidRepository(options.imageName)) {
    throw new ProjectOptionError(
      `-i "${options.imageName}" is not a valid image name (lower-case letters, digits, and single ".", "_", "__" or "-" between them, optionally REGISTRY/ first; no tag: give it with -t)`,
    );
  }
  if (options.tag !== undefined && !TAG.test(options.tag)) {
    throw new ProjectOptionError(
      `-t "${options.tag}" is not a valid tag (letters, digits, "_", "." and "-"; at most 128; not starting with "." or "-")`,
    );
  }
}

/**
 * The pull decision for one image. The engine's pull parameter applies to every FROM image of
 * the build, so a build that is also FROM a project image (built here, in no registry) is not
 * pulled: the engine would look that image up in a registry and fail, or replace the fresh local
 * build with an older published one. dockerutils passed --pull regardless.
 */
export function pullDecision(image: CatalogueImage, wanted: boolean): PullDecision {
  const unique = (list: string[]) => [...new Set(list)];
  const external = unique(
    image.from.filter((f) => !f.image && f.reference.toLowerCase() !== 'scratch').map((f) => f.reference),
  );
  const project = unique(image.from.filter((f) => f.image).map((f) => f.reference));
  if (!wanted) return { wanted, pull: false, external };
  if (external.length === 0) {
    const from = project.length ? `the project image ${project.join(', ')} (built here, never pulled)` : 'scratch';
    return { wanted, pull: false, external, note: `nothing to pull: built FROM ${from}` };
  }
  if (project.length) {
    return {
      wanted,
      pull: false,
      external,
      note: `not pulled: the engine would also look up the project image ${project.join(', ')} in a registry; pull ${external.join(', ')} first (docker pull), then build`,
    };
  }
  return { wanted, pull: true, external };
}

function scriptSource(
  config: ProjectConfig,
  image: string,
  key: string,
  argv: string[] | undefined,
): ScriptSource | undefined {
  if (!argv) return undefined;
  const v = configValue(config, image, key)!;
  return { argv, file: config.file, line: v.entry.line };
}

/** The builds of `build-image TARGET` (an image folder or "all"), in build order. */
export function planImageBuilds(
  config: ProjectConfig,
  catalogue: ImageCatalogue,
  ctx: ProjectContext,
  target: string,
  options: BuildImageOptions = {},
): PlannedBuild[] {
  checkNames(options);
  const all = target === ALL;
  if (all && options.imageName !== undefined)
    throw new ProjectOptionError('-i names one image; with "all" every image is built under its own name');
  const order = buildOrder(catalogue, all ? ALL : [target], { withDependencies: Boolean(options.force) && !all });
  if (order.length === 0)
    throw new ProjectOptionError(
      `the project has no image folder to build (docker/<image>/Dockerfile) in ${config.project.dockerDir}`,
    );
  return order.map((name) => {
    const image = catalogue.images.get(name)!;
    const settings = buildSettings(config, name, ctx);
    const named = all || name === target;
    const repository = named && options.imageName !== undefined ? options.imageName : image.repository;
    const tag = named && options.tag !== undefined ? options.tag : image.tag;
    const wanted = Boolean(options.pull || settings.flags.pull || (options.force && settings.pullFromOnForce));
    const pre = scriptSource(config, name, 'pre_build_script', settings.preBuildScript);
    const post = scriptSource(config, name, 'post_build_script', settings.postBuildScript);
    return {
      image: name,
      reference: `${repository}:${tag}`,
      ...(image.builder ? { builder: `${repository}-${BUILDER_STAGE}:${tag}` } : {}),
      dockerfile: relative(config.project.root, image.dockerfile!).split(sep).join(posix.sep),
      buildArgs: settings.flags.buildArgs,
      labels: settings.flags.labels,
      noCache: Boolean(options.noCache || settings.flags.noCache),
      ...(settings.flags.network ? { network: settings.flags.network } : {}),
      ...(settings.flags.platform ? { platform: settings.flags.platform } : {}),
      pull: pullDecision(image, wanted),
      ...(pre ? { preBuildScript: pre } : {}),
      ...(post ? { postBuildScript: post } : {}),
      asDependency: !named,
    };
  });
}

/** The images `build-image clean` may remove (each only if harpoon built it): dependents first, each with its -builder image. */
export function planClean(catalogue: ImageCatalogue, options: BuildImageOptions = {}): string[] {
  checkNames(options);
  if (options.imageName !== undefined)
    throw new ProjectOptionError('-i names one image; clean removes every image of the project under its own name');
  if (options.force || options.pull || options.noCache)
    throw new ProjectOptionError('-f, -p and --no-cache are build flags; clean only removes images');
  const refs: string[] = [];
  for (const name of buildOrder(catalogue, ALL).reverse()) {
    const image = catalogue.images.get(name)!;
    const tag = options.tag ?? image.tag;
    refs.push(`${image.repository}:${tag}`);
    if (image.builder) refs.push(`${image.repository}-${BUILDER_STAGE}:${tag}`);
  }
  return refs;
}

/** The two docker builds of a planned image: the -builder stage (if any), then the image. */
export function buildStages(build: PlannedBuild): Array<{ reference: string; target?: string }> {
  return [
    ...(build.builder ? [{ reference: build.builder, target: BUILDER_STAGE }] : []),
    { reference: build.reference },
  ];
}

/**
 * --print-command for builds: `cd ROOT` (the build context, where the scripts run), then per
 * image its pre-build script, its docker build lines and its post-build script.
 */
export function buildCommandLines(plan: PlannedBuild[], root: string, engine?: EngineChoice): string[] {
  const lines = [formatCommand(['cd', root])];
  for (const build of plan) {
    if (build.preBuildScript) lines.push(formatCommand(build.preBuildScript.argv));
    for (const stage of buildStages(build)) {
      lines.push(
        formatCommand(
          dockerBuild({
            tags: [stage.reference],
            context: '.',
            dockerfile: build.dockerfile,
            buildArgs: build.buildArgs,
            labels: imageLabels(build.labels),
            ...(stage.target ? { target: stage.target } : {}),
            pull: build.pull.pull,
            noCache: build.noCache,
            ...(build.network ? { network: build.network } : {}),
            ...(build.platform ? { platform: build.platform } : {}),
            ...(engine ? { engine } : {}),
          }),
        ),
      );
    }
    if (build.postBuildScript) lines.push(formatCommand(build.postBuildScript.argv));
  }
  return lines;
}
