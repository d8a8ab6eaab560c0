// Detach keys, as the docker CLI spells them: "ctrl-p,ctrl-q" (default), "ctrl-a", "a", ...
import { InvalidInputError } from '../errors.ts';

export const DEFAULT_DETACH_KEYS = 'ctrl-p,ctrl-q';

export function parseDetachKeys(spec: string): Buffer {
  const bytes = spec.split(',').map((part) => {
    const key = part.trim();
    if (key.length === 1) return key.charCodeAt(0);
    if (key === 'DEL') return 0x7f;
    const ctrl = /^ctrl-([a-z@[\\\]^_])$/i.exec(key);
    if (ctrl) return ctrl[1]!.toUpperCase().charCodeAt(0) & 0x1f;
    throw new InvalidInputError(
      'detachKeys',
      `"${part}" is not a key; use a character, ctrl-<letter> or DEL, comma-separated (e.g. "ctrl-p,ctrl-q")`,
    );
  });
  if (bytes.length === 0) throw new InvalidInputError('detachKeys', 'no keys given');
  return Buffer.from(bytes);
}

/**
 * Watches typed input for the detach sequence. Bytes that might start the sequence are held
 * back until the next chunk decides; if the sequence breaks, they are sent on unchanged.
 */
export class DetachFilter {
  readonly #keys: Buffer;
  #matched = 0;

  constructor(keys: Buffer) {
    this.#keys = keys;
  }

  push(chunk: Buffer): { forward: Buffer; detach: boolean } {
    const out: number[] = [];
    for (const byte of chunk) {
      if (byte === this.#keys[this.#matched]) {
        this.#matched++;
        if (this.#matched === this.#keys.length) return { forward: Buffer.from(out), detach: true };
        continue;
      }
      // Sequence broken: release what was held, then look at this byte afresh.
      if (this.#matched) {
        out.push(...this.#keys.subarray(0, this.#matched));
        this.#matched = 0;
      }
      if (byte === this.#keys[0]) this.#matched = 1;
      else out.push(byte);
    }
    return { forward: Buffer.from(out), detach: false };
  }
}
