// One image's config values resolved into data: replacement variables ({project_root}, …) and
// $VAR / ${VAR} replaced, docker-CLI-shaped values read into run and build settings. Pure: the
// environment, user name and home folder are passed in. Values are split into words the way
// dockerutils split its command lines (shlex), and variables are replaced inside each word, so
// a value with spaces stays one argument.
import { ProjectConfigError, ProjectImageError, ValueError } from './errors.ts';
import { parseBuildFlags, type BuildFlags } from './build-flags.ts';
import {
  atValue,
  configValue,
  parseBoolean,
  PUBLICATION_VARIABLES,
  type ConfigValue,
  type ImageKind,
  type ImageRepo,
  type ProjectConfig,
  type RunKey,
} from './config.ts';
import { optionNames } from './ini.ts';
import {
  parseGpu,
  parseInteractive,
  parseRunFlags,
  type FlagContext,
  type GpuSettings,
  type HostFlags,
  type Interactive,
  type MountSpec,
  type PortSpec,
  type VolumeSpec,
} from './run-flags.ts';
import { shellWords } from '../core/spec/shell-words.ts';
import { envLookup, substitute, type Substitution } from './variables.ts';

/** What the config's variables stand for: injected, never read from this process here. */
export interface ProjectContext {
  /** The login name: the default tag, and {user}. */
  user: string;
  /** The user's home folder: {home}. */
  home: string;
  /** Environment variables for $VAR / ${VAR} (and bare -e NAME / --build-arg NAME). */
  env: Readonly<Record<string, string | undefined>>;
}

export interface SettingsOptions {
  /** Use the `<key>_docked` variants (dockerutils: when DOCKER_IP is set, i.e. docked to a remote engine). */
  docked?: boolean;
}

export interface RunSettings {
  /** -v entries of `volumes` (and `args`). */
  volumes: VolumeSpec[];
  /** --mount entries of `volumes` (and `args`). */
  mounts: MountSpec[];
  ports: PortSpec[];
  /** The `env` section's keys, then `environment`'s -e K=V, then `args`' -e (later wins). */
  env: Record<string, string>;
  /** `interactive` (-it, -d, …); undefined: the command decides. */
  interactive?: Interactive;
  network?: string;
  /** `cmd` as argv; undefined: the image's own CMD. */
  cmd?: string[];
  /**
   * What to apply when the caller asks for a GPU (run-image -g): `gpu` read as a device request,
   * or the default request for every NVIDIA GPU. Never applied without that request.
   */
  gpu: GpuSettings;
  /** The rest of `args`: user, workdir, entrypoint, hostname, labels and HostConfig fields. */
  user?: string;
  workdir?: string;
  entrypoint?: string[];
  hostname?: string;
  labels: Record<string, string>;
  hostConfig: HostFlags;
}

export interface BuildSettings {
  flags: BuildFlags;
  /** Run (as argv, in the project root) before the build; a failure stops it. */
  preBuildScript?: string[];
  /** Run after a successful build. */
  postBuildScript?: string[];
  /** Pull the FROM images when building with -f (force). */
  pullFromOnForce: boolean;
}

export interface PublishSettings {
  imageRepo?: ImageRepo;
  /** The raw publication_tag; resolve it with publicationTag() once account and region are known. */
  publicationTag?: ConfigValue;
}

export interface ImageSettings {
  image: string;
  kind: ImageKind;
  docked: boolean;
  run: RunSettings;
  /** Folder images only. */
  build?: BuildSettings;
  /** Folder images only. */
  publish?: PublishSettings;
}

const DEFAULT_GPU = (): GpuSettings => ({ request: { Driver: 'nvidia', Count: -1, Capabilities: [['gpu']] }, env: {} });

function imageConfig(config: ProjectConfig, image: string) {
  const entry = config.images.get(image);
  if (!entry) throw new ProjectImageError(image, 'the project has no such image', [...config.images.keys()]);
  return entry;
}

/** A key's value for an image: none when the image has no section (dockerutils read nothing then, not even [DEFAULT]). */
function getter(config: ProjectConfig, image: string) {
  const hasSection = config.doc.sections.has(image);
  return (key: string): ConfigValue | undefined => (hasSection ? configValue(config, image, key) : undefined);
}

/** The settings of one image (a folder, synthetic or configuration-only image). */
export function imageSettings(
  config: ProjectConfig,
  image: string,
  ctx: ProjectContext,
  options: SettingsOptions = {},
): ImageSettings {
  const entry = imageConfig(config, image);
  const settings: ImageSettings = {
    image,
    kind: entry.kind,
    docked: Boolean(options.docked),
    run: runSettings(config, image, ctx, options),
  };
  if (entry.kind === 'folder') {
    settings.build = buildSettings(config, image, ctx);
    settings.publish = publishSettings(config, image);
  }
  return settings;
}

/** What run-image needs: volumes, ports, env, interactive, network, cmd, gpu, args. */
export function runSettings(
  config: ProjectConfig,
  image: string,
  ctx: ProjectContext,
  options: SettingsOptions = {},
): RunSettings {
  imageConfig(config, image);
  const get = getter(config, image);
  /** A run key: its `_docked` variant when docked and set (own or [DEFAULT]), else the key. */
  const getRun = (key: RunKey): ConfigValue | undefined =>
    (options.docked ? get(`${key}_docked`) : undefined) ?? get(key);

  const env = envLookup(ctx.env);
  const flagCtx: FlagContext = { env, root: config.project.root };
  const volumeVars = {
    project_root: config.project.root,
    user: ctx.user,
    project: config.project.folderName,
    home: ctx.home,
  };
  /** Split into words, then replace variables in each. */
  const words = (v: ConfigValue, how: Substitution): string[] =>
    atValue(config, v, () => shellWords(v.value).map((w) => substitute(w, how)));

  const run: RunSettings = {
    volumes: [],
    mounts: [],
    ports: [],
    env: {},
    gpu: DEFAULT_GPU(),
    labels: {},
    hostConfig: {},
  };

  // env = SECTION: its keys (with [DEFAULT]'s, as configparser lists them) become variables.
  const envSection = get('env');
  if (envSection) {
    const section = envSection.value.trim();
    for (const key of optionNames(config.doc, section)) {
      const v = configValue(config, section, key)!;
      run.env[key] = atValue(
        config,
        v,
        () => oneWord(shellWords(v.value), key).map((w) => substitute(w, { env }))[0] ?? '',
      );
    }
  }
  const environment = getRun('environment');
  if (environment)
    Object.assign(
      run.env,
      atValue(config, environment, () => parseRunFlags(words(environment, { env }), ['environment'], flagCtx).env),
    );

  const volumes = getRun('volumes');
  if (volumes) {
    const flags = atValue(config, volumes, () =>
      parseRunFlags(words(volumes, { env, braces: volumeVars }), ['volumes'], flagCtx),
    );
    run.volumes.push(...flags.volumes);
    run.mounts.push(...flags.mounts);
  }
  const ports = getRun('ports');
  if (ports)
    run.ports.push(...atValue(config, ports, () => parseRunFlags(words(ports, { env }), ['ports'], flagCtx).ports));

  const interactive = getRun('interactive');
  if (interactive) run.interactive = atValue(config, interactive, () => parseInteractive(words(interactive, { env })));

  const network = getRun('network');
  if (network) {
    const net = atValue(config, network, () => {
      const [name] = oneWord(words(network, { env }), 'network');
      if (name !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/.test(name))
        throw new ValueError(`"${name}" is not a network name (give the name alone, without --network)`);
      return name;
    });
    if (net !== undefined) run.network = net;
  }

  const cmd = getRun('cmd');
  if (cmd) {
    const argv = words(cmd, { env });
    if (argv.length) run.cmd = argv;
  }

  const gpu = getRun('gpu');
  if (gpu) run.gpu = atValue(config, gpu, () => parseGpu(words(gpu, { env }), flagCtx));

  const args = getRun('args');
  if (args) {
    const flags = atValue(config, args, () =>
      parseRunFlags(words(args, { env }), ['volumes', 'ports', 'environment', 'container'], flagCtx),
    );
    run.volumes.push(...flags.volumes);
    run.mounts.push(...flags.mounts);
    run.ports.push(...flags.ports);
    Object.assign(run.env, flags.env);
    Object.assign(run.labels, flags.labels);
    run.hostConfig = flags.hostConfig;
    if (flags.user !== undefined) run.user = flags.user;
    if (flags.workdir !== undefined) run.workdir = flags.workdir;
    if (flags.entrypoint !== undefined) run.entrypoint = flags.entrypoint;
    if (flags.hostname !== undefined) run.hostname = flags.hostname;
  }
  return run;
}

/** What build-image needs (folder images only): build flags, scripts, pull_FROM_on_force. */
export function buildSettings(config: ProjectConfig, image: string, ctx: ProjectContext): BuildSettings {
  buildableImage(config, image);
  const get = getter(config, image);
  const script = (key: string): string[] | undefined => {
    const v = get(key);
    const argv = v ? atValue(config, v, () => shellWords(v.value)) : [];
    return argv.length ? argv : undefined;
  };
  const buildArgs = get('build_args');
  const pull = get('pull_FROM_on_force');
  const pre = script('pre_build_script');
  const post = script('post_build_script');
  return {
    // dockerutils pasted build_args into its command as they are: no variables replaced.
    flags: buildArgs
      ? atValue(config, buildArgs, () => parseBuildFlags(shellWords(buildArgs.value), envLookup(ctx.env)))
      : { buildArgs: {}, labels: {} },
    ...(pre ? { preBuildScript: pre } : {}),
    ...(post ? { postBuildScript: post } : {}),
    pullFromOnForce: pull ? parseBoolean(pull.value) : false,
  };
}

/** What publish-image needs (folder images only). */
export function publishSettings(config: ProjectConfig, image: string): PublishSettings {
  buildableImage(config, image);
  const get = getter(config, image);
  const repo = get('image_repo');
  const tag = get('publication_tag');
  return {
    ...(repo ? { imageRepo: repo.value.trim() as ImageRepo } : {}),
    ...(tag ? { publicationTag: tag } : {}),
  };
}

function buildableImage(config: ProjectConfig, image: string): void {
  const entry = imageConfig(config, image);
  if (entry.kind === 'folder') return;
  const folders = config.project.imageFolders;
  throw new ProjectImageError(
    image,
    entry.kind === 'synthetic'
      ? `a synthetic image only runs docker/${entry.folder}; build or publish "${entry.folder}"`
      : 'a configuration-only image has no folder to build or publish',
    folders,
  );
}

function oneWord(list: string[], what: string): string[] {
  if (list.length > 1)
    throw new ValueError(
      `${what} is one value, but this reads as ${list.length} words (${list.map((w) => JSON.stringify(w)).join(' ')}); quote it to keep the spaces`,
    );
  return list;
}

export interface PublicationValues {
  /** AWS account id (publishing to aws), else "". */
  account: string;
  /** AWS region, else "". */
  region: string;
  /** The image's repository and tag, as the catalogue names it. */
  image: string;
  tag: string;
}

/**
 * The publication tag of an image: its publication_tag with {account}, {region}, {image},
 * {tag}, {user} and $VAR replaced; undefined when the image has none.
 */
export function publicationTag(
  config: ProjectConfig,
  image: string,
  ctx: ProjectContext,
  values: PublicationValues,
): string | undefined {
  const v = publishSettings(config, image).publicationTag;
  if (!v) return undefined;
  const braces: Record<(typeof PUBLICATION_VARIABLES)[number], string> = { ...values, user: ctx.user };
  return atValue(config, v, () => substitute(v.value.trim(), { braces, env: envLookup(ctx.env) }));
}

/**
 * Every image resolved, docked and not: the problems a run or build would meet, all at once
 * (for a `check` command), in line order. An empty list means the whole config is usable in this environment.
 */
export function checkProjectConfig(config: ProjectConfig, ctx: ProjectContext): ProjectConfigError[] {
  const problems: ProjectConfigError[] = [];
  const seen = new Set<string>();
  for (const image of config.images.keys()) {
    const attempts: (() => unknown)[] = [
      () => imageSettings(config, image, ctx, { docked: false }),
      () => imageSettings(config, image, ctx, { docked: true }),
    ];
    if (config.images.get(image)!.kind === 'folder') {
      attempts.push(() => buildSettings(config, image, ctx));
      attempts.push(() => publicationTag(config, image, ctx, { account: '', region: '', image: '', tag: '' }));
    }
    for (const attempt of attempts) {
      try {
        attempt();
      } catch (err) {
        if (!(err instanceof ProjectConfigError)) throw err;
        if (!seen.has(err.message)) problems.push(err);
        seen.add(err.message);
      }
    }
  }
  return problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}
