// Published-port discovery. The engine may report several bindings for one port (IPv4 and
// IPv6 when publishing on all interfaces); django_docker_engine asserted exactly one and broke.
import type { Endpoint } from '../core/endpoint.ts';

/** One binding of a published port, as the engine reports it. */
export interface PortBinding {
  HostIp?: string;
  HostPort?: string;
}

/** The address a published port is reached on: host IP and port. */
export interface PublishedPort {
  hostIp: string;
  hostPort: number;
}

/** Loopback first, then the IPv4 wildcard, any other IPv4, then IPv6 (loopback, wildcard, other). */
function rank(binding: PortBinding): number {
  const ip = binding.HostIp ?? '';
  const order = ['127.0.0.1', '0.0.0.0', ''];
  if (order.includes(ip)) return order.indexOf(ip);
  if (!ip.includes(':')) return 3;
  return ip === '::1' ? 4 : ip === '::' ? 5 : 6;
}

/** The binding to reach the app through, or undefined if the port is not published. */
export function pickBinding(bindings: PortBinding[] | null | undefined): PublishedPort | undefined {
  const usable = (bindings ?? []).filter((b) => Number(b.HostPort) > 0);
  if (usable.length === 0) return undefined;
  const best = [...usable].sort((a, b) => rank(a) - rank(b))[0] as PortBinding;
  return { hostIp: best.HostIp ?? '', hostPort: Number(best.HostPort) };
}

/**
 * The host name to reach a published port by: the engine's own host for tcp:// and ssh://,
 * this machine's loopback for a local socket (a wildcard binding is reached on loopback).
 */
export function urlHost(endpoint: Endpoint, binding: PublishedPort): string {
  // resolveEndpoint keeps URL.hostname, which for an IPv6 literal already has its brackets.
  if (endpoint.kind !== 'unix')
    return endpoint.host.includes(':') && !endpoint.host.startsWith('[') ? `[${endpoint.host}]` : endpoint.host;
  if (binding.hostIp === '' || binding.hostIp === '0.0.0.0') return '127.0.0.1';
  if (binding.hostIp === '::') return '[::1]';
  return binding.hostIp.includes(':') ? `[${binding.hostIp}]` : binding.hostIp;
}

export function appUrl(endpoint: Endpoint, binding: PublishedPort, override?: string): string {
  return `http://${override ?? urlHost(endpoint, binding)}:${binding.hostPort}`;
}
