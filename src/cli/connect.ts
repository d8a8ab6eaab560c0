// The global -H/--host and --context flags, as the docker CLI has them.
import { Harpoon } from '../core/client.ts';

export interface GlobalFlags {
  host?: string;
  context?: string;
}

export function connect(flags: GlobalFlags): Promise<Harpoon> {
  return Harpoon.connect({
    ...(flags.host ? { host: flags.host } : {}),
    ...(flags.context ? { context: flags.context } : {}),
  });
}
