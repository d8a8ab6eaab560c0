// docker's size strings ("512", "64k", "1.5g", "2GiB", "100mb"), parsed once for the project's
// run flags (-m, --shm-size) and the orchestrator's `memory`: binary units, as go-units RAMInBytes.
// Returns undefined for text that is no size, so each caller names its own field or flag.

const SIZE = /^(\d+(?:\.\d+)?)\s*([kmgtp])?i?b?$/i;

/** Bytes for a size string; undefined when `text` is not one. Fractions of a byte are dropped. */
export function parseSize(text: string): number | undefined {
  const m = SIZE.exec(text.trim());
  if (!m) return undefined;
  const power = m[2] ? 'kmgtp'.indexOf(m[2].toLowerCase()) + 1 : 0;
  return Math.floor(Number(m[1]) * 1024 ** power);
}
