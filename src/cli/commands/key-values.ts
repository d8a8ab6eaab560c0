// K=V flags (-e, --label, --build-arg). Only the first "=" splits: "a=b=c" keeps "b=c".
import { UsageError } from '../exit.ts';

export function splitKeyValue(item: string, flag: string): [string, string | undefined] {
  const at = item.indexOf('=');
  const key = at === -1 ? item : item.slice(0, at);
  if (!key) throw new UsageError(`${flag} "${item}": the name before "=" is empty`);
  return [key, at === -1 ? undefined : item.slice(at + 1)];
}

/** K=V pairs into a map; a bare K takes its value from this process's environment. */
export function parseKeyValues(items: string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const [key, value] = splitKeyValue(item, flag);
    const resolved = value ?? process.env[key];
    if (resolved !== undefined) out[key] = resolved;
  }
  return out;
}

/** -e semantics: K=V as given; a bare K passes this process's value, or is dropped if unset. */
export function envFlags(items: string[]): string[] {
  return items.flatMap((item) => {
    const [key, value] = splitKeyValue(item, '-e');
    if (value !== undefined) return [`${key}=${value}`];
    const fromHost = process.env[key];
    return fromHost === undefined ? [] : [`${key}=${fromHost}`];
  });
}
