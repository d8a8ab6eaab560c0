// The global -H / --context flags as --print-command shows them (`docker -H URL` or
// `docker --context NAME`), a password in the URL masked.
import type { GlobalFlags } from './connect.ts';
import { maskUrl } from './docks/store.ts';
import type { EngineChoice } from '../project/print-command.ts';

/** As connect() decides: --host wins over --context. */
export function engineChoice(flags: GlobalFlags): EngineChoice | undefined {
  if (flags.host) return { host: maskUrl(flags.host) };
  if (flags.context) return { context: flags.context };
  return undefined;
}
