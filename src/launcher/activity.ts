// The activity record: when each launched container was last used, and its last visits. The
// proxy (another process, often) touches it on traffic; `purge --inactive` reads it. One empty
// file per container, its mtime the last activity: touching is atomic, and any number of
// processes can share the directory without a lock. Visits go to `<id>.visits` as JSON lines,
// appended in batches (one write per container per flush, never one per request) and cut
// back to the newest ones when the file grows past twice the bound.
import { mkdirSync } from 'node:fs';
import { appendFile, mkdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
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
  /** Remember one visit (kept in a bounded history); optional for custom stores. */
  recordVisit?(containerId: string, visit: Visit): void;
  /** The newest visits, oldest first (at most `limit`). */
  history?(containerId: string, limit?: number): Promise<Visit[]>;
}

/** One request that reached a container through the proxy. */
export interface Visit {
  /** ISO time the request arrived. */
  time: string;
  method: string;
  /** The path as the client sent it. */
  path: string;
  status: number;
  remote: string;
  /** The user the proxy's authorization hook named. */
  user?: string;
  websocket?: boolean;
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
  /** Visits kept per container (default 100). */
  readonly maxVisits: number;
  readonly #lastWrite = new Map<string, number>();
  readonly #pending = new Map<string, Visit[]>();
  #flushTimer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();

  constructor(dir = join(defaultStateDir(), 'activity'), options: { minIntervalMs?: number; maxVisits?: number } = {}) {
    this.dir = dir;
    this.minIntervalMs = options.minIntervalMs ?? 1_000;
    this.maxVisits = options.maxVisits ?? 100;
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
    this.#pending.delete(containerId);
    await rm(this.#file(containerId), { force: true });
    await rm(`${this.#file(containerId)}.visits`, { force: true });
  }

  recordVisit(containerId: string, visit: Visit): void {
    if (!ID.test(containerId)) return;
    const list = this.#pending.get(containerId) ?? [];
    list.push(visit);
    // Bounded in memory too, should the disk be slow.
    if (list.length > this.maxVisits) list.splice(0, list.length - this.maxVisits);
    this.#pending.set(containerId, list);
    this.#flushTimer ??= setTimeout(() => void this.flush(), 250);
    this.#flushTimer.unref?.();
  }

  /** Write the visits recorded so far (the proxy calls this on close; it runs by itself every 250 ms). */
  flush(): Promise<void> {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    const batch = [...this.#pending];
    this.#pending.clear();
    this.#flushing = this.#flushing.then(async () => {
      for (const [id, visits] of batch) {
        const file = `${this.#file(id)}.visits`;
        try {
          await appendFile(file, visits.map((v) => `${JSON.stringify(v)}\n`).join(''));
          const size = (await stat(file)).size;
          // Cut back only now and then: when the file holds far more than the bound.
          if (size > this.maxVisits * 2 * 160) await this.#trim(file);
        } catch {
          // History is best effort: a full disk must not fail requests.
        }
      }
    });
    return this.#flushing;
  }

  async #trim(file: string): Promise<void> {
    const lines = (await readFile(file, 'utf8')).split('\n').filter(Boolean);
    if (lines.length <= this.maxVisits) return;
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, `${lines.slice(-this.maxVisits).join('\n')}\n`);
    await rename(tmp, file);
  }

  async history(containerId: string, limit = this.maxVisits): Promise<Visit[]> {
    await this.#flushing;
    const text = await readFile(`${this.#file(containerId)}.visits`, 'utf8').catch(() => '');
    const visits: Visit[] = [];
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        visits.push(JSON.parse(line) as Visit);
      } catch {
        // A line cut by a crash mid-write: skip it.
      }
    }
    visits.push(...(this.#pending.get(containerId) ?? []));
    return visits.slice(-Math.max(0, limit));
  }
}
