// The activity record: when each launched container was last used. The proxy (another
// process, often) touches it on traffic; `purge --inactive` reads it. One empty file per
// container, its mtime the last activity: touching is atomic, and any number of processes
// can share the directory without a lock.
import { mkdirSync } from 'node:fs';
import { mkdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where launched containers' last activity is recorded and read. */
export interface ActivityStore {
  /** Record activity for a container (by id) now, or at `at`. */
  touch(containerId: string, at?: Date): Promise<void>;
  /** The last recorded activity, if any. */
  lastActivity(containerId: string): Promise<Date | undefined>;
  /** Drop the record of a removed container. */
  forget(containerId: string): Promise<void>;
}

/** $HARPOON_STATE_DIR, else $XDG_STATE_HOME/harpoon, else ~/.local/state/harpoon. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HARPOON_STATE_DIR) return env.HARPOON_STATE_DIR;
  return join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'harpoon');
}

const ID = /^[0-9a-f]{12,64}$/;

/** The activity record as one empty file per container, its mtime the last activity; shared between processes. */
export class FileActivityStore implements ActivityStore {
  readonly dir: string;
  /** Touches closer together than this are skipped: the proxy may call on every request. */
  readonly minIntervalMs: number;
  readonly #lastWrite = new Map<string, number>();

  constructor(dir = join(defaultStateDir(), 'activity'), options: { minIntervalMs?: number } = {}) {
    this.dir = dir;
    this.minIntervalMs = options.minIntervalMs ?? 1_000;
    mkdirSync(dir, { recursive: true });
  }

  #file(containerId: string): string {
    if (!ID.test(containerId)) throw new Error(`not a container id: ${containerId}`);
    return join(this.dir, containerId);
  }

  async touch(containerId: string, at = new Date()): Promise<void> {
    const file = this.#file(containerId);
    const last = this.#lastWrite.get(containerId);
    if (last !== undefined && Math.abs(at.getTime() - last) < this.minIntervalMs) return;
    try {
      await utimes(file, at, at);
    } catch {
      await mkdir(this.dir, { recursive: true });
      await writeFile(file, '');
      await utimes(file, at, at);
    }
    this.#lastWrite.set(containerId, at.getTime());
  }

  async lastActivity(containerId: string): Promise<Date | undefined> {
    const info = await stat(this.#file(containerId)).catch(() => undefined);
    return info?.mtime;
  }

  async forget(containerId: string): Promise<void> {
    this.#lastWrite.delete(containerId);
    await rm(this.#file(containerId), { force: true });
  }
}
