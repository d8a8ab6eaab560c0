// Document 2 of a command file: the orders, in order. Each item has one key, a container of the
// unit or `host`, whose value names the command and its arguments. Arguments are checked per
// command (an unknown one lists the valid ones for that command) and defaults filled in, so the
// orders never have to guess.
import { resolve } from 'node:path';
import type { ContainerSpec, ExecuteType, Order, OrderArgs, OrderCommand } from '../model.ts';
import { closest } from './errors.ts';
import { checkName, keyValues, words } from './schema.ts';
import { bool, entries, fail, int, items, knownEntries, str, strList, type Entry, type Val } from './yaml-read.ts';

/** Each command's own arguments (snake_case, as written); every order also takes command, variants. */
export const ORDER_ARGS: Readonly<Record<OrderCommand, readonly string[]>> = {
  build: ['no_cache', 'pull'],
  create: [],
  start: ['restart', 'timeout'],
  stop: ['timeout'],
  backup: ['backup_dir', 'backup_name', 'paths', 'pause'],
  restore: ['backup_dir', 'backup_name', 'merge'],
  remove: ['v'],
  remove_image: ['force'],
  execute: ['type', 'run', 'environment', 'working_dir', 'image', 'interactive'],
  tag: ['tag'],
  commit: ['tag', 'message', 'author', 'changes'],
  push: ['tag'],
  check: ['check'],
};
/** Every order a unit file may give. */
export const ORDER_COMMANDS = Object.keys(ORDER_ARGS) as OrderCommand[];
export const CONTAINER_EXECUTE_TYPES: readonly ExecuteType[] = ['in_running', 'temporary', 'file_system'];
export const HOST = 'host';
export const DEFAULT_STOP_TIMEOUT = 10;
export const DEFAULT_BACKUP_DIR = 'backups';

export interface OrdersContext {
  confDir: string;
  unit: string;
  containers: Map<string, ContainerSpec>;
}

export function readOrders(v: Val, ctx: OrdersContext): Order[] {
  return items(v, 'a list of orders (- CONTAINER: {command: ...})').map((item) => readOrder(item, ctx));
}

function readOrder(item: Val, ctx: OrdersContext): Order {
  const targets = ['host', ...ctx.containers.keys()];
  const list = entries(item, 'an order (- CONTAINER: {command: ...})');
  if (list.length !== 1)
    fail(item, `an order has exactly one key, the container (or host) it applies to; found ${list.length}`, targets);
  const { key: target, value, keyLine } = list[0]!;
  const container = target === HOST ? undefined : ctx.containers.get(target);
  if (target !== HOST && !container) {
    const guess = closest(target, targets);
    fail(
      { ...value, line: keyLine },
      `"${target}" is not a container of unit ${ctx.unit} nor host${guess ? `; did you mean "${guess}"?` : ''}`,
      targets,
    );
  }
  const all = entries(value, 'a map of command and arguments');
  const commandEntry = all.find((e) => e.key === 'command');
  if (!commandEntry) fail({ ...value, line: keyLine }, 'an order needs command', ORDER_COMMANDS);
  const command = str(commandEntry.value, 'a command') as OrderCommand;
  if (!ORDER_COMMANDS.includes(command)) {
    const guess = closest(command, ORDER_COMMANDS);
    fail(
      commandEntry.value,
      `"${command}" is not an order${guess ? `; did you mean "${guess}"?` : ''}`,
      ORDER_COMMANDS,
    );
  }
  if (target === HOST && command !== 'execute')
    fail(commandEntry.value, `host only takes command: execute (${command} needs a container)`, [
      ...ctx.containers.keys(),
    ]);
  const valid = ['command', 'variants', ...ORDER_ARGS[command]];
  for (const e of all) {
    if (!valid.includes(e.key)) {
      const guess = closest(e.key, valid);
      fail(
        { ...e.value, line: e.keyLine },
        `unknown argument "${e.key}" of ${command}${guess ? `; did you mean "${guess}"?` : ''}`,
        valid,
      );
    }
  }
  const keys = knownEntries(value, valid);
  const variantsVal = keys.get('variants')?.value;
  const variants = variantsVal ? readVariants(variantsVal) : [];
  const args = readArgs(command, keys, container, ctx);
  return {
    ...(container ? { container: container.name } : {}),
    command,
    variants,
    args,
    source: { file: item.yf.file, line: keyLine },
  };
}

function readVariants(v: Val): string[] {
  const names = strList(v, 'a list of variant names, e.g. [debug]');
  items(v).forEach((item, i) => checkName(item, names[i]!, 'variant'));
  return names;
}

function readArgs(
  command: OrderCommand,
  keys: Map<string, Entry>,
  container: ContainerSpec | undefined,
  ctx: OrdersContext,
): OrderArgs {
  const get = (k: string) => keys.get(k)?.value;
  const args: OrderArgs = {};
  const flag = (k: string, set: (b: boolean) => void) => {
    const v = get(k);
    if (v) set(bool(v));
  };
  const text = (k: string, what: string, set: (s: string) => void) => {
    const v = get(k);
    if (v) set(str(v, what));
  };
  const spec = container!; // every command but execute needs one (checked above)
  switch (command) {
    case 'build':
      if (!spec.build)
        fail(
          keys.get('command')!.value,
          `${spec.name} has no build section; only built containers can be built`,
          builtNames(ctx),
        );
      flag('no_cache', (b) => (args.noCache = b));
      flag('pull', (b) => (args.pull = b));
      break;
    case 'start':
    case 'stop': {
      flag('restart', (b) => (args.restart = b));
      const t = get('timeout');
      args.timeout = t ? int(t, 0, Number.MAX_SAFE_INTEGER, 'a number of seconds') : DEFAULT_STOP_TIMEOUT;
      break;
    }
    case 'backup':
    case 'restore': {
      text('backup_dir', 'a folder', (s) => (args.backupDir = s));
      args.backupDir = resolve(ctx.confDir, args.backupDir ?? DEFAULT_BACKUP_DIR);
      text('backup_name', 'a file name', (s) => (args.backupName = s));
      args.backupName ??= `${spec.engineName}.tar`;
      const paths = get('paths');
      if (paths) {
        args.paths = strList(paths, 'a list of container paths');
        items(paths).forEach((item, i) => {
          if (!args.paths![i]!.startsWith('/'))
            fail(item, `${JSON.stringify(args.paths![i])} is not an absolute container path`);
        });
      }
      if (command === 'backup') {
        args.pause = true;
        flag('pause', (b) => (args.pause = b));
      } else {
        args.merge = false;
        flag('merge', (b) => (args.merge = b));
      }
      break;
    }
    case 'remove':
      flag('v', (b) => (args.v = b));
      break;
    case 'remove_image':
      flag('force', (b) => (args.force = b));
      break;
    case 'execute':
      readExecute(keys, container, args);
      break;
    case 'tag':
    case 'commit':
    case 'push':
      text('tag', 'an image name', (s) => (args.tag = s));
      if (args.tag !== undefined && (!args.tag || /\s/.test(args.tag)))
        fail(get('tag')!, `${JSON.stringify(args.tag)} is not an image name`);
      if (command === 'tag' && args.tag === undefined)
        fail(keys.get('command')!.value, 'tag needs tag: the name to add to the image');
      text('message', 'a commit message', (s) => (args.message = s));
      text('author', 'an author', (s) => (args.author = s));
      if (get('changes')) args.changes = strList(get('changes')!, 'a list of Dockerfile instructions');
      break;
    case 'check': {
      const v = get('check');
      const names = spec.checks.map((c) => c.name);
      if (!v) fail(keys.get('command')!.value, `check needs check: the name of one of ${spec.name}'s checks`, names);
      const name = str(v, 'a check name');
      if (!names.includes(name)) {
        fail(
          v,
          names.length
            ? `${spec.name} has no check "${name}"`
            : `${spec.name} has no checks (add them under ${spec.name}.checks)`,
          names,
        );
      }
      args.check = name;
      break;
    }
    case 'create':
      break;
  }
  return args;
}

function builtNames(ctx: OrdersContext): string[] {
  return [...ctx.containers.values()].filter((c) => c.build).map((c) => c.name);
}

function readExecute(keys: Map<string, Entry>, container: ContainerSpec | undefined, args: OrderArgs): void {
  const get = (k: string) => keys.get(k)?.value;
  const typeVal = get('type');
  const commandVal = keys.get('command')!.value;
  if (!container) {
    // `host` orders: the type is implied; writing another one is a contradiction.
    if (typeVal && str(typeVal, 'an execute type') !== 'host')
      fail(typeVal, 'a host order runs on this machine: its type can only be host (or left out)', ['host']);
    args.type = 'host';
  } else {
    if (!typeVal) fail(commandVal, `execute on a container needs type`, CONTAINER_EXECUTE_TYPES);
    const type = str(typeVal, 'an execute type') as ExecuteType;
    if (type === 'host')
      fail(
        typeVal,
        `to run on this machine, write the order as "- host: {command: execute, ...}"`,
        CONTAINER_EXECUTE_TYPES,
      );
    if (!CONTAINER_EXECUTE_TYPES.includes(type))
      fail(typeVal, `"${type}" is not an execute type`, CONTAINER_EXECUTE_TYPES);
    args.type = type;
  }
  const runVal = get('run');
  if (!runVal) fail(commandVal, 'execute needs run: the command, a list or a string split as a shell would');
  args.run = words(runVal);
  if (!args.run.length) fail(runVal, 'run is empty');
  const envVal = get('environment');
  if (envVal) args.env = keyValues(envVal, 'environment variables');
  const wd = get('working_dir');
  if (wd) args.workingDir = str(wd, 'a folder');
  const image = get('image');
  if (image) {
    if (args.type !== 'file_system')
      fail(image, `image is for type file_system (the helper container's image), not ${args.type}`);
    args.image = str(image, 'an image name');
  }
  const interactive = get('interactive');
  if (interactive) {
    if (args.type !== 'host')
      fail(interactive, `interactive is for host orders (a pseudoterminal on this machine), not type ${args.type}`);
    args.interactive = bool(interactive);
  }
}
