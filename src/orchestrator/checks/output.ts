// A container's output as one text: stdout and stderr lines in the order they were written.
// The order across the two streams is the engine's timestamps, taken as it reads each stream:
// lines written to both within a millisecond or so may come out either way round.
import type { Harpoon } from '../../core/client.ts';

/** stdout and stderr together, lines in the order they were written (by the engine's timestamps). */
export async function containerOutput(client: Harpoon, containerName: string, tail?: number): Promise<string> {
  const logs = await client
    .container(containerName)
    .logs({ timestamps: true, ...(tail === undefined ? {} : { tail }) });
  return mergeByTimestamp(logs.stdout, logs.stderr);
}

/** Lines "<RFC 3339 nano timestamp> <text>" of two streams, merged by time, timestamps dropped. */
export function mergeByTimestamp(...streams: string[]): string {
  const lines: Array<{ key: string; text: string; n: number }> = [];
  let n = 0;
  for (const stream of streams) {
    for (const line of stream.split('\n')) {
      if (!line) continue;
      const space = line.indexOf(' ');
      const stamp = space < 0 ? line : line.slice(0, space);
      const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?/.exec(stamp);
      // Sortable: the seconds, then the fraction padded to nanoseconds.
      const key = m ? `${m[1]}.${(m[2] ?? '').padEnd(9, '0')}` : '';
      lines.push({ key, text: m ? line.slice(space + 1) : line, n: n++ });
    }
  }
  lines.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.n - b.n));
  return lines.map((l) => `${l.text}\n`).join('');
}
