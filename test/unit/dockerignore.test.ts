// .dockerignore parsing and matching, against what the docker CLI does.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ignoreRules, parseDockerignore } from '../../src/core/build/dockerignore.ts';

const rules = (text: string) => ignoreRules(parseDockerignore(text));

function expectIgnored(text: string, yes: string[], no: string[]): void {
  const r = rules(text);
  for (const path of yes) assert.ok(r.ignores(path), `${JSON.stringify(text)} should ignore "${path}"`);
  for (const path of no) assert.not.ok(r.ignores(path), `${JSON.stringify(text)} should keep "${path}"`);
}

// --- parseDockerignore --------------------------------------------------------------------

test('comments and blank lines are dropped; whitespace is trimmed', () => {
  // As moby: only "#" in the first column is a comment; an indented "#" is a pattern.
  assert.equal(parseDockerignore('# a comment\n\n   \n*.log\n  build  \n\t# tabbed\n'), ['*.log', 'build', '# tabbed']);
  assert.equal(parseDockerignore(''), []);
  assert.equal(parseDockerignore('# only\n#comments'), []);
});

test('a leading "/" is removed (root-anchored and relative mean the same)', () => {
  assert.equal(parseDockerignore('/build\n/a/b/c.txt\n'), ['build', 'a/b/c.txt']);
  assert.equal(parseDockerignore('!/keep'), ['!keep']);
});

test('a trailing "/" is removed', () => {
  assert.equal(parseDockerignore('dist/\n/out/\nnode_modules/\n'), ['dist', 'out', 'node_modules']);
});

test('paths are cleaned like Go filepath.Clean', () => {
  assert.equal(parseDockerignore('./a\na//b\nx/./y\nq/../r\n'), ['a', 'a/b', 'x/y', 'r']);
});

test('"!" exceptions are kept, with spaces after "!" trimmed; a lone "!" is dropped', () => {
  assert.equal(parseDockerignore('*.md\n!README.md\n! docs/keep.md\n!\n'), ['*.md', '!README.md', '!docs/keep.md']);
});

test('CRLF line endings, and a UTF-8 BOM on the first line', () => {
  assert.equal(parseDockerignore('*.log\r\nbuild\r\n!keep.log\r\n'), ['*.log', 'build', '!keep.log']);
  assert.equal(parseDockerignore('\uFEFF*.tmp\r\n# c\r\n'), ['*.tmp']);
  const r = rules('*.log\r\n');
  assert.ok(r.ignores('a.log'), 'a CR must not end up inside the pattern');
});

// Regression (was a bug): src/core/build/dockerignore.ts parseDockerignore() trims the line before testing for "#".
// moby's ignorefile.ReadAll tests strings.HasPrefix(line, "#") on the raw line and only then
// trims, so "  #notes" is the pattern "#notes" for the docker CLI (a file named "#notes" is
// ignored); parseDockerignore("  #notes") returns [] instead of ["#notes"].
test('only a "#" in the first column starts a comment (as in moby ReadAll)', () => {
  assert.equal(parseDockerignore('  #notes\n'), ['#notes']);
});

// --- matching -----------------------------------------------------------------------------

test('"*.log" matches only at the top level', () => {
  expectIgnored('*.log', ['a.log', 'debug.log'], ['sub/a.log', 'a/b/c.log', 'a.logx', 'log']);
});

test('"**/*.log" matches at any depth, including the top', () => {
  expectIgnored('**/*.log', ['a.log', 'sub/a.log', 'a/b/c/d.log'], ['a.txt', 'sub/a.log.txt']);
});

test('a directory name excludes the directory and everything inside it', () => {
  expectIgnored(
    'node_modules',
    ['node_modules', 'node_modules/pkg', 'node_modules/pkg/index.js'],
    ['node_modules2', 'src/node_modules', 'my_node_modules'],
  );
  expectIgnored('node_modules/', ['node_modules/a/b'], ['lib/node_modules/a']);
});

test('a leading "/" anchors at the root, like a relative pattern', () => {
  expectIgnored('/dist', ['dist', 'dist/app.js'], ['src/dist', 'src/dist/app.js']);
});

test('"*" and "?" do not cross "/"', () => {
  expectIgnored('src/*.js', ['src/a.js'], ['src/lib/a.js', 'a.js']);
  expectIgnored('file?.txt', ['file1.txt', 'fileA.txt'], ['file10.txt', 'file/.txt']);
});

test('an exception after a wildcard keeps that file', () => {
  const r = rules('*.md\n!README.md\n');
  assert.ok(r.ignores('CHANGELOG.md'));
  assert.not.ok(r.ignores('README.md'));
  assert.is(r.hasExceptions, true);
});

test('the last matching line wins: an exception before the wildcard is overridden', () => {
  const r = rules('!README.md\n*.md\n');
  assert.ok(r.ignores('README.md'));
  assert.ok(r.ignores('CHANGELOG.md'));
});

test('an exception inside an ignored directory keeps the file but not its siblings', () => {
  const r = rules('secret\n!secret/keep.txt\n');
  assert.ok(r.ignores('secret'));
  assert.ok(r.ignores('secret/a.txt'));
  assert.not.ok(r.ignores('secret/keep.txt'));
});

test('an exception can be re-excluded by a later, more specific pattern', () => {
  const r = rules('docs\n!docs/*.md\ndocs/draft.md\n');
  assert.not.ok(r.ignores('docs/guide.md'));
  assert.ok(r.ignores('docs/draft.md'));
  assert.ok(r.ignores('docs/image.png'));
});

test('hasExceptions and patterns reflect the input', () => {
  const plain = rules('a\nb/\n');
  assert.is(plain.hasExceptions, false);
  assert.equal(plain.patterns, ['a', 'b']);
  assert.is(rules('a\n!a/b').hasExceptions, true);
  const none = rules('');
  assert.is(none.hasExceptions, false);
  assert.not.ok(none.ignores('anything'));
});

test.run();
