// harpoon ping: does the engine the client would use answer? (Used by scripts/engine.sh.)
import type { GlobalFlags } from '../connect.ts';
import { connect } from '../connect.ts';

export async function ping(flags: GlobalFlags & { quiet?: boolean }): Promise<number> {
  try {
    const client = await connect(flags);
    if (!flags.quiet) process.stdout.write(`OK ${client.describe()}\n`);
    return 0;
  } catch (err) {
    if (!flags.quiet) process.stderr.write(`${(err as Error).message}\n`);
    return 1;
  }
}
