// harpoon launched [--json]: the containers the launcher manages, with URL, state and last activity.
import { Launcher, type LaunchedInfo, type Visit } from '../../index.ts';
import { connect, type GlobalFlags } from '../connect.ts';
import { parseKeyValues } from './key-values.ts';

export function ago(date: Date, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - date.getTime()) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}

export function launchedTable(rows: LaunchedInfo[], now = Date.now()): string {
  const table = [
    ['NAME', 'STATE', 'URL', 'LAST ACTIVITY', 'MEM RESERVATION'],
    ...rows.map((r) => [
      r.name,
      r.state,
      r.url ?? '-',
      ago(r.lastActivity, now),
      r.memoryReservationMb === undefined ? '-' : `${r.memoryReservationMb} MB`,
    ]),
  ];
  const widths = table[0]!.map((_, col) => Math.max(...table.map((row) => row[col]!.length)));
  return (
    table
      .map((row) => row.map((cell, col) => (col === row.length - 1 ? cell : cell.padEnd(widths[col]!))).join('   '))
      .join('\n') + '\n'
  );
}

/** `--history NAME`: one line a visit, oldest first. */
export function historyTable(visits: Visit[]): string {
  const table = [
    ['TIME', 'METHOD', 'PATH', 'STATUS', 'REMOTE', 'USER'],
    ...visits.map((v) => [
      v.time,
      v.websocket ? `${v.method} (ws)` : v.method,
      v.path,
      String(v.status),
      v.remote,
      v.user ?? '-',
    ]),
  ];
  const widths = table[0]!.map((_, col) => Math.max(...table.map((row) => row[col]!.length)));
  return (
    table
      .map((row) => row.map((cell, col) => (col === row.length - 1 ? cell : cell.padEnd(widths[col]!))).join('   '))
      .join('\n') + '\n'
  );
}

export async function launched(
  flags: GlobalFlags & { json?: boolean; label: string[]; history?: string },
): Promise<number> {
  const client = await connect(flags);
  if (flags.history !== undefined) {
    const visits = await new Launcher(client, { reap: false }).history(flags.history);
    process.stdout.write(flags.json ? `${JSON.stringify(visits, null, 2)}\n` : historyTable(visits));
    return 0;
  }
  const rows = (await new Launcher(client, { reap: false }).list(parseKeyValues(flags.label, '--label'))).sort((a, b) =>
    a.name.localeCompare(b.name),
  );
  if (flags.json) {
    const out = rows.map((r) => ({
      id: r.id,
      name: r.name,
      url: r.url ?? null,
      state: r.state,
      image: r.image,
      lastActivity: r.lastActivity.toISOString(),
      memoryReservationMb: r.memoryReservationMb ?? null,
      labels: r.labels,
    }));
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    process.stdout.write(launchedTable(rows));
  }
  return 0;
}
