// Errors of the project layer (docker/ folder, docker/dockerutils.cfg, image catalogue).
// All are HarpoonErrors with code INVALID_INPUT: the project, not the engine, is at fault.
import { HarpoonError } from '../core/errors.ts';

export interface ConfigLocation {
  /** The config file (absolute path). */
  file: string;
  /** 1-based line of the key (or section header); undefined when the problem has no line. */
  line?: number;
  section?: string;
  key?: string;
}

/** "file line 7, [dev] volumes" — where in the config a problem is. */
export function describeLocation(at: ConfigLocation): string {
  let where = at.file;
  if (at.line !== undefined) where += ` line ${at.line}`;
  if (at.section !== undefined) where += `, [${at.section}]`;
  if (at.key !== undefined) where += ` ${at.key}`;
  return where;
}

/**
 * A problem in docker/dockerutils.cfg: a syntax error, an unknown key or section, a bad value,
 * an unset variable. Names the file, line, section and key, and lists what is valid.
 */
export class ProjectConfigError extends HarpoonError {
  readonly file: string;
  readonly line: number | undefined;
  readonly section: string | undefined;
  readonly key: string | undefined;
  /** What would have been accepted (keys, values, variable names), when there is such a list. */
  readonly valid: readonly string[];
  /** The problem alone, without the location. */
  readonly detail: string;
  constructor(at: ConfigLocation, detail: string, valid: readonly string[] = []) {
    super('INVALID_INPUT', `${describeLocation(at)}: ${detail}${valid.length ? `. Valid: ${valid.join(', ')}` : ''}`);
    this.file = at.file;
    this.line = at.line;
    this.section = at.section;
    this.key = at.key;
    this.valid = valid;
    this.detail = detail;
  }
}

/** No folder from the starting folder up to the file-system root holds a docker/ folder. */
export class ProjectNotFoundError extends HarpoonError {
  /** The folder the search started from. */
  readonly searchedFrom: string;
  constructor(searchedFrom: string) {
    super(
      'INVALID_INPUT',
      `No project found: neither ${searchedFrom} nor any folder above it holds a docker/ folder. ` +
        `Run from inside a project (a folder with docker/<image>/Dockerfile).`,
    );
    this.searchedFrom = searchedFrom;
  }
}

/** An image name the project does not have, or one that cannot be used this way. */
export class ProjectImageError extends HarpoonError {
  readonly image: string;
  readonly valid: readonly string[];
  constructor(image: string, detail: string, valid: readonly string[] = []) {
    super('INVALID_INPUT', `Image "${image}": ${detail}${valid.length ? `. Valid: ${valid.join(', ')}` : ''}`);
    this.image = image;
    this.valid = valid;
  }
}

/** Project images built FROM each other in a circle: no build order exists. */
export class ImageCycleError extends HarpoonError {
  /** The images on the cycle, in FROM order, the first repeated at the end. */
  readonly images: readonly string[];
  constructor(images: readonly string[]) {
    super(
      'INVALID_INPUT',
      `Project images are built FROM each other in a cycle (each the base of the next): ${images.join(' → ')}. Break the cycle in one of their Dockerfiles.`,
    );
    this.images = images;
  }
}

/**
 * A build or run option that cannot be used as given (an -i/-t name, an empty -c, flags that do
 * not go together). The message names the option; the CLI prints it as a usage error.
 */
export class ProjectOptionError extends HarpoonError {
  constructor(message: string) {
    super('INVALID_INPUT', message);
  }
}

// Moved down to core so the orchestrator can share it; re-exported here for the project's own files.
export { ValueError } from '../core/spec/value-error.ts';
