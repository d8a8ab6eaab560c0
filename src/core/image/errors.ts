// Typed errors of image transfer and publishing (codes in ../errors.ts). Messages name the
// image, the registry and where credentials came from, never a password or token.
import { HarpoonError } from '../errors.ts';

/** The engine refused an image archive (`POST /images/load` reported an errorDetail). */
export class LoadError extends HarpoonError {
  /** The engine's own message. */
  readonly detail: string;
  constructor(detail: string) {
    super('LOAD_FAILED', `Loading the image archive failed: ${detail}`);
    this.detail = detail;
  }
}

/** A push failed for a reason other than credentials or a missing image. */
export class PushError extends HarpoonError {
  readonly repository: string;
  readonly tag: string | undefined;
  /** The engine's own message (secrets masked). */
  readonly detail: string;
  constructor(repository: string, tag: string | undefined, detail: string) {
    super('PUSH_FAILED', `Pushing ${repository}${tag ? `:${tag}` : ''} failed: ${detail}`);
    this.repository = repository;
    this.tag = tag;
    this.detail = detail;
  }
}

/** The registry wanted credentials, or refused the ones sent. */
export class RegistryAuthError extends HarpoonError {
  readonly registry: string;
  /** Where the credentials sent came from (e.g. "DOCKER_CONFIG/config.json"), or undefined if none were sent. */
  readonly credentialsSource: string | undefined;
  readonly username: string | undefined;
  readonly detail: string;
  constructor(registry: string, detail: string, credentials?: { source: string; username: string | undefined }) {
    const sent = credentials
      ? `the credentials${credentials.username ? ` of user "${credentials.username}"` : ''} from ${credentials.source} were refused`
      : `no credentials were found for it (docker config auths/credsStore/credHelpers, or HARPOON_REGISTRY_USER and HARPOON_REGISTRY_PASSWORD)`;
    super(
      'REGISTRY_AUTH_FAILED',
      `The registry ${registry} denied access: ${detail}; ${sent}. Log in with \`docker login ${registry}\`.`,
    );
    this.registry = registry;
    this.credentialsSource = credentials?.source;
    this.username = credentials?.username;
    this.detail = detail;
  }
}

/** Credentials could not be read: an unreadable docker config, a failing credential helper. */
export class CredentialsError extends HarpoonError {
  readonly registry: string;
  constructor(registry: string, message: string, options?: { cause?: unknown }) {
    super('CREDENTIALS_ERROR', `Reading credentials for ${registry}: ${message}`, options);
    this.registry = registry;
  }
}

/** The image that arrived on the destination is not the one that was sent. */
export class ImageMismatchError extends HarpoonError {
  readonly ref: string;
  readonly expected: string;
  readonly actual: string | undefined;
  constructor(ref: string, expected: string, actual: string | undefined) {
    super(
      'IMAGE_MISMATCH',
      `After the transfer, ${ref} on the destination is ${actual ?? 'missing'}, not ${expected}.`,
    );
    this.ref = ref;
    this.expected = expected;
    this.actual = actual;
  }
}
