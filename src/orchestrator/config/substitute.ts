// Unit files are text templates, substituted before YAML parsing (so a value can be any part of
// the YAML) without evaluating anything, unlike docker_meta's eval:
//   {{VAR}}            the value; unset is an error naming file, line and variable
//   {{VAR:-default}}   the default when VAR is unset
//   {{VAR:?message}}   required; the message (what to set) is part of the error
//   \{{                a literal {{
// A value may not hold a newline: it would shift every later line number and could inject YAML
// structure. Every use is recorded (SubstitutionLog) for --print-substitutions.
import type { Source, Substitution } from '../model.ts';
import { UnitConfigError, UnitVariableError } from './errors.ts';
import type { Variables } from './variables.ts';

const SECRET = /PASSWORD|SECRET|TOKEN|KEY|CREDENTIAL/i;
const EXPRESSION = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?::([-?])([^]*))?$/;

/** Whether a variable's value is masked: its name holds PASSWORD, SECRET, TOKEN, KEY or CREDENTIAL. */
export function isSecretName(name: string): boolean {
  return SECRET.test(name);
}

/** Every variable use of one load, merged by (name, value, origin). */
export class SubstitutionLog {
  readonly #byKey = new Map<string, Substitution>();
  /** Record one use of a variable: its value, where the value came from, where it was used. */
  record(name: string, value: string, from: string, usedAt: Source): void {
    const key = `${name}\0${from}\0${value}`;
    let entry = this.#byKey.get(key);
    if (!entry) {
      entry = { name, value, from, usedAt: [], secret: isSecretName(name) };
      this.#byKey.set(key, entry);
    }
    if (!entry.usedAt.some((s) => s.file === usedAt.file && s.line === usedAt.line)) entry.usedAt.push(usedAt);
  }
  /** Sorted by name, then origin. */
  list(): Substitution[] {
    return [...this.#byKey.values()].sort((a, b) => a.name.localeCompare(b.name) || a.from.localeCompare(b.from));
  }
}

/** Substitutes `text` (the content of `file`, relative to the config directory). */
export function substituteTemplate(text: string, file: string, vars: Variables, log: SubstitutionLog): string {
  let out = '';
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\n') line++;
    if (c === '\\' && text.startsWith('{{', i + 1)) {
      out += '{{';
      i += 3;
      continue;
    }
    if (c !== '{' || text[i + 1] !== '{') {
      out += c;
      i++;
      continue;
    }
    const close = text.indexOf('}}', i + 2);
    const newline = text.indexOf('\n', i + 2);
    if (close < 0 || (newline >= 0 && newline < close)) {
      throw new UnitConfigError(
        { file, line },
        `"{{" is not closed by "}}" on the same line; write \\{{ for a literal "{{"`,
      );
    }
    const inside = text.slice(i + 2, close);
    const m = EXPRESSION.exec(inside);
    if (!m) {
      throw new UnitConfigError(
        { file, line },
        `{{${inside}}} is not a variable: write {{NAME}}, {{NAME:-default}} or {{NAME:?message}} (NAME: letters, digits and _), or \\{{ for a literal "{{"`,
      );
    }
    const [, name, op, arg] = m as unknown as [string, string, string | undefined, string | undefined];
    const at = { file, line };
    let found = vars.lookup(name);
    if (!found && op === '-') found = { value: arg ?? '', from: `default at ${file} line ${line}` };
    if (!found) {
      const why =
        op === '?' && arg?.trim() ? `variable ${name} is required: ${arg.trim()}` : `variable ${name} is not set`;
      throw new UnitVariableError({ ...at, key: `{{${name}}}` }, name, `${why}; ${vars.describeSources(name)}`);
    }
    if (/[\r\n]/.test(found.value)) {
      throw new UnitVariableError(
        { ...at, key: `{{${name}}}` },
        name,
        `the value of ${name} (from ${found.from}) holds a line break; values must be one line`,
      );
    }
    log.record(name, found.value, found.from, at);
    out += found.value;
    i = close + 2;
  }
  return out;
}
