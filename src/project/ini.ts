// INI files as Python's configparser reads them with dockerutils' settings (ConfigParser(),
// optionxform = str): case-sensitive keys, "=" or ":" between key and value (the first one
// wins), whole-line "#" / ";" comments (no inline comments), indented continuation lines
// (blank lines inside a value kept, trailing ones dropped), [DEFAULT] inherited by every
// section, a duplicate section or key an error, and "%(key)s" / "%%" interpolation on read.
// Unlike configparser, every section and key keeps the line it was written on.
import { ProjectConfigError } from './errors.ts';

export const DEFAULT_SECTION = 'DEFAULT';
/** configparser's limit on nested %(key)s references. */
const MAX_INTERPOLATION_DEPTH = 10;

export interface IniEntry {
  key: string;
  /** The raw value: stripped, continuation lines joined with "\n", not interpolated. */
  value: string;
  /** 1-based line of the key. */
  line: number;
  /** The section it was written in (DEFAULT for inherited values). */
  section: string;
}

export interface IniSection {
  name: string;
  /** 1-based line of the (first) header. */
  line: number;
  /** Own entries, in file order. */
  entries: Map<string, IniEntry>;
}

export interface IniDocument {
  file: string;
  /** The [DEFAULT] section (line 0 when the file has none). */
  defaults: IniSection;
  /** Every other section, in file order. */
  sections: Map<string, IniSection>;
}

const SECTION_HEADER = /^\[([^\]]+)\]/;
const OPTION_LINE = /^(.*?)\s*([=:])\s*(.*)$/s;

/** Python's str.strip() for the whitespace that matters in a config file. */
const pyStrip = (s: string): string => s.replace(/^[\s\uFEFF]+|[\s\uFEFF]+$/g, '');

/** Parses INI text; `file` is only used in error messages. */
export function parseIni(text: string, file: string): IniDocument {
  const defaults: IniSection = { name: DEFAULT_SECTION, line: 0, entries: new Map() };
  const sections = new Map<string, IniSection>();
  const seenKeys = new Set<string>();
  // The value lines of each entry, joined at the end.
  const pending = new Map<IniEntry, string[]>();

  let current: IniSection | undefined;
  let currentEntry: IniEntry | undefined;
  let indentLevel = 0;

  const lines = text.split(/\r\n|\r|\n/);
  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    const stripped = pyStrip(raw);
    const isComment = stripped.startsWith('#') || stripped.startsWith(';');
    const value = isComment ? '' : stripped;
    if (!value) {
      // A blank line inside a value is kept (configparser's empty_lines_in_values); a comment is not.
      if (!isComment && currentEntry) pending.get(currentEntry)!.push('');
      return;
    }
    const indent = raw.search(/\S/);
    if (current && currentEntry && indent > indentLevel) {
      pending.get(currentEntry)!.push(value);
      return;
    }
    indentLevel = indent;
    const header = SECTION_HEADER.exec(value);
    if (header) {
      const name = header[1]!;
      currentEntry = undefined;
      if (name === DEFAULT_SECTION) {
        // configparser allows [DEFAULT] more than once (its keys still may not repeat).
        if (defaults.line === 0) defaults.line = lineNo;
        current = defaults;
        return;
      }
      const existing = sections.get(name);
      if (existing) {
        throw new ProjectConfigError(
          { file, line: lineNo, section: name },
          `section [${name}] is already defined at line ${existing.line}; merge the two`,
        );
      }
      current = { name, line: lineNo, entries: new Map() };
      sections.set(name, current);
      return;
    }
    if (!current) {
      throw new ProjectConfigError(
        { file, line: lineNo },
        `"${value}" comes before any [section] header; start the file with a section such as [run_image] or [<image>]`,
      );
    }
    const option = OPTION_LINE.exec(value);
    const key = option ? option[1]!.trimEnd() : '';
    if (!option || !key) {
      throw new ProjectConfigError(
        { file, line: lineNo, section: current.name },
        `"${value}" is not a "key = value" line, a [section] header, or a comment ("#" or ";" first)`,
      );
    }
    const id = `${current.name}\u0000${key}`;
    if (seenKeys.has(id)) {
      const first = current.entries.get(key)!;
      throw new ProjectConfigError(
        { file, line: lineNo, section: current.name, key },
        `"${key}" is already set at line ${first.line} of this section`,
      );
    }
    seenKeys.add(id);
    currentEntry = { key, value: '', line: lineNo, section: current.name };
    current.entries.set(key, currentEntry);
    pending.set(currentEntry, [pyStrip(option[3]!)]);
  });

  for (const [entry, parts] of pending) entry.value = parts.join('\n').trimEnd();
  return { file, defaults, sections };
}

/** A section's keys, own first (file order) then inherited DEFAULT ones (configparser's options()). */
export function optionNames(doc: IniDocument, section: string): string[] {
  const own = doc.sections.get(section)?.entries ?? new Map<string, IniEntry>();
  return [...own.keys(), ...[...doc.defaults.entries.keys()].filter((k) => !own.has(k))];
}

/** The entry for a key: the section's own, else DEFAULT's. */
export function lookup(doc: IniDocument, section: string, key: string): IniEntry | undefined {
  const own = section === DEFAULT_SECTION ? doc.defaults : doc.sections.get(section);
  return own?.entries.get(key) ?? doc.defaults.entries.get(key);
}

/**
 * A value as configparser's get() returns it: "%%" → "%", "%(key)s" → that key's value in the
 * same section (or DEFAULT), recursively. A bad "%" is an error naming the line and key.
 */
export function interpolate(doc: IniDocument, section: string, entry: IniEntry): string {
  const at = { file: doc.file, line: entry.line, section, key: entry.key };
  const out: string[] = [];
  const expand = (text: string, depth: number): void => {
    if (depth > MAX_INTERPOLATION_DEPTH) {
      throw new ProjectConfigError(
        at,
        `%(…)s references nest deeper than ${MAX_INTERPOLATION_DEPTH} levels (a reference loop?)`,
      );
    }
    let rest = text;
    while (rest) {
      const p = rest.indexOf('%');
      if (p < 0) {
        out.push(rest);
        return;
      }
      out.push(rest.slice(0, p));
      rest = rest.slice(p);
      const next = rest[1];
      if (next === '%') {
        out.push('%');
        rest = rest.slice(2);
      } else if (next === '(') {
        const ref = /^%\(([^)]+)\)s/.exec(rest);
        if (!ref)
          throw new ProjectConfigError(
            at,
            `bad interpolation reference ${JSON.stringify(rest)}: write %(key)s, or %% for a literal %`,
          );
        rest = rest.slice(ref[0].length);
        const target = lookup(doc, section, ref[1]!);
        if (!target) {
          throw new ProjectConfigError(
            at,
            `%(${ref[1]})s names no key of [${section}] or [DEFAULT]`,
            optionNames(doc, section),
          );
        }
        if (target.value.includes('%')) expand(target.value, depth + 1);
        else out.push(target.value);
      } else {
        throw new ProjectConfigError(
          at,
          `"%" must be followed by "%" or "(" (found ${JSON.stringify(rest)}); write %% for a literal %`,
        );
      }
    }
  };
  expand(entry.value, 1);
  return out.join('');
}

/** get(section, key) with interpolation; undefined when the key is set neither there nor in DEFAULT. */
export function getValue(
  doc: IniDocument,
  section: string,
  key: string,
): { value: string; entry: IniEntry } | undefined {
  const entry = lookup(doc, section, key);
  return entry ? { value: interpolate(doc, section, entry), entry } : undefined;
}
