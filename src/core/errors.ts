// Typed errors. Every error harpoon throws is a HarpoonError with a stable `code`,
// so callers can branch on `err.code` (or `instanceof`) instead of parsing messages.
import type { Endpoint } from './endpoint.ts';

/** The stable codes of HarpoonError, one per kind of failure. */
export type HarpoonErrorCode =
  | 'ENGINE_UNREACHABLE'
  | 'ENGINE_ERROR'
  | 'IMAGE_NOT_FOUND'
  | 'CONTAINER_NOT_FOUND'
  | 'NAME_CONFLICT'
  | 'BUILD_FAILED'
  | 'CONTAINER_EXITED'
  | 'COMMAND_NOT_FOUND'
  | 'COMMAND_NOT_EXECUTABLE'
  | 'TIMEOUT'
  | 'ABORTED'
  | 'INVALID_INPUT'
  | 'INPUT_TOO_LARGE'
  | 'NOT_READY'
  | 'NOT_MANAGED'
  | 'LOAD_FAILED'
  | 'PUSH_FAILED'
  | 'REGISTRY_AUTH_FAILED'
  | 'CREDENTIALS_ERROR'
  | 'IMAGE_MISMATCH'
  | 'IMAGE_IN_USE'
  // The orchestrator's (src/orchestrator/).
  | 'UNIT_CONFIG'
  | 'ORDER_FAILED'
  | 'BACKUP_FAILED'
  | 'STARTUP_FAILED'
  // Archives, volumes and networks (core).
  | 'PATH_NOT_FOUND'
  | 'RESOURCE_NOT_FOUND'
  | 'FOREIGN_RESOURCE';

/** The base of every error harpoon throws, with a stable `code` to branch on. */
export class HarpoonError extends Error {
  readonly code: HarpoonErrorCode;
  constructor(code: HarpoonErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** No engine answered at the chosen endpoint. */
export class EngineUnreachableError extends HarpoonError {
  readonly endpoint: Endpoint;
  constructor(endpoint: Endpoint, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(
      'ENGINE_UNREACHABLE',
      `Cannot reach a Docker engine at ${endpoint.url} (chosen from ${endpoint.source}): ${why}.\n` +
        `Start a Docker engine (dockerd), or point DOCKER_HOST / DOCKER_CONTEXT at a running one.`,
      { cause },
    );
    this.endpoint = endpoint;
  }
}

/** The engine answered with an error that has no more specific type. */
export class EngineError extends HarpoonError {
  readonly statusCode: number | undefined;
  constructor(message: string, statusCode?: number, options?: { cause?: unknown }) {
    super('ENGINE_ERROR', message, options);
    this.statusCode = statusCode;
  }
}

/** The engine has no image of this name or id. */
export class ImageNotFoundError extends HarpoonError {
  readonly image: string;
  constructor(image: string, detail?: string) {
    super(
      'IMAGE_NOT_FOUND',
      `Image not found: ${image}${detail ? ` (${detail})` : ''}. Build it first, or check the name and tag.`,
    );
    this.image = image;
  }
}

/** No container has this id or name. */
export class ContainerNotFoundError extends HarpoonError {
  readonly container: string;
  constructor(container: string) {
    super('CONTAINER_NOT_FOUND', `Container not found: ${container}.`);
    this.container = container;
  }
}

/** The container name is already in use. */
export class NameConflictError extends HarpoonError {
  readonly containerName: string;
  constructor(containerName: string, detail: string) {
    super(
      'NAME_CONFLICT',
      `The container name "${containerName}" is already in use (${detail}). Remove that container or choose another name.`,
    );
    this.containerName = containerName;
  }
}

/** One Dockerfile step as the engine counts them ("Step 2/5 : RUN make"). */
export interface BuildStep {
  /** 1-based step number, as the engine counts them ("Step 2/5"). */
  number: number;
  total: number;
  instruction: string;
}

/** A build failed: the failing step or Dockerfile line, the engine's message, and the log. */
export class BuildError extends HarpoonError {
  /** The step that failed, when the engine got as far as running steps. */
  readonly step: BuildStep | undefined;
  /** The Dockerfile line the engine complained about (parse errors). */
  readonly line: number | undefined;
  /** Every line of build output received before the failure. */
  readonly log: string[];
  /** The engine's own error message. */
  readonly detail: string;
  constructor(detail: string, opts: { step?: BuildStep; line?: number; log: string[] }) {
    const where = opts.step
      ? ` at step ${opts.step.number}/${opts.step.total} (${opts.step.instruction})`
      : opts.line !== undefined
        ? ` at Dockerfile line ${opts.line}`
        : '';
    super('BUILD_FAILED', `Build failed${where}: ${detail}`);
    this.step = opts.step;
    this.line = opts.line;
    this.log = opts.log;
    this.detail = detail;
  }
}

/** A container the caller expected to succeed exited with a non-zero code. */
export class ContainerExitError extends HarpoonError {
  readonly exitCode: number;
  readonly stderrTail: string;
  constructor(exitCode: number, stderrTail: string) {
    super('CONTAINER_EXITED', `Container exited with code ${exitCode}${stderrTail ? `:\n${stderrTail}` : ''}`);
    this.exitCode = exitCode;
    this.stderrTail = stderrTail;
  }
}

/** The container's command could not be found (docker exit code 127). */
export class CommandNotFoundError extends HarpoonError {
  constructor(detail: string) {
    super('COMMAND_NOT_FOUND', `The container's command was not found: ${detail}`);
  }
}

/** The container's command exists but cannot be run (docker exit code 126). */
export class CommandNotExecutableError extends HarpoonError {
  constructor(detail: string) {
    super('COMMAND_NOT_EXECUTABLE', `The container's command cannot be executed: ${detail}`);
  }
}

/** An operation did not finish within its time limit. */
export class TimeoutError extends HarpoonError {
  constructor(what: string, ms: number) {
    super('TIMEOUT', `${what} did not finish within ${ms} ms.`);
  }
}

/** An operation was stopped by its AbortSignal. */
export class AbortedError extends HarpoonError {
  constructor(what: string, reason?: unknown) {
    super('ABORTED', `${what} was aborted${reason instanceof Error ? `: ${reason.message}` : ''}.`, { cause: reason });
  }
}

/** An argument is invalid; `field` names it. */
export class InvalidInputError extends HarpoonError {
  readonly field: string;
  constructor(field: string, message: string) {
    super('INVALID_INPUT', `${field}: ${message}`);
    this.field = field;
  }
}

/** A path given to the archive API does not exist in the container (or its parent, for a PUT). */
export class ArchivePathNotFoundError extends HarpoonError {
  readonly container: string;
  readonly path: string;
  constructor(container: string, path: string, detail?: string) {
    super('PATH_NOT_FOUND', `No such path in container ${container}: ${path}${detail ? ` (${detail})` : ''}.`);
    this.container = container;
    this.path = path;
  }
}

/** No volume or network of that name. */
export class ResourceNotFoundError extends HarpoonError {
  readonly kind: 'volume' | 'network';
  readonly resourceName: string;
  constructor(kind: 'volume' | 'network', resourceName: string) {
    super('RESOURCE_NOT_FOUND', `No such ${kind}: ${resourceName}.`);
    this.kind = kind;
    this.resourceName = resourceName;
  }
}

/** A volume or network of that name exists but does not carry harpoon's label: it is never adopted. */
export class ForeignResourceError extends HarpoonError {
  readonly kind: 'volume' | 'network';
  readonly resourceName: string;
  constructor(kind: 'volume' | 'network', resourceName: string) {
    super(
      'FOREIGN_RESOURCE',
      `A ${kind} named "${resourceName}" already exists and was not created by harpoon (no harpoon label); it is left alone. Choose another name or remove it yourself.`,
    );
    this.kind = kind;
    this.resourceName = resourceName;
  }
}

/** One managed image that removeManaged had to leave, and what holds it. */
export interface ImageInUse {
  image: string;
  tags: string[];
  /** Running containers of this image that are not in the set removed ("name (short id)"). */
  containers: string[];
  /** Child images (tag or short id) that are not in the set removed. */
  children: string[];
  /** The engine's own message. */
  detail: string;
}

/**
 * removeManaged removed everything else, but these images are still used by something outside
 * the set (without harpoon's label or the labels asked for), which it never touches.
 */
export class ImageInUseError extends HarpoonError {
  readonly images: ImageInUse[];
  constructor(images: ImageInUse[]) {
    const lines = images.map((i) => {
      const holders = [
        i.containers.length ? `running container(s) ${i.containers.join(', ')}` : '',
        i.children.length ? `child image(s) ${i.children.join(', ')}` : '',
      ].filter(Boolean);
      return `  ${i.tags[0] ?? i.image.slice(7, 19)}: used by ${holders.join(' and ') || `something the engine names: ${i.detail}`}`;
    });
    super(
      'IMAGE_IN_USE',
      `Could not remove ${images.length} managed image(s), held by what is not in the set being removed (left alone):\n${lines.join('\n')}\n` +
        'Everything else was removed. Stop and remove those containers and images yourself (or create them with these labels), then call removeManaged again.',
    );
    this.images = images;
  }
}

/** Throws AbortedError if the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw new AbortedError(what, signal.reason);
}

/** The exit code the docker CLI would use for this error. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof CommandNotExecutableError) return 126;
  if (err instanceof CommandNotFoundError) return 127;
  if (err instanceof ContainerExitError) return err.exitCode;
  return 125;
}
