// The launcher's labels. Every launched container carries the core's managed label plus
// LAUNCHER_LABEL; listings, purges and eviction filter on LAUNCHER_LABEL so they can never
// reach a container the launcher did not start (django_docker_engine's listing could).
import { MANAGED_LABEL, type Labels } from '../core/labels.ts';
import { InvalidInputError } from '../core/errors.ts';

/** The label every container the launcher starts carries (`harpoon.launcher=true`); every listing filters on it. */
export const LAUNCHER_LABEL = 'harpoon.launcher';
/** The label holding the app's port inside the container. */
export const PORT_LABEL = 'harpoon.launcher.port';
/** The label holding a launched container's memory reservation in MB, which eviction sums. */
export const MEMORY_LABEL = 'harpoon.launcher.mem_reservation_mb';
/** The label holding a launched container's input mode (file, env, url). */
export const INPUT_MODE_LABEL = 'harpoon.launcher.input';
/** The launching process's session: the crash reaper removes containers by this. */
export const SESSION_LABEL = 'harpoon.launcher.session';

const RESERVED = [MANAGED_LABEL, LAUNCHER_LABEL];

/** Caller labels must not forge or overwrite the launcher's own keys. */
export function checkCallerLabels(labels: Labels, field = 'labels'): void {
  for (const key of Object.keys(labels)) {
    if (RESERVED.includes(key) || key.startsWith(`${LAUNCHER_LABEL}.`)) {
      throw new InvalidInputError(
        `${field}.${key}`,
        `"${key}" is reserved for the launcher's own labels; pick another key`,
      );
    }
  }
}

/** The `label=` filter that scopes every listing to launched containers. */
export function launcherFilter(extra: Labels = {}): string[] {
  return [`${LAUNCHER_LABEL}=true`, ...Object.entries(extra).map(([k, v]) => `${k}=${v}`)];
}
