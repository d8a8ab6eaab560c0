// The image catalogue: every image of the project (folder, synthetic, configuration-only) with
// its full reference, its Dockerfile's FROM images, the `-builder` image of a multi-stage
// build, and a build order in which an image built FROM another project image comes after it.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isValidRepository, type ImageKind, type ProjectConfig } from './config.ts';
import { dockerfileStages, repositoryOf, type DockerfileStage } from './dockerfile.ts';
import { ImageCycleError, ProjectImageError } from './errors.ts';
import { buildSettings, type ProjectContext } from './settings.ts';

/** The stage dockerutils tags as `<repository>-builder:<tag>` (built with --target builder). */
export const BUILDER_STAGE = 'builder';

/** One FROM line of an image's Dockerfile: the image named and, for a project image, which one. */
export interface FromImage {
  /** The image as FROM names it (after ARG substitution). */
  reference: string;
  /** 1-based Dockerfile line. */
  line: number;
  /** The project image (folder) this reference is built by, if any. */
  image?: string;
  /** A variable in it had no value: it cannot be matched. */
  unresolved: boolean;
}

/** One image of the project's catalogue: its name, kind, folder and what it is built FROM. */
export interface CatalogueImage {
  /** The name on the command line (folder or section name). */
  image: string;
  kind: ImageKind;
  /** `<project>-<name>`, or `name` as it is with prefix=False. */
  repository: string;
  /** `tag`, else the user's login name. */
  tag: string;
  /** repository:tag */
  reference: string;
  /** The folder built (folder images) or run (synthetic images) under docker/. */
  folder?: string;
  /** Absolute path of the Dockerfile (folder images). */
  dockerfile?: string;
  /** The base images of the Dockerfile's stages (not references to earlier stages). */
  from: FromImage[];
  /** A multi-stage build with a stage named "builder": that stage is tagged too. */
  builder?: { reference: string; target: typeof BUILDER_STAGE };
  /** Project images this one is built FROM (folder names, sorted). */
  dependsOn: string[];
}

export interface ImageCatalogue {
  images: Map<string, CatalogueImage>;
}

/** Reads every image folder's Dockerfile, then builds the catalogue. */
export async function loadCatalogue(config: ProjectConfig, ctx: ProjectContext): Promise<ImageCatalogue> {
  const dockerfiles: Record<string, string> = {};
  for (const folder of config.project.imageFolders) {
    dockerfiles[folder] = await readFile(join(config.project.dockerDir, folder, 'Dockerfile'), 'utf8');
  }
  return buildCatalogue(config, dockerfiles, ctx);
}

/** The catalogue from Dockerfile texts by folder (pure). */
export function buildCatalogue(
  config: ProjectConfig,
  dockerfiles: Readonly<Record<string, string>>,
  ctx: Pick<ProjectContext, 'user' | 'env'> & Partial<ProjectContext>,
): ImageCatalogue {
  const images = new Map<string, CatalogueImage>();
  const stagesByImage = new Map<string, DockerfileStage[]>();
  for (const [name, entry] of config.images) {
    const repository =
      entry.name && !entry.prefix ? entry.name.value : `${config.project.name}-${entry.name?.value ?? name}`;
    const tag = entry.tag?.value ?? ctx.user;
    if (!isValidRepository(repository)) {
      throw new ProjectImageError(
        name,
        `its image name "${repository}" is not valid (lower-case letters, digits, and single ".", "_", "__" or "-" between them): ` +
          `rename the project folder "${config.project.folderName}" or docker/${name}, or give the image a name= in ${config.file}`,
      );
    }
    if (!/^[\w][\w.-]{0,127}$/.test(tag)) {
      throw new ProjectImageError(
        name,
        `its tag "${tag}" (the login name) is not a valid tag; give the image a tag= in ${config.file}`,
      );
    }
    const image: CatalogueImage = {
      image: name,
      kind: entry.kind,
      repository,
      tag,
      reference: `${repository}:${tag}`,
      from: [],
      dependsOn: [],
    };
    if (entry.folder) image.folder = entry.folder;
    if (entry.kind === 'folder') {
      image.dockerfile = join(config.project.dockerDir, name, 'Dockerfile');
      const text = dockerfiles[name];
      if (text === undefined) throw new ProjectImageError(name, `no Dockerfile text was given for docker/${name}`);
      const buildArgs = buildSettings(config, name, { home: '', ...ctx }).flags.buildArgs;
      const stages = dockerfileStages(text, buildArgs);
      stagesByImage.set(name, stages);
      if (stages.length > 1 && stages.some((s) => s.name === BUILDER_STAGE)) {
        image.builder = { reference: `${repository}-${BUILDER_STAGE}:${tag}`, target: BUILDER_STAGE };
      }
    }
    images.set(name, image);
  }

  // Which folder image builds each reference: the exact reference first, else the repository.
  const folderImages = [...images.values()].filter((i) => i.kind === 'folder');
  const builtBy = (reference: string): string[] => {
    const exact = folderImages.filter((i) => i.reference === reference || i.builder?.reference === reference);
    if (exact.length) return exact.map((i) => i.image);
    const repo = repositoryOf(reference);
    return folderImages
      .filter((i) => i.repository === repo || (i.builder && repositoryOf(i.builder.reference) === repo))
      .map((i) => i.image);
  };
  for (const [name, stages] of stagesByImage) {
    const image = images.get(name)!;
    const deps = new Set<string>();
    for (const stage of stages) {
      if (stage.fromStage) continue;
      const by = stage.unresolved ? [] : builtBy(stage.from);
      const from: FromImage = { reference: stage.from, line: stage.line, unresolved: stage.unresolved };
      // An image FROM its own repository (an earlier build of itself) is not a dependency.
      const others = by.filter((b) => b !== name);
      if (others.length) from.image = others[0]!;
      for (const b of others) deps.add(b);
      image.from.push(from);
    }
    image.dependsOn = [...deps].sort();
  }
  return { images };
}

export interface BuildOrderOptions {
  /** Also build the project images the named ones are built FROM (transitively). */
  withDependencies?: boolean;
}

/**
 * The folder images to build, each after the project images it is built FROM. "all" is every
 * image folder. Images with no order between them keep the given order ("all": by name).
 */
export function buildOrder(
  catalogue: ImageCatalogue,
  names: readonly string[] | 'all',
  options: BuildOrderOptions = {},
): string[] {
  const buildable = [...catalogue.images.values()].filter((i) => i.kind === 'folder').map((i) => i.image);
  const wanted: string[] = [];
  for (const name of names === 'all' ? buildable : names) {
    const image = catalogue.images.get(name);
    if (!image)
      throw new ProjectImageError(name, 'the project has no such image folder (docker/<image>/Dockerfile)', buildable);
    if (image.kind === 'synthetic')
      throw new ProjectImageError(
        name,
        `a synthetic image only runs docker/${image.folder}; build "${image.folder}"`,
        buildable,
      );
    if (image.kind === 'config-only')
      throw new ProjectImageError(name, 'a configuration-only image has no folder to build', buildable);
    if (!wanted.includes(name)) wanted.push(name);
  }
  if (options.withDependencies) {
    for (let i = 0; i < wanted.length; i++) {
      for (const dep of catalogue.images.get(wanted[i]!)!.dependsOn) if (!wanted.includes(dep)) wanted.push(dep);
    }
  }

  // Kahn's algorithm over the wanted images and everything they are built FROM (so an order
  // through an image not being built is kept too); ready images go in `wanted` order.
  const involved = [...wanted];
  for (let i = 0; i < involved.length; i++) {
    for (const dep of catalogue.images.get(involved[i]!)!.dependsOn) if (!involved.includes(dep)) involved.push(dep);
  }
  const rank = (n: string): number => (wanted.includes(n) ? wanted.indexOf(n) : -1);
  const byRank = [...involved].sort((a, b) => rank(a) - rank(b));
  const deps = new Map(involved.map((n) => [n, catalogue.images.get(n)!.dependsOn]));
  const done = new Set<string>();
  const order: string[] = [];
  while (done.size < involved.length) {
    const next = byRank.find((n) => !done.has(n) && deps.get(n)!.every((d) => done.has(d)));
    if (next === undefined)
      throw new ImageCycleError(
        findCycle(
          byRank.filter((n) => !done.has(n)),
          deps,
          done,
        ),
      );
    done.add(next);
    if (wanted.includes(next)) order.push(next);
  }
  return order;
}

/** A cycle among the remaining images (each has an unbuilt dependency), first repeated at the end. */
function findCycle(remaining: string[], deps: Map<string, string[]>, done: Set<string>): string[] {
  const path: string[] = [];
  let node = remaining[0]!;
  while (!path.includes(node)) {
    path.push(node);
    node = deps.get(node)!.find((d) => !done.has(d))!;
  }
  // path holds the walk; the cycle starts at the repeated node. Report it in FROM order (base first).
  const cycle = path.slice(path.indexOf(node));
  return [...cycle, cycle[0]!].reverse();
}
