// Reading parsed YAML with its line numbers: every value is carried with its file, line and key
// path, so any reader that rejects it can say exactly where (UnitConfigError). The readers accept
// the shapes docs/units-format.md allows and nothing else.
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Document, type Node } from 'yaml';
import { closest, UnitConfigError } from './errors.ts';

/** One YAML text of the config directory, parsed, with what maps offsets to lines. */
export interface YamlFile {
  /** Relative to the config directory. */
  file: string;
  docs: Document.Parsed[];
  lines: LineCounter;
}

/** Parses every document; a syntax error is a UnitConfigError at its line. */
export function parseYamlFile(file: string, text: string): YamlFile {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false });
  // parseAllDocuments returns an EmptyStream (no documents) for a text without any.
  const list = Array.isArray(docs) ? docs : [];
  for (const doc of list) {
    const err = doc.errors[0];
    if (err) {
      const line = lines.linePos(err.pos[0]).line;
      throw new UnitConfigError(
        { file, line },
        `YAML syntax error: ${err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`,
      );
    }
  }
  return { file, docs: list, lines };
}

/** A value in a file: its node (null when the key has no value), line and key path. */
export interface Val {
  yf: YamlFile;
  doc: Document.Parsed;
  node: Node | null;
  line: number;
  path: string;
}

export function lineOf(yf: YamlFile, node: Node | null | undefined, fallback: number): number {
  const start = node?.range?.[0];
  return start === undefined ? fallback : yf.lines.linePos(start).line;
}

/** The root value of document `index` (null node when empty). */
export function rootVal(yf: YamlFile, index: number, path: string): Val | undefined {
  const doc = yf.docs[index];
  if (!doc) return undefined;
  const node = (doc.contents ?? null) as Node | null;
  return { yf, doc, node, line: lineOf(yf, node, lineOf(yf, { range: doc.range } as Node, 1)), path };
}

export function fail(v: Pick<Val, 'yf' | 'line' | 'path'>, detail: string, valid: readonly string[] = []): never {
  throw new UnitConfigError({ file: v.yf.file, line: v.line, key: v.path || undefined }, detail, valid);
}

/** Aliases (`*x`) stand for the anchored node. */
function deref(v: Val): Node | null {
  const node = v.node;
  if (node && isAlias(node)) return (node.resolve(v.doc) ?? null) as Node | null;
  return node;
}

function child(v: Val, node: Node | null | undefined, path: string, fallbackLine: number): Val {
  return { yf: v.yf, doc: v.doc, node: node ?? null, line: lineOf(v.yf, node, fallbackLine), path };
}

/** How a value looks, for "… is not a …" messages. */
export function show(v: Val): string {
  const node = deref(v);
  if (node === null) return 'nothing';
  if (isMap(node)) return 'a map';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) return JSON.stringify(node.value);
  return 'this value';
}

/** The shape of a value, for readers that accept more than one. */
export function kindOf(v: Val): 'null' | 'map' | 'list' | 'scalar' | 'other' {
  if (isNull(v)) return 'null';
  const node = deref(v);
  if (isMap(node)) return 'map';
  if (isSeq(node)) return 'list';
  return isScalar(node) ? 'scalar' : 'other';
}

export function isNull(v: Val): boolean {
  const node = deref(v);
  return node === null || (isScalar(node) && node.value === null);
}

export interface Entry {
  key: string;
  value: Val;
  keyLine: number;
}

/** A map's entries in order; null counts as an empty map. Keys must be strings. */
export function entries(v: Val, what = 'a map'): Entry[] {
  if (isNull(v)) return [];
  const node = deref(v);
  if (!isMap(node)) fail(v, `${show(v)} is not ${what}`);
  return node.items.map((pair) => {
    const keyNode = pair.key as Node | null;
    const keyLine = lineOf(v.yf, keyNode, v.line);
    if (!isScalar(keyNode) || (typeof keyNode.value !== 'string' && typeof keyNode.value !== 'number')) {
      fail({ ...v, line: keyLine }, 'keys must be plain names');
    }
    const key = String(keyNode.value);
    const path = v.path ? `${v.path}.${key}` : key;
    return { key, keyLine, value: child(v, pair.value as Node | null, path, keyLine) };
  });
}

/** Entries whose keys must all be in `valid`; an unknown one is an error suggesting the closest. */
export function knownEntries(v: Val, valid: readonly string[], what = 'a map'): Map<string, Entry> {
  const out = new Map<string, Entry>();
  for (const e of entries(v, what)) {
    if (!valid.includes(e.key)) {
      const guess = closest(e.key, valid);
      fail(
        { ...e.value, line: e.keyLine },
        `unknown key "${e.key}"${guess ? `; did you mean "${guess}"?` : ''}`,
        valid,
      );
    }
    out.set(e.key, e);
  }
  return out;
}

export function items(v: Val, what = 'a list'): Val[] {
  if (isNull(v)) return [];
  const node = deref(v);
  if (!isSeq(node)) fail(v, `${show(v)} is not ${what}`);
  return node.items.map((item, i) => child(v, item as Node | null, `${v.path}[${i}]`, v.line));
}

/** A scalar's text. Numbers are accepted as written (`user: 1000`, `tag: 1.0`). */
export function str(v: Val, what = 'a string'): string {
  const node = deref(v);
  if (isScalar(node)) {
    if (typeof node.value === 'string') return node.value;
    if (typeof node.value === 'number') return node.source ?? String(node.value);
  }
  return fail(v, `${show(v)} is not ${what}`);
}

/** Any scalar as text (`true`, `8080`, `x`): for env values, labels and build args. */
export function scalarText(v: Val, what = 'a plain value (string, number or boolean)'): string {
  const node = deref(v);
  if (isScalar(node) && node.value !== null && typeof node.value !== 'object') {
    return typeof node.value === 'string' ? node.value : (node.source ?? String(node.value));
  }
  return fail(v, `${show(v)} is not ${what}`);
}

export function bool(v: Val): boolean {
  const node = deref(v);
  if (isScalar(node) && typeof node.value === 'boolean') return node.value;
  return fail(v, `${show(v)} is not true or false`);
}

export function int(v: Val, min: number, max = Number.MAX_SAFE_INTEGER, what = 'a whole number'): number {
  const node = deref(v);
  if (
    isScalar(node) &&
    typeof node.value === 'number' &&
    Number.isInteger(node.value) &&
    node.value >= min &&
    node.value <= max
  ) {
    return node.value;
  }
  const range = max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `from ${min} to ${max}`;
  return fail(v, `${show(v)} is not ${what} ${range}`);
}

export function strList(v: Val, what = 'a list of strings'): string[] {
  if (!isSeq(deref(v)) && !isNull(v)) fail(v, `${show(v)} is not ${what}`);
  return items(v, what).map((item) => str(item));
}
