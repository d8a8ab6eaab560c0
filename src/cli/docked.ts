// Whether run-image is "docked", i.e. uses the config's `<key>_docked` values. dockerutils
// decided by DOCKER_IP, which its `source dock NAME` set. Harpoon's docks are docker contexts,
// so docked means the engine in use is a dock: --context NAME, or (without -H/--context)
// DOCKER_CONTEXT, the docker config's current context, or a shell pointed at a dock by
// `eval "$(harpoon dock env NAME)"` (HARPOON_DOCK with DOCKER_HOST at that dock's URL). DOCKER_IP
// still counts, for shells docked by dockerutils itself. -H URL names an engine, not a dock.
import { effectiveContext } from './commands/dock.ts';
import type { GlobalFlags } from './connect.ts';
import { DEFAULT_CONTEXT, dockerConfigDir, listDocks } from './docks/store.ts';

export interface Docking {
  docked: boolean;
  /** Why, for messages: "dock gpu1 (--context)", "DOCKER_IP=10.0.0.5". */
  reason?: string;
}

export function docking(flags: GlobalFlags, env: Record<string, string | undefined> = process.env): Docking {
  if (flags.host) return { docked: false };
  if (flags.context)
    return flags.context === DEFAULT_CONTEXT
      ? { docked: false }
      : { docked: true, reason: `dock ${flags.context} (--context)` };
  const configDir = dockerConfigDir(env);
  const current = effectiveContext(configDir, env, listDocks(configDir));
  if (current !== DEFAULT_CONTEXT) return { docked: true, reason: `dock ${current}` };
  if (env.DOCKER_IP) return { docked: true, reason: `DOCKER_IP=${env.DOCKER_IP}` };
  return { docked: false };
}
