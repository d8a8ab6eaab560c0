// harpoon run [-i] [-t] [--rm] [--name N] [-e K=V]… IMAGE [CMD…]: docker run's meaning.
// Exit code: the container's; 125 for harpoon/engine errors; 126/127 when the command
// cannot run / is not found; 128+n when this process is stopped by signal n.
import { constants } from 'node:os';
import { AbortedError, type RunOptions } from '../../index.ts';
import { connect, type GlobalFlags } from '../connect.ts';
import { UsageError } from '../exit.ts';
import { envFlags, parseKeyValues } from './key-values.ts';

export interface RunFlags extends GlobalFlags {
  interactive?: boolean;
  tty?: boolean;
  rm?: boolean;
  detach?: boolean;
  name?: string;
  env: string[];
  label: string[];
  workdir?: string;
  user?: string;
  entrypoint?: string;
  detachKeys?: string;
}

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

class StoppedBySignal extends Error {
  readonly signal: NodeJS.Signals;
  constructor(signal: NodeJS.Signals) {
    super(`stopped by ${signal}`);
    this.signal = signal;
  }
}

export async function run(image: string, command: string[], flags: RunFlags): Promise<number> {
  if (flags.interactive && flags.tty && !process.stdin.isTTY) {
    // docker's own words and exit code for this case.
    throw new UsageError(
      'the input device is not a TTY. Run from a terminal, or drop -t to pipe input with -i alone',
      1,
    );
  }
  if (flags.detach && flags.interactive)
    throw new UsageError('-d and -i cannot be combined here: a detached container has no attached stdin');

  const options: RunOptions = {
    image,
    ...(command.length ? { cmd: command } : {}),
    ...(flags.name ? { name: flags.name } : {}),
    env: envFlags(flags.env),
    labels: parseKeyValues(flags.label, '--label'),
    ...(flags.workdir ? { workingDir: flags.workdir } : {}),
    ...(flags.user ? { user: flags.user } : {}),
    ...(flags.entrypoint !== undefined ? { entrypoint: flags.entrypoint === '' ? [] : [flags.entrypoint] } : {}),
    tty: Boolean(flags.tty),
    remove: Boolean(flags.rm),
  };
  const client = await connect(flags);

  if (flags.detach) {
    const container = await client.startContainer({ ...options, hostConfig: { AutoRemove: Boolean(flags.rm) } });
    process.stdout.write(`${container.id}\n`);
    return 0;
  }

  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => controller.abort(new StoppedBySignal(signal));
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  try {
    const result = await client.run({
      ...options,
      ...(flags.interactive ? { stdin: 'inherit' as const } : {}),
      stdout: 'inherit',
      stderr: 'inherit',
      ...(flags.tty ? { terminal: true } : {}),
      ...(flags.detachKeys ? { detachKeys: flags.detachKeys } : {}),
      reject: false,
      signal: controller.signal,
    });
    if (result.detached)
      process.stderr.write(`\r\nDetached: container ${result.containerId.slice(0, 12)} is still running.\r\n`);
    return result.exitCode;
  } catch (err) {
    const reason: unknown = controller.signal.reason;
    if (err instanceof AbortedError && reason instanceof StoppedBySignal) return 128 + constants.signals[reason.signal];
    throw err;
  } finally {
    for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
  }
}
