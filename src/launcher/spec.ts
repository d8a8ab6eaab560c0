// The launch spec (after django_docker_engine's DockerContainerSpec): a web app in a
// container that listens on one port and takes one JSON input. normalizeSpec checks every
// field before anything is created, so bad input never leaves a half-made container.
import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { InvalidInputError } from '../core/errors.ts';
import type { Labels } from '../core/labels.ts';
import { InputTooLargeError, INPUT_JSON_ENV_LIMIT } from './errors.ts';
import { checkCallerLabels } from './labels.ts';
import { checkReadyChecks, defaultReadyCheck, type ReadyCheck } from './readiness.ts';

/** How the JSON input reaches the app: a file, the INPUT_JSON variable, or a URL in INPUT_JSON_URL. */
export type InputMode = 'file' | 'env' | 'url';

/** Where the JSON input is written by default (input mode `file`). */
export const DEFAULT_INPUT_PATH = '/tmp/input.json';
/** Where extra input files land by default. */
export const DEFAULT_FILES_DIR = '/tmp/input-files';
/** How long a launch waits for readiness by default: 60 s. */
export const DEFAULT_READY_TIMEOUT_MS = 60_000;

/** An extra file put into the container before it starts. */
export interface InputFile {
  /** Where it lands: absolute, or relative to `filesDir`. Default: the source's base name. */
  path?: string;
  /** A file on this machine to copy in (streamed, not read into memory). */
  source?: string;
  /** Or the content itself. */
  content?: string | Buffer;
  /** Permission bits; default 0o644. */
  mode?: number;
}

/** A container healthcheck, as a Dockerfile's HEALTHCHECK, with times in milliseconds. */
export interface HealthcheckSpec {
  /** As in a Dockerfile's HEALTHCHECK: ["CMD", "wget", "-q", "-O-", "http://127.0.0.1/"] or ["CMD-SHELL", "..."]. */
  test: string[];
  intervalMs?: number;
  timeoutMs?: number;
  retries?: number;
  startPeriodMs?: number;
}

/** What to launch: image, name, ports, input, files, resources, readiness checks. */
export interface LaunchSpec {
  image: string;
  /** Container name; default harpoon-<random>. Names are unique per engine. */
  name?: string;
  /** The port the app listens on inside the container. Default 80. */
  containerPort?: number;
  /** Host port to publish on; default 0, an ephemeral port chosen by the engine. */
  hostPort?: number;
  /** Host address to publish on; default 127.0.0.1 (never all interfaces unless asked). */
  hostIp?: string;
  /** The JSON input, as a value (serialized with JSON.stringify)... */
  input?: unknown;
  /** ...or as JSON text, delivered byte for byte. */
  inputText?: string | Buffer;
  /** How the input reaches the app. Default "file". */
  inputMode?: InputMode;
  /** With inputMode "file": where the JSON is written. Default /tmp/input.json. */
  inputPath?: string;
  /** With inputMode "url": the URL the app fetches its input from (INPUT_JSON_URL). */
  inputUrl?: string;
  /** Extra files, in place before the app starts. */
  files?: InputFile[];
  /** Where relative `files[].path`s land. Default /tmp/input-files. */
  filesDir?: string;
  env?: Record<string, string>;
  /** The caller's labels (the launcher adds its own). */
  labels?: Labels;
  /** Soft memory limit (docker --memory-reservation); the eviction budget sums these. */
  memoryReservationMb?: number;
  /** Hard memory limit (docker --memory). */
  memoryLimitMb?: number;
  cpus?: number;
  /** Directories that get a fresh, empty volume each (removed with the container). */
  writableDirs?: string[];
  /** Network to attach to (docker --network). */
  network?: string;
  /** Replace the image's command. */
  cmd?: string[];
  /** A healthcheck for the container (what the "healthy" readiness check waits for). */
  healthcheck?: HealthcheckSpec;
  /** When the app counts as ready; an array means all of them. Default: any HTTP answer on "/". false: do not wait. */
  ready?: ReadyCheck | ReadyCheck[] | false;
  /** One deadline for all readiness checks. Default 60 s. */
  readyTimeoutMs?: number;
  /** Keep a container that failed to become ready (for inspection) instead of removing it. */
  keepOnFailure?: boolean;
}

/** A spec with every default filled in and every field checked. */
export interface NormalizedSpec {
  image: string;
  name: string;
  containerPort: number;
  hostPort: number;
  hostIp: string;
  /** The input's bytes, or undefined when there is none. */
  inputBytes: Buffer | undefined;
  inputMode: InputMode;
  inputPath: string;
  inputUrl: string | undefined;
  files: Array<{ path: string; source?: string; content?: Buffer; mode: number }>;
  env: Record<string, string>;
  labels: Labels;
  memoryReservationMb: number | undefined;
  memoryLimitMb: number | undefined;
  cpus: number | undefined;
  writableDirs: string[];
  network: string | undefined;
  cmd: string[] | undefined;
  healthcheck: HealthcheckSpec | undefined;
  ready: ReadyCheck[];
  readyTimeoutMs: number;
  keepOnFailure: boolean;
}

// Docker's rule for container names.
const NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** A fresh container name, `harpoon-<random hex>`. */
export function generateName(): string {
  return `harpoon-${randomBytes(4).toString('hex')}`;
}

function positive(field: string, value: number | undefined, { integer = false, min = 0 } = {}): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    throw new InvalidInputError(
      field,
      `${JSON.stringify(value)} is not a${integer ? 'n integer' : ' number'} >= ${min}`,
    );
  }
  return value;
}

function absolutePath(field: string, path: string): string {
  if (typeof path !== 'string' || !path.startsWith('/'))
    throw new InvalidInputError(field, `"${path}" must be an absolute path inside the container`);
  const clean = posix.normalize(path);
  if (clean === '/') throw new InvalidInputError(field, `"${path}" must name a file or directory below /`);
  return clean;
}

/** The input's bytes: the caller's text as given (checked to be JSON), or the value serialized. */
function inputBytes(spec: LaunchSpec): Buffer | undefined {
  if (spec.inputText !== undefined && spec.input !== undefined) {
    throw new InvalidInputError('input', 'give either input (a value) or inputText (JSON text), not both');
  }
  if (spec.inputText !== undefined) {
    const bytes = Buffer.isBuffer(spec.inputText) ? spec.inputText : Buffer.from(spec.inputText, 'utf8');
    try {
      JSON.parse(bytes.toString('utf8'));
    } catch (err) {
      throw new InvalidInputError('inputText', `not valid JSON (${(err as Error).message})`);
    }
    return bytes;
  }
  if (spec.input === undefined) return undefined;
  const text = JSON.stringify(spec.input);
  if (text === undefined)
    throw new InvalidInputError('input', 'cannot be serialized as JSON (a function or a symbol?)');
  return Buffer.from(text, 'utf8');
}

/** Check a LaunchSpec and fill in its defaults; InvalidInputError names a bad field. */
export function normalizeSpec(spec: LaunchSpec): NormalizedSpec {
  if (!spec || typeof spec.image !== 'string' || !spec.image)
    throw new InvalidInputError('image', 'an image name or id is required');
  const name = spec.name ?? generateName();
  if (!NAME_PATTERN.test(name)) {
    throw new InvalidInputError(
      'name',
      `"${name}" is not a valid container name (letters, digits, "_", "." and "-", starting with a letter or digit)`,
    );
  }
  const containerPort = positive('containerPort', spec.containerPort, { integer: true, min: 1 }) ?? 80;
  if (containerPort > 65535) throw new InvalidInputError('containerPort', `${containerPort} is not a port (1-65535)`);
  const hostPort = positive('hostPort', spec.hostPort, { integer: true }) ?? 0;
  if (hostPort > 65535) throw new InvalidInputError('hostPort', `${hostPort} is not a port (0-65535)`);

  const inputMode = spec.inputMode ?? 'file';
  if (!['file', 'env', 'url'].includes(inputMode))
    throw new InvalidInputError('inputMode', `"${inputMode}" is not one of file, env, url`);
  const bytes = inputBytes(spec);
  let inputUrl: string | undefined;
  if (inputMode === 'url') {
    if (bytes !== undefined)
      throw new InvalidInputError(
        'input',
        'with inputMode "url" the app fetches its input from inputUrl; do not give input too',
      );
    if (!spec.inputUrl)
      throw new InvalidInputError('inputUrl', 'inputMode "url" needs the URL the app should fetch its input from');
    try {
      new URL(spec.inputUrl);
    } catch {
      throw new InvalidInputError('inputUrl', `"${spec.inputUrl}" is not a URL`);
    }
    inputUrl = spec.inputUrl;
  } else if (spec.inputUrl !== undefined) {
    throw new InvalidInputError('inputUrl', `only used with inputMode "url" (this spec has "${inputMode}")`);
  }
  if (inputMode === 'env' && bytes && bytes.length > INPUT_JSON_ENV_LIMIT) throw new InputTooLargeError(bytes.length);

  const env = { ...spec.env };
  for (const [key, value] of Object.entries(env)) {
    if (!key || key.includes('='))
      throw new InvalidInputError(`env.${key}`, 'an environment variable name must be non-empty and without "="');
    if (typeof value !== 'string') throw new InvalidInputError(`env.${key}`, 'the value must be a string');
  }
  for (const reserved of ['INPUT_JSON', 'INPUT_JSON_URL']) {
    if (reserved in env)
      throw new InvalidInputError(
        `env.${reserved}`,
        `set by the launcher from the input; use input/inputUrl with inputMode instead`,
      );
  }
  if (inputMode === 'env' && bytes) env.INPUT_JSON = bytes.toString('utf8');
  if (inputMode === 'url' && inputUrl) env.INPUT_JSON_URL = inputUrl;

  const labels = { ...spec.labels };
  checkCallerLabels(labels);

  const filesDir = absolutePath('filesDir', spec.filesDir ?? DEFAULT_FILES_DIR);
  const files = (spec.files ?? []).map((file, i) => {
    const field = `files[${i}]`;
    if ((file.source === undefined) === (file.content === undefined))
      throw new InvalidInputError(field, 'give exactly one of source (a host path) or content');
    const base = file.path ?? (file.source ? posix.basename(file.source.replace(/\\/g, '/')) : undefined);
    if (!base) throw new InvalidInputError(`${field}.path`, 'a file given by content needs a path');
    const path = absolutePath(`${field}.path`, posix.isAbsolute(base) ? base : posix.join(filesDir, base));
    const mode = positive(`${field}.mode`, file.mode, { integer: true }) ?? 0o644;
    const content =
      file.content === undefined
        ? undefined
        : Buffer.isBuffer(file.content)
          ? file.content
          : Buffer.from(file.content, 'utf8');
    return {
      path,
      mode,
      ...(file.source !== undefined ? { source: file.source } : {}),
      ...(content ? { content } : {}),
    };
  });

  const ready =
    spec.ready === false
      ? []
      : spec.ready === undefined
        ? [defaultReadyCheck()]
        : Array.isArray(spec.ready)
          ? spec.ready
          : [spec.ready];
  checkReadyChecks(ready);

  return {
    image: spec.image,
    name,
    containerPort,
    hostPort,
    hostIp: spec.hostIp ?? '127.0.0.1',
    inputBytes: bytes,
    inputMode,
    inputPath: absolutePath('inputPath', spec.inputPath ?? DEFAULT_INPUT_PATH),
    inputUrl,
    files,
    env,
    labels,
    memoryReservationMb: positive('memoryReservationMb', spec.memoryReservationMb),
    memoryLimitMb: positive('memoryLimitMb', spec.memoryLimitMb),
    cpus: positive('cpus', spec.cpus),
    writableDirs: (spec.writableDirs ?? []).map((dir, i) => absolutePath(`writableDirs[${i}]`, dir)),
    network: spec.network,
    cmd: spec.cmd,
    healthcheck: spec.healthcheck,
    ready,
    readyTimeoutMs:
      positive('readyTimeoutMs', spec.readyTimeoutMs, { integer: true, min: 1 }) ?? DEFAULT_READY_TIMEOUT_MS,
    keepOnFailure: Boolean(spec.keepOnFailure),
  };
}
