// docker's published-port syntax, [IP:][HOST:]CONTAINER[/PROTO] with ranges and bracketed IPv6,
// parsed once for the project's -p flags and the orchestrator's `ports:` (they had a parser
// each, and disagreed on IPv6, ranges and sctp). Errors name the text but not where it came
// from; each caller adds its flag or field and narrows what it accepts.
import { isIP } from 'node:net';
import { ValueError } from './value-error.ts';

/** The protocols docker publishes. */
export const PORT_PROTOCOLS = ['tcp', 'udp', 'sctp'] as const;

/** One published container port; a written range gives one mapping per container port. */
export interface PortMapping {
  containerPort: number;
  protocol: (typeof PORT_PROTOCOLS)[number];
  /** Host address as written (IPv6 without brackets); undefined when none was written, '' for "all". */
  hostIp?: string;
  /** Host port; undefined lets the engine pick one. */
  hostPort?: number;
  /** Last port of a host range for a single container port ("8000-8010:80"): the engine picks one in it. */
  hostPortEnd?: number;
}

const SYNTAX = '[IP:][HOST:]CONTAINER[/PROTO]';

function range(text: string, what: string, spec: string): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  const lo = m ? Number(m[1]) : Number.NaN;
  const hi = m?.[2] !== undefined ? Number(m[2]) : lo;
  if (!m || lo < 1 || hi > 65535 || hi < lo)
    throw new ValueError(`"${spec}": the ${what} port "${text}" is not a port (1-65535) or range (8000-8010)`);
  return [lo, hi];
}

/** Parse one port spec as `docker run -p` does; ranges are expanded to one mapping per port. */
export function parsePortMappings(spec: string): PortMapping[] {
  let rest = spec;
  let protocol: PortMapping['protocol'] = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) {
    const proto = rest.slice(slash + 1).toLowerCase();
    if (!(PORT_PROTOCOLS as readonly string[]).includes(proto))
      throw new ValueError(`"${spec}": unknown protocol "${proto}"`, [...PORT_PROTOCOLS]);
    protocol = proto as PortMapping['protocol'];
    rest = rest.slice(0, slash);
  }
  let hostIp: string | undefined;
  let host: string | undefined;
  let container: string;
  // [::1]:8080:80: an IPv6 host address is bracketed, its colons are not separators.
  const bracket = /^\[([^\]]*)\]:(.*)$/.exec(rest);
  if (bracket) {
    hostIp = bracket[1]!;
    if (isIP(hostIp) !== 6) throw new ValueError(`"${spec}": "${hostIp}" is not an IPv6 address`);
    const parts = bracket[2]!.split(':');
    if (parts.length !== 2) throw new ValueError(`"${spec}" is not ${SYNTAX}`);
    [host, container] = parts as [string, string];
  } else {
    const parts = rest.split(':');
    if (parts.length === 1) container = parts[0]!;
    else if (parts.length === 2) [host, container] = parts as [string, string];
    else if (parts.length === 3) [hostIp, host, container] = parts as [string, string, string];
    else throw new ValueError(`"${spec}" is not ${SYNTAX} (an IPv6 address goes in brackets: [::1]:8080:80)`);
  }
  if (hostIp && !isIP(hostIp)) throw new ValueError(`"${spec}": "${hostIp}" is not an IP address`);
  const [cLo, cHi] = range(container, 'container', spec);
  const hostRange = host ? range(host, 'host', spec) : undefined;
  const count = cHi - cLo + 1;
  if (hostRange && count > 1 && hostRange[1] - hostRange[0] + 1 !== count)
    throw new ValueError(`"${spec}": the host range and the container range differ in size`);
  const out: PortMapping[] = [];
  for (let k = 0; k < count; k++) {
    const entry: PortMapping = { containerPort: cLo + k, protocol };
    if (hostIp !== undefined) entry.hostIp = hostIp;
    if (hostRange) {
      entry.hostPort = hostRange[0] + (count > 1 ? k : 0);
      if (count === 1 && hostRange[1] !== hostRange[0]) entry.hostPortEnd = hostRange[1];
    }
    out.push(entry);
  }
  return out;
}

/** The engine's HostPort text for a mapping: "8080", "8000-8010", or "" (engine picks). */
export function hostPortText(m: PortMapping): string {
  if (m.hostPort === undefined) return '';
  return m.hostPortEnd !== undefined ? `${m.hostPort}-${m.hostPortEnd}` : String(m.hostPort);
}
