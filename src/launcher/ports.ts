// Published-port discovery. The engine may report several bindings for one port (IPv4 and
// IPv6 when publishing on all interfaces); django_docker_engine asserted exactly one and broke.
import type { Endpoint } from '../core/endpoint.ts';

export interface PortBinding {
  HostIp?: string;
  HostPort?: string;
}

export interface PublishedPort {
  hostIp: string;
  hostPort: number;
}

// Loopback first, then IPv4, then IPv6.
const PREFERENCE = ['127.0.0.1', '0.0.0.0', '', '::1', '::'];

/** The binding to reach the app through, or undefined if the port is not published. */
export function pickBinding(bindings: PortBinding[] | null | undefined): PublishedPort | undefined {
  const usable = (bindings ?? []).filter((b) => Number(b.HostPort) > 0);
  if (usable.length === 0) return undefined;
  const rank = (b: PortBinding) => {
    const at = PREFERENCE.indexOf(b.HostIp ?? '');
    return at === -1 ? (b.HostIp?.includes(':') ? PREFERENCE.length + 1 : PREFERENCE.length) : at;
  };
  const best = [...usable].sort((a, b) => rank(a) - rank(b))[0] as PortBinding;
  return { hostIp: best.HostIp ?? '', hostPort: Number(best.HostPort) };
}

/**
 * The host name to reach a published port by: the engine's own host for tcp:// and ssh://,
 * this machine's loopback for a local socket (a wildcard binding is reached on loopback).
 */
export function urlHost(endpoint: Endpoint, binding: PublishedPort): string {
  if (endpoint.kind !== 'unix') return endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host;
  if (binding.hostIp === '' || binding.hostIp === '0.0.0.0') return '127.0.0.1';
  if (binding.hostIp === '::') return '[::1]';
  return binding.hostIp.includes(':') ? `[${binding.hostIp}]` : binding.hostIp;
}

export function appUrl(endpoint: Endpoint, binding: PublishedPort, override?: string): string {
  return `http://${override ?? urlHost(endpoint, binding)}:${binding.hostPort}`;
}
