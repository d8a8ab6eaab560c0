// harpoon purge: remove launched containers by label, by inactivity, to fit a memory budget,
// or all of them. Only ever containers the launcher manages.
import { Launcher } from '../../index.ts';
import { connect, type GlobalFlags } from '../connect.ts';
import { UsageError } from '../exit.ts';
import { parseKeyValues } from './key-values.ts';

export interface PurgeFlags extends GlobalFlags {
  label: string[];
  inactive?: string;
  budget?: string;
  all?: boolean;
  json?: boolean;
}

export async function purge(flags: PurgeFlags): Promise<number> {
  const labels = parseKeyValues(flags.label, '--label');
  const seconds = flags.inactive === undefined ? undefined : Number(flags.inactive);
  const budget = flags.budget === undefined ? undefined : Number(flags.budget);
  if (seconds !== undefined && !(Number.isFinite(seconds) && seconds >= 0))
    throw new UsageError(`--inactive "${flags.inactive}" is not a number of seconds`);
  if (budget !== undefined && !(Number.isFinite(budget) && budget >= 0))
    throw new UsageError(`--budget "${flags.budget}" is not a number of MB`);
  if (!flags.all && !flags.label.length && seconds === undefined && budget === undefined) {
    throw new UsageError('say what to purge: --label K=V, --inactive SECONDS, --budget MB, or --all');
  }
  if (seconds !== undefined && budget !== undefined)
    throw new UsageError('give --inactive or --budget, not both (run purge twice)');
  if (flags.all && (flags.label.length || seconds !== undefined || budget !== undefined)) {
    throw new UsageError(
      '--all removes every launched container; it does not combine with --label, --inactive or --budget',
    );
  }
  const launcher = new Launcher(await connect(flags), { reap: false });
  const removed =
    seconds !== undefined
      ? await launcher.purgeInactive(seconds, labels)
      : budget !== undefined
        ? await launcher.evict(budget, labels)
        : await launcher.purge(labels);
  if (flags.json) process.stdout.write(`${JSON.stringify({ removed })}\n`);
  else for (const name of removed) process.stdout.write(`${name}\n`);
  return 0;
}
