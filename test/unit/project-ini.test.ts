// dockerutils.cfg's INI dialect: Python configparser as dockerutils configured it
// (optionxform = str), with the line of every section and key kept for error messages.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  getValue,
  lookup,
  optionNames,
  parseIni,
  ProjectConfigError,
  type IniDocument,
} from '../../src/project/model.ts';

const FILE = '/p/docker/dockerutils.cfg';
const parse = (lines: string[]): IniDocument => parseIni(lines.join('\n'), FILE);
const value = (doc: IniDocument, section: string, key: string): string | undefined =>
  getValue(doc, section, key)?.value;

/** Runs fn, expects a ProjectConfigError, returns it. */
function configError(fn: () => unknown): ProjectConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ProjectConfigError) return err;
    throw err;
  }
  throw new Error('expected a ProjectConfigError');
}

test('"=" or ":" separates key and value; the first one wins; a=b=c keeps b=c', () => {
  const doc = parse(['[dev]', 'a = 1', 'b: 2', 'c=x=y=z', 'd : k:v=w', 'e=', 'f =   spaced   value  ']);
  assert.is(value(doc, 'dev', 'a'), '1');
  assert.is(value(doc, 'dev', 'b'), '2');
  assert.is(value(doc, 'dev', 'c'), 'x=y=z');
  assert.is(value(doc, 'dev', 'd'), 'k:v=w');
  assert.is(value(doc, 'dev', 'e'), '');
  assert.is(value(doc, 'dev', 'f'), 'spaced   value');
});

test('keys and section names are case-sensitive (optionxform = str)', () => {
  const doc = parse(['[dev]', 'pull_FROM_on_force = yes', 'Tag = a', 'tag = b', '[Dev]', 'tag = c']);
  assert.is(value(doc, 'dev', 'pull_FROM_on_force'), 'yes');
  assert.is(value(doc, 'dev', 'pull_from_on_force'), undefined);
  assert.is(value(doc, 'dev', 'Tag'), 'a');
  assert.is(value(doc, 'dev', 'tag'), 'b');
  assert.is(value(doc, 'Dev', 'tag'), 'c');
  assert.equal([...doc.sections.keys()], ['dev', 'Dev']);
});

test('"#" and ";" start comment lines (also indented); there are no inline comments', () => {
  const doc = parse(['# top', '; top too', '[dev]', '  # indented', 'cmd = echo hi # not a comment', 'x = a ; b']);
  assert.is(value(doc, 'dev', 'cmd'), 'echo hi # not a comment');
  assert.is(value(doc, 'dev', 'x'), 'a ; b');
  assert.equal(optionNames(doc, 'dev'), ['cmd', 'x']);
});

test('indented lines continue a value: joined with newlines, blank lines kept inside, dropped at the end, comments skipped', () => {
  const doc = parse([
    '[dev]',
    'volumes = -v /a:/a',
    '    -v /b:/b',
    '',
    '    # -v /c:/c',
    '    -v /d:/d',
    '',
    '',
    'ports =',
    '  -p 80:80',
    'next = 1',
  ]);
  assert.is(value(doc, 'dev', 'volumes'), '-v /a:/a\n-v /b:/b\n\n-v /d:/d');
  assert.is(value(doc, 'dev', 'ports'), '\n-p 80:80');
  assert.is(value(doc, 'dev', 'next'), '1');
});

test('indentation is relative to the key line, as configparser does it', () => {
  const doc = parse(['[s]', '    indented = 1', '  less = 2', '      more = 3']);
  assert.is(value(doc, 's', 'indented'), '1');
  assert.is(value(doc, 's', 'less'), '2\nmore = 3');
  assert.equal(optionNames(doc, 's'), ['indented', 'less']);
});

test('[DEFAULT] values are inherited by every section, own values first', () => {
  const doc = parse([
    '[DEFAULT]',
    'tag = latest',
    'network = host',
    '[dev]',
    'network = bridge',
    'cmd = bash',
    '[test]',
  ]);
  assert.is(value(doc, 'dev', 'tag'), 'latest');
  assert.is(value(doc, 'dev', 'network'), 'bridge');
  assert.is(value(doc, 'test', 'network'), 'host');
  assert.equal(optionNames(doc, 'dev'), ['network', 'cmd', 'tag']);
  assert.is(lookup(doc, 'test', 'tag')!.section, 'DEFAULT');
  assert.is(lookup(doc, 'test', 'tag')!.line, 2);
  assert.not.ok(doc.sections.has('DEFAULT'));
  // [DEFAULT] may appear more than once (configparser allows it).
  const twice = parse(['[DEFAULT]', 'a = 1', '[x]', '[DEFAULT]', 'b = 2']);
  assert.equal(optionNames(twice, 'x'), ['a', 'b']);
});

test('every section and key keeps its line (CRLF and CR line ends too)', () => {
  const doc = parseIni('# c\r\n[run_image]\r\nsynthetic_images = shell\r\n\r\n[shell]\rname = dev\r', FILE);
  assert.is(doc.sections.get('run_image')!.line, 2);
  assert.is(doc.sections.get('run_image')!.entries.get('synthetic_images')!.line, 3);
  assert.is(doc.sections.get('shell')!.line, 5);
  assert.is(doc.sections.get('shell')!.entries.get('name')!.line, 6);
  assert.is(value(doc, 'shell', 'name'), 'dev');
  assert.is(doc.file, FILE);
});

test('%(key)s interpolation and %% (configparser BasicInterpolation), from the section or [DEFAULT]', () => {
  const doc = parse([
    '[DEFAULT]',
    'base = /data',
    '[dev]',
    'sub = %(base)s/dev',
    'volumes = -v %(sub)s:/d',
    'fmt = date +%%Y',
  ]);
  assert.is(value(doc, 'dev', 'volumes'), '-v /data/dev:/d');
  assert.is(value(doc, 'dev', 'fmt'), 'date +%Y');
  // Raw values stay available.
  assert.is(lookup(doc, 'dev', 'volumes')!.value, '-v %(sub)s:/d');
});

test('a duplicate section is an error naming the line, the section and the first definition', () => {
  const err = configError(() => parse(['[dev]', 'a = 1', '', '[dev]']));
  assert.is(err.file, FILE);
  assert.is(err.line, 4);
  assert.is(err.section, 'dev');
  assert.is(err.code, 'INVALID_INPUT');
  assert.match(err.message, /already defined at line 1/);
  assert.match(err.message, /^\/p\/docker\/dockerutils\.cfg line 4, \[dev\]/);
});

test('a duplicate key is an error naming line, section and key (also across two [DEFAULT] blocks)', () => {
  const err = configError(() => parse(['[dev]', 'tag = a', 'cmd = b', 'tag = c']));
  assert.equal([err.line, err.section, err.key], [4, 'dev', 'tag']);
  assert.match(err.message, /already set at line 2/);
  const inDefault = configError(() => parse(['[DEFAULT]', 'a = 1', '[x]', '[DEFAULT]', 'a = 2']));
  assert.equal([inDefault.line, inDefault.section, inDefault.key], [5, 'DEFAULT', 'a']);
  // Same key in two sections is fine.
  parse(['[a]', 'k = 1', '[b]', 'k = 2']);
});

test('a key before any section, and a line that is not key = value, are errors with their line', () => {
  const before = configError(() => parse(['', 'tag = x', '[dev]']));
  assert.is(before.line, 2);
  assert.is(before.section, undefined);
  assert.match(before.message, /before any \[section\]/);
  const bare = configError(() => parse(['[dev]', 'tag = x', 'novalue']));
  assert.equal([bare.line, bare.section], [3, 'dev']);
  assert.match(bare.message, /"novalue" is not a "key = value" line/);
  const noKey = configError(() => parse(['[dev]', '= x']));
  assert.is(noKey.line, 2);
});

test('interpolation errors name the line and key: unknown reference (listing keys), lone %, a reference loop', () => {
  const missing = configError(() => value(parse(['[dev]', 'a = 1', 'b = %(nope)s']), 'dev', 'b'));
  assert.equal([missing.line, missing.section, missing.key], [3, 'dev', 'b']);
  assert.equal(missing.valid, ['a', 'b']);
  const lone = configError(() => value(parse(['[dev]', 'cmd = date +%Y']), 'dev', 'cmd'));
  assert.equal([lone.line, lone.key], [2, 'cmd']);
  assert.match(lone.message, /write %% for a literal %/);
  const bad = configError(() => value(parse(['[dev]', 'cmd = %(x']), 'dev', 'cmd'));
  assert.match(bad.message, /bad interpolation reference/);
  const loop = configError(() => value(parse(['[dev]', 'a = %(b)s', 'b = %(a)s']), 'dev', 'a'));
  assert.equal([loop.line, loop.key], [2, 'a']);
  assert.match(loop.message, /deeper than 10/);
});

test('an empty file has no sections', () => {
  const doc = parseIni('', FILE);
  assert.is(doc.sections.size, 0);
  assert.is(doc.defaults.entries.size, 0);
});

test.run();
