// docker/dockerutils.cfg, loaded and checked: every section is an image (an image folder, a
// synthetic image, a configuration-only image), an env section, [run_image] or [DEFAULT];
// every key is one dockerutils documents; booleans, enumerations, tags, names and replacement
// variables are checked here. Values that depend on the environment ($VAR) are resolved per
// image by settings.ts, so an unset variable in one image's section never blocks another image.
// A missing file is an empty config.
import { readFile } from 'node:fs/promises';
import { ProjectConfigError, ValueError, type ConfigLocation } from './errors.ts';
import { DEFAULT_SECTION, interpolate, lookup, optionNames, parseIni, type IniDocument, type IniEntry } from './ini.ts';
import type { ProjectRoot } from './root.ts';
import { shellWords } from '../core/spec/shell-words.ts';
import { checkSyntax } from './variables.ts';

export const RUN_IMAGE_SECTION = 'run_image';

/** Keys read by run-image; each also has a `<key>_docked` variant used when docked. */
export const RUN_KEYS = ['volumes', 'ports', 'network', 'cmd', 'gpu', 'args', 'environment', 'interactive'] as const;
export const BUILD_KEYS = ['build_args', 'pre_build_script', 'post_build_script', 'pull_FROM_on_force'] as const;
export const PUBLISH_KEYS = ['image_repo', 'publication_tag'] as const;
export const NAMING_KEYS = ['name', 'prefix', 'tag'] as const;
export const DOCKED_KEYS = RUN_KEYS.map((k) => `${k}_docked` as const);

export type RunKey = (typeof RUN_KEYS)[number];
/** Where an image comes from: its own docker/<name> folder, a synthetic listing, or configuration alone. */
export type ImageKind = 'folder' | 'synthetic' | 'config-only';

/** Keys a section of each kind may set. Synthetic and configuration-only images are never built or published. */
export const KEYS_BY_KIND: Readonly<Record<ImageKind, readonly string[]>> = {
  folder: [...NAMING_KEYS, ...BUILD_KEYS, ...RUN_KEYS, 'env', ...PUBLISH_KEYS, ...DOCKED_KEYS],
  synthetic: [...NAMING_KEYS, ...RUN_KEYS, 'env', ...DOCKED_KEYS],
  'config-only': [...NAMING_KEYS, ...RUN_KEYS, 'env', ...DOCKED_KEYS],
};
export const RUN_IMAGE_KEYS = ['synthetic_images'] as const;
export const IMAGE_REPOS = ['aws', 'docker_hub'] as const;
export type ImageRepo = (typeof IMAGE_REPOS)[number];

/** Replacement variables per key ({name}); other keys take $VAR only (or nothing). */
export const VOLUME_VARIABLES = ['project_root', 'user', 'project', 'home'] as const;
export const PUBLICATION_VARIABLES = ['account', 'region', 'image', 'tag', 'user'] as const;

/** configparser's getboolean() forms; "t"/"f" too, which dockerutils' prefix check accepted. */
const TRUE_WORDS = ['1', 'yes', 'true', 'on', 't'];
const FALSE_WORDS = ['0', 'no', 'false', 'off', 'f'];
export const BOOLEAN_FORMS = ['1', 'yes', 'true', 'on', '0', 'no', 'false', 'off'];

const TAG = /^[\w][\w.-]{0,127}$/;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const REPOSITORY = new RegExp(`^(?:[A-Za-z0-9.-]+(?::\\d+)?/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);

/** A valid image repository: lower-case path components, optionally REGISTRY[:PORT]/ first. */
export const isValidRepository = (repository: string): boolean => REPOSITORY.test(repository);

/** A value and where it was written. */
export interface ConfigValue {
  /** After %(key)s interpolation; $VAR and {name} not yet replaced. */
  value: string;
  entry: IniEntry;
  /** The image section that uses it (entry.section is DEFAULT when inherited). */
  section: string;
}

export interface ImageConfig {
  /** The image's name on the command line: the folder or section name. */
  image: string;
  kind: ImageKind;
  /** The docker/<folder> it builds from (folder images) or runs (synthetic images). */
  folder?: string;
  /** Line of the image's section header, when it has one. */
  line?: number;
  /** `name`: the image part of `<project>-<name>`, or with prefix=False the whole repository. */
  name?: ConfigValue;
  /** prefix=False: use `name` as the repository, without the project prefix. */
  prefix: boolean;
  tag?: ConfigValue;
}

/** docker/dockerutils.cfg as read: its sections and keys, each with the line it came from. */
export interface ProjectConfig {
  project: ProjectRoot;
  file: string;
  /** False when docker/dockerutils.cfg does not exist (an empty config). */
  exists: boolean;
  doc: IniDocument;
  /** Every image: folders (sorted), then synthetic images (as listed), then configuration-only ones (file order). */
  images: Map<string, ImageConfig>;
  synthetic: string[];
  /** Sections named by an `env` key. */
  envSections: string[];
}

// --- helpers shared with settings.ts -----------------------------------------------------------

export function locate(config: ProjectConfig, v: ConfigValue): ConfigLocation {
  return { file: config.file, line: v.entry.line, section: v.entry.section, key: v.entry.key };
}

/** Wraps a ValueError from a value parser into a ProjectConfigError at the value's line. */
export function atValue<T>(config: ProjectConfig, v: ConfigValue, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (!(err instanceof ValueError)) throw err;
    const inherited = v.entry.section !== v.section ? ` (inherited by [${v.section}])` : '';
    throw new ProjectConfigError(locate(config, v), `${err.message}${inherited}`, err.valid);
  }
}

/** The value of a key for an image section (its own, else [DEFAULT]'s), interpolated. */
export function configValue(config: ProjectConfig, section: string, key: string): ConfigValue | undefined {
  const entry = lookup(config.doc, section, key);
  return entry ? { value: interpolate(config.doc, section, entry), entry, section } : undefined;
}

export function parseBoolean(text: string): boolean {
  const word = text.trim().toLowerCase();
  if (TRUE_WORDS.includes(word)) return true;
  if (FALSE_WORDS.includes(word)) return false;
  throw new ValueError(`"${text}" is not a boolean`, BOOLEAN_FORMS);
}

/** The closest of `candidates` to `word` when it is a likely typo. */
function suggestion(word: string, candidates: readonly string[]): string {
  const distance = (a: string, b: string): number => {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      let prev = row[0]!;
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const cur = row[j]!;
        row[j] = Math.min(
          row[j]! + 1,
          row[j - 1]! + 1,
          prev + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1),
        );
        prev = cur;
      }
    }
    return row[b.length]!;
  };
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    const d = distance(word, c);
    if (d < bestScore) [best, bestScore] = [c, d];
  }
  return best !== undefined && bestScore <= Math.max(2, Math.floor(word.length / 4))
    ? ` (did you mean "${best}"?)`
    : '';
}

// --- loading -----------------------------------------------------------------------------------

export async function loadProjectConfig(project: ProjectRoot): Promise<ProjectConfig> {
  let text: string | undefined;
  try {
    text = await readFile(project.configFile, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  return parseProjectConfig(text, project);
}

/** Checks config text (undefined: no file) against the project's image folders. */
export function parseProjectConfig(text: string | undefined, project: ProjectRoot): ProjectConfig {
  const file = project.configFile;
  const doc = parseIni(text ?? '', file);
  const config: ProjectConfig = {
    project,
    file,
    exists: text !== undefined,
    doc,
    images: new Map(),
    synthetic: [],
    envSections: [],
  };
  const fail = (at: Omit<ConfigLocation, 'file'>, detail: string, valid: readonly string[] = []): never => {
    throw new ProjectConfigError({ file, ...at }, detail, valid);
  };
  const folders = project.imageFolders;

  // [run_image]: its own keys, and the synthetic image list.
  const runImage = doc.sections.get(RUN_IMAGE_SECTION);
  if (runImage) {
    for (const entry of runImage.entries.values()) {
      if (!(RUN_IMAGE_KEYS as readonly string[]).includes(entry.key)) {
        fail(
          { line: entry.line, section: RUN_IMAGE_SECTION, key: entry.key },
          `unknown key "${entry.key}"${suggestion(entry.key, RUN_IMAGE_KEYS)}`,
          RUN_IMAGE_KEYS,
        );
      }
    }
    const list = runImage.entries.get('synthetic_images');
    if (list) {
      const at = { line: list.line, section: RUN_IMAGE_SECTION, key: list.key };
      const raw = interpolate(doc, RUN_IMAGE_SECTION, list);
      // dockerutils split on "," without trimming; names are trimmed here.
      const names = raw.split(',').map((n) => n.trim());
      for (const name of raw.trim() === '' ? [] : names) {
        if (!name) fail(at, `"${raw}" has an empty name; list synthetic images as a,b,c`);
        if (config.synthetic.includes(name)) fail(at, `synthetic image "${name}" is listed twice`);
        if (folders.includes(name))
          fail(
            at,
            `"${name}" is an image folder (docker/${name}/Dockerfile), so it cannot also be a synthetic image; rename one of them`,
          );
        if (name === RUN_IMAGE_SECTION || name === DEFAULT_SECTION) fail(at, `"${name}" cannot be an image name`);
        if (!doc.sections.has(name))
          fail(at, `synthetic image "${name}" has no [${name}] section (it needs at least name=<image folder>)`);
        config.synthetic.push(name);
      }
    }
  }

  // Which section is which kind of image.
  const kindOf = (section: string): ImageKind | undefined => {
    if (folders.includes(section)) return 'folder';
    const prefix = lookup(doc, section, 'prefix');
    const prefixOff =
      prefix !== undefined && FALSE_WORDS.includes(interpolate(doc, section, prefix).trim().toLowerCase());
    if (prefixOff && lookup(doc, section, 'name')) return 'config-only';
    if (config.synthetic.includes(section)) return 'synthetic';
    return undefined;
  };

  const imageSections: string[] = [];
  for (const name of folders) config.images.set(name, { image: name, kind: 'folder', folder: name, prefix: true });
  for (const name of config.synthetic) config.images.set(name, { image: name, kind: kindOf(name)!, prefix: true });
  for (const section of doc.sections.keys()) {
    if (section === RUN_IMAGE_SECTION) continue;
    const kind = kindOf(section);
    if (kind === 'config-only' && !config.images.has(section))
      config.images.set(section, { image: section, kind, prefix: false });
    if (kind) imageSections.push(section);
  }

  // env = SECTION: that section's keys become environment variables.
  for (const section of imageSections) {
    const env = configValue(config, section, 'env');
    if (!env) continue;
    const target = env.value.trim();
    const at = locate(config, env);
    if (!target) fail(at, 'env is empty; it names the section whose keys become environment variables');
    if (target === section || config.images.has(target) || target === RUN_IMAGE_SECTION || target === DEFAULT_SECTION) {
      fail(
        at,
        `env names [${target}], which is ${target === RUN_IMAGE_SECTION || target === DEFAULT_SECTION ? 'a reserved section' : 'an image section'}; it must name a section of environment variables`,
      );
    }
    if (!doc.sections.has(target)) {
      const spare = [...doc.sections.keys()].filter((s) => !imageSections.includes(s) && s !== RUN_IMAGE_SECTION);
      fail(at, `env names [${target}], but the file has no such section${suggestion(target, spare)}`, spare);
    }
    if (!config.envSections.includes(target)) config.envSections.push(target);
  }

  // Every section must be something.
  for (const section of doc.sections.values()) {
    if (
      section.name === RUN_IMAGE_SECTION ||
      imageSections.includes(section.name) ||
      config.envSections.includes(section.name)
    )
      continue;
    const valid = [...folders, ...config.synthetic, RUN_IMAGE_SECTION];
    fail(
      { line: section.line, section: section.name },
      `[${section.name}] is not an image folder (docker/${section.name}/Dockerfile), a synthetic image listed in [run_image] synthetic_images, ` +
        `a configuration-only image (name=… with prefix=False), or a section named by some env= key${suggestion(section.name, valid)}`,
      valid,
    );
  }

  // [DEFAULT] keys are inherited by every image section: they must be image keys.
  for (const entry of doc.defaults.entries.values()) {
    const valid = KEYS_BY_KIND.folder;
    if (!valid.includes(entry.key))
      fail(
        { line: entry.line, section: DEFAULT_SECTION, key: entry.key },
        `unknown key "${entry.key}"${suggestion(entry.key, valid)}`,
        valid,
      );
  }

  for (const section of imageSections) checkImageSection(config, section);
  for (const [name, image] of config.images) completeImage(config, name, image);
  return config;
}

/** Own keys valid for the kind; values that need no environment checked. */
function checkImageSection(config: ProjectConfig, section: string): void {
  const kind = config.images.get(section)!.kind;
  const valid = KEYS_BY_KIND[kind];
  const own = config.doc.sections.get(section)!;
  for (const entry of own.entries.values()) {
    if (valid.includes(entry.key)) continue;
    const why = KEYS_BY_KIND.folder.includes(entry.key)
      ? `"${entry.key}" is for image folders (built and published); [${section}] is a ${kind} image`
      : `unknown key "${entry.key}"${suggestion(entry.key, valid)}`;
    throw new ProjectConfigError({ file: config.file, line: entry.line, section, key: entry.key }, why, valid);
  }
  for (const key of optionNames(config.doc, section)) {
    if (!valid.includes(key)) continue; // an inherited [DEFAULT] key this kind does not use
    const v = configValue(config, section, key)!;
    atValue(config, v, () => checkStatic(key, v.value));
  }
}

/** Syntax checks that need no environment: booleans, enumerations, quoting, variable names. */
function checkStatic(key: string, value: string): void {
  const base = key.endsWith('_docked') ? key.slice(0, -'_docked'.length) : key;
  switch (base) {
    case 'prefix':
    case 'pull_FROM_on_force':
      parseBoolean(value);
      return;
    case 'image_repo':
      if (!(IMAGE_REPOS as readonly string[]).includes(value.trim()))
        throw new ValueError(`"${value}" is not a publication target`, IMAGE_REPOS);
      return;
    case 'tag':
      if (!TAG.test(value.trim()))
        throw new ValueError(
          `"${value}" is not a valid image tag (letters, digits, "_", "." and "-"; at most 128; not starting with "." or "-")`,
        );
      return;
    case 'publication_tag':
      checkSyntax(value, PUBLICATION_VARIABLES, true);
      return;
    case 'volumes':
      for (const word of shellWords(value)) checkSyntax(word, VOLUME_VARIABLES, true);
      return;
    case 'ports':
    case 'network':
    case 'cmd':
    case 'gpu':
    case 'args':
    case 'environment':
    case 'interactive':
      for (const word of shellWords(value)) checkSyntax(word, undefined, true);
      return;
    case 'build_args':
    case 'pre_build_script':
    case 'post_build_script':
      shellWords(value);
      return;
  }
}

/** name / prefix / tag for an image, and the folder a synthetic image runs. */
function completeImage(config: ProjectConfig, image: string, entry: ImageConfig): void {
  const hasSection = config.doc.sections.has(image);
  if (hasSection) entry.line = config.doc.sections.get(image)!.line;
  const name = hasSection ? configValue(config, image, 'name') : undefined;
  const prefix = hasSection ? configValue(config, image, 'prefix') : undefined;
  const tag = hasSection ? configValue(config, image, 'tag') : undefined;
  if (tag) entry.tag = { ...tag, value: tag.value.trim() };
  if (prefix) {
    entry.prefix = parseBoolean(prefix.value);
    if (!entry.prefix && !name) {
      throw new ProjectConfigError(
        locate(config, prefix),
        'prefix=False uses name= as the whole image name, but [' + image + '] has no name',
      );
    }
  }
  if (name) {
    const value = name.value.trim();
    entry.name = { ...name, value };
    atValue(config, name, () => {
      if (!value) throw new ValueError('name is empty');
      if (/[:@]/.test(value.replace(/^[^/]*:\d+\//, '')))
        throw new ValueError(`"${value}" holds a tag or digest; give the tag with tag=`);
      const repository = entry.prefix ? `${config.project.name}-${value}` : value;
      if (!REPOSITORY.test(repository)) {
        throw new ValueError(
          `"${repository}" is not a valid image name (lower-case letters, digits, and single ".", "_", "__" or "-" between them${entry.prefix ? '' : ', optionally REGISTRY/ first'})`,
        );
      }
    });
  }
  if (entry.kind === 'synthetic') {
    if (!name) {
      const list = config.doc.sections.get(RUN_IMAGE_SECTION)!.entries.get('synthetic_images')!;
      throw new ProjectConfigError(
        { file: config.file, line: entry.line, section: image },
        `synthetic image [${image}] (listed at line ${list.line}) needs name=<image folder>, the image it runs`,
        config.project.imageFolders,
      );
    }
    if (!config.project.imageFolders.includes(entry.name!.value)) {
      throw new ProjectConfigError(
        locate(config, name),
        `synthetic image [${image}] runs name=${entry.name!.value}, which is not an image folder (docker/${entry.name!.value}/Dockerfile); ` +
          'for an image from elsewhere, add prefix=False (a configuration-only image)',
        config.project.imageFolders,
      );
    }
    entry.folder = entry.name!.value;
  }
}

/** The names a command line may give: every image (folders, synthetic, configuration-only). */
export function imageNames(config: ProjectConfig): string[] {
  return [...config.images.keys()];
}
