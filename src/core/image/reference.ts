// Image references as the docker CLI reads them: [REGISTRY/]REPOSITORY[:TAG][@DIGEST].
// The first path component is a registry host only if it looks like one (has a "." or a ":",
// or is "localhost"); otherwise the image lives on Docker Hub.
import { InvalidInputError } from '../errors.ts';

/** Docker Hub's registry host, for references without one. */
export const DOCKER_HUB = 'docker.io';
/** The key Docker Hub's credentials are stored under (docker config, credential helpers). */
export const DOCKER_HUB_AUTH_KEY = 'https://index.docker.io/v1/';

/** An image reference taken apart: registry, repository, tag, digest. */
export interface ImageReference {
  /** The registry host ("127.0.0.1:5000", "ghcr.io"), or "docker.io". */
  registry: string;
  /** The name as given, without tag or digest ("127.0.0.1:5000/app", "library/busybox", "app"). */
  repository: string;
  tag: string | undefined;
  digest: string | undefined;
}

// Letters, digits and the separators references use; anything else (spaces, "?", "#") is
// rejected before it reaches a URL.
const ALLOWED = /^[A-Za-z0-9._\-/:@+]+$/;

/** Take `[REGISTRY/]REPOSITORY[:TAG][@DIGEST]` apart as the docker CLI does; `field` names it in errors. */
export function parseReference(ref: string, field = 'image'): ImageReference {
  if (!ref || !ALLOWED.test(ref))
    throw new InvalidInputError(field, `"${ref}" is not an image reference ([REGISTRY/]NAME[:TAG][@DIGEST])`);
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  if (!rest || tag === '' || digest === '')
    throw new InvalidInputError(field, `"${ref}" is not an image reference ([REGISTRY/]NAME[:TAG][@DIGEST])`);
  const slash = rest.indexOf('/');
  const first = slash >= 0 ? rest.slice(0, slash) : '';
  const registry = first && (first.includes('.') || first.includes(':') || first === 'localhost') ? first : DOCKER_HUB;
  return { registry: normalizeRegistry(registry), repository: rest, tag, digest };
}

/**
 * A registry as a bare host: "https://127.0.0.1:5000/v1/" → "127.0.0.1:5000"; Docker Hub's
 * aliases (index.docker.io, registry-1.docker.io, https://index.docker.io/v1/) → "docker.io".
 */
export function normalizeRegistry(registry: string): string {
  const host = registry
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/\/.*$/, '')
    .toLowerCase();
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? DOCKER_HUB : host;
}

/** A repository path for a URL, with each component encoded but "/" and ":" kept. */
export function refPath(ref: string): string {
  return ref
    .split('/')
    .map((part) => encodeURIComponent(part).replace(/%3A/gi, ':').replace(/%40/g, '@'))
    .join('/');
}
