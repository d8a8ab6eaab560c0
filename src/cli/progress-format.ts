// Small pieces of progress output shared by transfer and push: sizes, rates, a docker-style
// bar, and lines cut to the terminal's width (a wrapped line would break a redraw that moves
// the cursor up by a line count).

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB'];

/** Bytes in SI units, as docker prints them: "512 B", "3.1 MB". */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

/** "850ms", "3.2s", "2m05s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}

/** A docker-style bar, `[=====>      ]`, `width` characters between the brackets. */
export function progressBar(fraction: number, width = 30): string {
  const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const filled = Math.floor(f * width);
  if (filled >= width) return `[${'='.repeat(width)}]`;
  return `[${'='.repeat(filled)}>${' '.repeat(width - filled - 1)}]`;
}

/** A short id: "sha256:4f53cda18c2b" (12 hex digits, as the docker CLI shows ids). */
export function shortId(id: string): string {
  return id.replace(/^(sha256:)?([0-9a-f]{12})[0-9a-f]*$/, 'sha256:$2');
}

/** Cut a line (no escape sequences in it) to fit `columns`, leaving the last column free. */
export function fitLine(line: string, columns: number | undefined): string {
  const width = Math.max(20, (columns || 80) - 1);
  return line.length > width ? `${line.slice(0, width - 1)}…` : line;
}

export const CLEAR_LINE = '\r\x1b[2K';
/** Move the cursor up `n` lines (nothing for 0). */
export const cursorUp = (n: number): string => (n > 0 ? `\x1b[${n}A` : '');
