// Which container a request is for, by path (`/docker/<name>/<rest>`) or by host
// (`<name>.docker.localhost`). Pure functions: every name is validated here, before any
// look-up, so no request can name anything but a plausible container.

/** docker's own rule for container names (plus a length cap). */
const CONTAINER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;
/** One DNS label: host routing can only reach names that are valid host names. */
const HOST_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export interface RouteMatch {
  /** The container name, validated. */
  name: string;
  via: 'path' | 'host';
  /** The path (with query) to send upstream. */
  upstreamPath: string;
  /** What the client sees before the upstream path: `/docker/<name>` under path routing, '' under host routing. */
  publicPrefix: string;
}

export type Routing =
  | { kind: 'route'; match: RouteMatch }
  /** `/docker/<name>` without the slash: relative links would break, so redirect. */
  | { kind: 'redirect'; location: string }
  /** The request names something, but not a valid container name. */
  | { kind: 'invalid'; reason: string }
  /** Not for the proxy (another handler may take it). */
  | { kind: 'none' };

export interface RoutingRules {
  /** e.g. '/docker'; undefined turns path routing off. */
  pathPrefix?: string | undefined;
  /** Send `/<rest>` upstream (default) or the whole path. */
  stripPrefix: boolean;
  /** e.g. '.docker.localhost'; undefined turns host routing off. */
  hostSuffix?: string | undefined;
}

export function isContainerName(name: string): boolean {
  return CONTAINER_NAME.test(name);
}

/** Normalize the prefix option: leading slash, no trailing slash; '' and '/' are refused. */
export function normalizePrefix(prefix: string): string {
  const trimmed = `/${prefix.replace(/^\/+|\/+$/g, '')}`;
  if (trimmed === '/') throw new Error('the path prefix must not be empty or "/" (use host routing for whole hosts)');
  if (/[?#%\s]/.test(trimmed)) throw new Error(`the path prefix "${prefix}" may not contain ?, #, % or spaces`);
  return trimmed;
}

/** Normalize the host suffix option: lower case, leading dot, no port. */
export function normalizeHostSuffix(suffix: string): string {
  const trimmed = suffix.trim().toLowerCase().replace(/^\.+/, '');
  if (!trimmed || !/^[a-z0-9.-]+$/.test(trimmed) || trimmed.includes('..') || trimmed.endsWith('.')) {
    throw new Error(`"${suffix}" is not a host suffix; give one like ".docker.localhost"`);
  }
  return `.${trimmed}`;
}

/** The Host header without its port, lower case; undefined if absent or malformed. */
export function hostName(host: string | undefined): string | undefined {
  if (!host) return undefined;
  const match = /^(\[[^\]]+\]|[^:]+)(?::\d+)?$/.exec(host.trim().toLowerCase());
  // A fully qualified name may end in a dot (`app.docker.localhost.`): the same host.
  return match?.[1]?.replace(/\.$/, '');
}

function byHost(host: string | undefined, url: string, suffix: string): Routing {
  const name = hostName(host);
  if (!name?.endsWith(suffix)) return { kind: 'none' };
  const label = name.slice(0, -suffix.length);
  if (!HOST_LABEL.test(label))
    return {
      kind: 'invalid',
      reason: `"${label}" is not a container name that host routing can reach (one DNS label: a-z, 0-9, -)`,
    };
  return { kind: 'route', match: { name: label, via: 'host', upstreamPath: url, publicPrefix: '' } };
}

function byPath(url: string, prefix: string, strip: boolean): Routing {
  if (url !== prefix && !url.startsWith(`${prefix}/`) && !url.startsWith(`${prefix}?`)) return { kind: 'none' };
  // `/docker?x` names no container (the query is not a name): only `/docker/` starts one.
  const afterPrefix = url.startsWith(`${prefix}/`) ? url.slice(prefix.length + 1) : '';
  const end = afterPrefix.search(/[/?#]/);
  const name = end === -1 ? afterPrefix : afterPrefix.slice(0, end);
  if (!name) return { kind: 'invalid', reason: `give a container name: ${prefix}/<name>/` };
  if (!isContainerName(name)) return { kind: 'invalid', reason: `"${name.slice(0, 80)}" is not a container name` };
  const rest = end === -1 ? '' : afterPrefix.slice(end);
  const publicPrefix = `${prefix}/${name}`;
  if (!rest.startsWith('/')) return { kind: 'redirect', location: `${publicPrefix}/${rest}` };
  return { kind: 'route', match: { name, via: 'path', upstreamPath: strip ? rest : url, publicPrefix } };
}

/**
 * Route a request by its Host header and origin-form URL. Host routing is tried first, so a
 * path like `/docker/x` on `app.docker.localhost` reaches the app, as the app would expect.
 */
export function route(rules: RoutingRules, host: string | undefined, url: string): Routing {
  // Absolute-form and authority-form targets are for forward proxies: never routed here.
  if (!url.startsWith('/')) return { kind: 'none' };
  if (rules.hostSuffix) {
    const routed = byHost(host, url, rules.hostSuffix);
    if (routed.kind !== 'none') return routed;
  }
  if (rules.pathPrefix) return byPath(url, rules.pathPrefix, rules.stripPrefix);
  return { kind: 'none' };
}
