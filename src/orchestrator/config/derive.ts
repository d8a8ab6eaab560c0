// The commands a unit gets without writing them (docs/units-format.md, "Derived commands"),
// computed from its start unit when units/<unit>/<command>.yaml does not exist. "Start order" is the order the
// containers are started in: dependencies first, otherwise as start.yaml's orders first name them,
// then as the composition lists them. Generated orders point at the container's definition in
// the start file, so --dry-run can say where each one comes from.
import { resolve } from 'node:path';
import type { ContainerSpec, Order, OrderArgs, OrderCommand, Source, Unit } from '../model.ts';
import { DEFAULT_BACKUP_DIR, DEFAULT_STOP_TIMEOUT } from './orders-schema.ts';
import { dependenciesOf } from './schema.ts';

/** The commands a unit gets from its start.yaml without writing them. */
export const DERIVED_COMMANDS = [
  'build',
  'create',
  'stop',
  'cleanup',
  'purge',
  'backup',
  'restore',
  'restart',
  'test',
] as const;
/** One of DERIVED_COMMANDS. */
export type DerivedCommand = (typeof DERIVED_COMMANDS)[number];

/** Whether a command can be derived from a unit's start.yaml. */
export function isDerivable(command: string): command is DerivedCommand {
  return (DERIVED_COMMANDS as readonly string[]).includes(command);
}

/** A container holds unit volumes when one of its volumes is a named volume harpoon manages. */
export function holdsUnitVolumes(spec: ContainerSpec): boolean {
  return spec.creation.volumes.some((v) => v.kind === 'volume');
}

/** The containers in start order (dependencies before dependents). */
export function startOrder(unit: Pick<Unit, 'containers' | 'orders'>): string[] {
  const rank = new Map<string, number>();
  const rankOf = (name: string) => rank.get(name) ?? Infinity;
  for (const o of unit.orders)
    if (o.container && o.command === 'start' && !rank.has(o.container)) rank.set(o.container, rank.size);
  for (const o of unit.orders) if (o.container && !rank.has(o.container)) rank.set(o.container, rank.size);
  for (const name of unit.containers.keys()) if (!rank.has(name)) rank.set(name, rank.size);
  const byRank = (names: Iterable<string>) => [...names].sort((a, b) => rankOf(a) - rankOf(b));
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string) => {
    // The config layer has rejected cycles, so `seen` on entry is enough.
    if (seen.has(name) || !unit.containers.has(name)) return;
    seen.add(name);
    for (const dep of byRank(dependenciesOf(unit.containers.get(name)!))) visit(dep);
    out.push(name);
  };
  for (const name of byRank(unit.containers.keys())) visit(name);
  return out;
}

export interface DeriveInput {
  confDir: string;
  /** The unit's start command, loaded. */
  start: Unit;
  /** Where each container is written in the start file. */
  written: Map<string, Source>;
}

export function deriveUnit(command: DerivedCommand, input: DeriveInput): Unit {
  const { start, written, confDir } = input;
  const order = startOrder(start);
  const specs = order.map((n) => start.containers.get(n)!);
  const reversed = [...specs].reverse();
  const make = (spec: ContainerSpec, cmd: OrderCommand, args: OrderArgs = {}, variants: string[] = []): Order => ({
    container: spec.name,
    command: cmd,
    variants,
    args,
    source: written.get(spec.name) ?? spec.source,
  });
  const started = new Set(start.orders.filter((o) => o.command === 'start' && o.container).map((o) => o.container!));
  const stops = () =>
    reversed.filter((s) => started.has(s.name)).map((s) => make(s, 'stop', { timeout: DEFAULT_STOP_TIMEOUT }));
  const backupArgs = (s: ContainerSpec): OrderArgs => ({
    backupDir: resolve(confDir, DEFAULT_BACKUP_DIR),
    backupName: `${s.engineName}.tar`,
  });
  let orders: Order[];
  switch (command) {
    case 'build':
      orders = specs.filter((s) => s.build).map((s) => make(s, 'build'));
      break;
    case 'create':
      orders = specs.map((s) => make(s, 'create'));
      break;
    case 'stop':
      orders = stops();
      break;
    case 'cleanup':
      orders = [...stops(), ...reversed.filter((s) => !holdsUnitVolumes(s)).map((s) => make(s, 'remove'))];
      break;
    case 'purge':
      orders = [
        ...stops(),
        ...reversed.map((s) => make(s, 'remove', { v: true })),
        ...reversed.filter((s) => s.build).map((s) => make(s, 'remove_image')),
      ];
      break;
    case 'backup':
      orders = specs.filter(holdsUnitVolumes).map((s) => make(s, 'backup', { ...backupArgs(s), pause: true }));
      break;
    case 'restore':
      orders = specs.filter(holdsUnitVolumes).map((s) => make(s, 'restore', { ...backupArgs(s), merge: false }));
      break;
    case 'restart':
      orders = start.orders.map((o) => (o.command === 'start' ? { ...o, args: { ...o.args, restart: true } } : o));
      break;
    case 'test':
      orders = [
        ...start.orders,
        ...specs.flatMap((s) => s.checks.map((c) => make(s, 'check', { check: c.name }, ['check']))),
      ];
      break;
  }
  return { ...start, orders, derived: true };
}
