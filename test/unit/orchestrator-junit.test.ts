// JUnit XML for check results, without an engine: the document is parsed back (by a small
// strict XML parser below, which rejects anything malformed) and its structure, counts, times
// and escaping checked.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { junitXml, xmlEscape } from '../../src/orchestrator/checks/junit.ts';
import type { CheckResult } from '../../src/orchestrator/checks/result.ts';

interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(raw: string, where: string): string {
  if (/[<]/.test(raw)) throw new Error(`raw "<" in ${where}`);
  return raw.replace(/&([^;]*);?/g, (whole, body: string) => {
    if (!whole.endsWith(';')) throw new Error(`unterminated entity in ${where}: ${whole}`);
    if (body in ENTITIES) return ENTITIES[body]!;
    const m = /^#(x[0-9a-fA-F]+|\d+)$/.exec(body);
    if (!m) throw new Error(`unknown entity &${body}; in ${where}`);
    return String.fromCodePoint(m[1]!.startsWith('x') ? parseInt(m[1]!.slice(1), 16) : Number(m[1]));
  });
}

/** A strict little XML parser: one root, matched tags, quoted unique attributes, known entities, no control characters. */
function parseXml(xml: string): XmlElement {
  if (/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/.test(xml))
    throw new Error('a character XML 1.0 does not allow');
  let pos = 0;
  const decl = /^<\?xml version="1\.0" encoding="UTF-8"\?>\n/.exec(xml);
  if (!decl) throw new Error('no XML declaration');
  pos = decl[0].length;
  const skipSpace = () => {
    while (/\s/.test(xml[pos] ?? '')) pos++;
  };
  function element(): XmlElement {
    const open = /^<([A-Za-z_][\w.-]*)/.exec(xml.slice(pos));
    if (!open) throw new Error(`expected an element at ${pos}: ${xml.slice(pos, pos + 30)}`);
    pos += open[0].length;
    const el: XmlElement = { name: open[1]!, attrs: {}, children: [], text: '' };
    for (;;) {
      skipSpace();
      if (xml.startsWith('/>', pos)) {
        pos += 2;
        return el;
      }
      if (xml[pos] === '>') {
        pos++;
        break;
      }
      const attr = /^([A-Za-z_][\w.-]*)="([^"]*)"/.exec(xml.slice(pos));
      if (!attr) throw new Error(`bad attribute in <${el.name}> at ${pos}: ${xml.slice(pos, pos + 30)}`);
      if (attr[1]! in el.attrs) throw new Error(`duplicate attribute ${attr[1]}`);
      // Attribute-value normalization: literal whitespace becomes spaces; character references stay.
      el.attrs[attr[1]!] = decode(attr[2]!.replace(/[\t\n\r]/g, ' '), `${el.name}@${attr[1]}`);
      pos += attr[0].length;
    }
    for (;;) {
      const next = xml.indexOf('<', pos);
      if (next < 0) throw new Error(`<${el.name}> is not closed`);
      el.text += decode(xml.slice(pos, next), `<${el.name}> text`);
      pos = next;
      if (xml.startsWith(`</${el.name}>`, pos)) {
        pos += el.name.length + 3;
        return el;
      }
      if (xml.startsWith('</', pos)) throw new Error(`mismatched close tag at ${pos}: ${xml.slice(pos, pos + 30)}`);
      el.children.push(element());
    }
  }
  const root = element();
  skipSpace();
  if (pos !== xml.length) throw new Error(`content after the root element: ${xml.slice(pos, pos + 30)}`);
  return root;
}

const result = (fields: Partial<CheckResult>): CheckResult => ({
  name: 'home',
  container: 'site-web',
  kind: 'daemon',
  passed: true,
  durationMs: 1234,
  message: 'GET http://127.0.0.1:1/: status 200',
  ...fields,
});

test('structure: testsuites > testsuite > testcase, counts and times in seconds', () => {
  const xml = junitXml(
    'site/test',
    [
      result({}),
      result({
        name: 'api',
        passed: false,
        durationMs: 30_001,
        message: 'wanted status 200; last saw status 404',
        details: 'last body:\nnot found',
      }),
      result({ name: 'migrate', container: 'site-db', kind: 'job', durationMs: 5, message: 'exit code 0' }),
    ],
    { timestamp: new Date('2024-05-06T07:08:09.123Z') },
  );
  const root = parseXml(xml);
  assert.is(root.name, 'testsuites');
  assert.equal(root.attrs, { name: 'site/test', tests: '3', failures: '1', errors: '0', skipped: '0', time: '31.240' });
  assert.is(root.children.length, 1);
  const suite = root.children[0]!;
  assert.is(suite.name, 'testsuite');
  assert.equal(suite.attrs, {
    name: 'site/test',
    tests: '3',
    failures: '1',
    errors: '0',
    skipped: '0',
    time: '31.240',
    timestamp: '2024-05-06T07:08:09',
  });
  assert.equal(
    suite.children.map((c) => c.name),
    ['testcase', 'testcase', 'testcase'],
  );
  const [home, api, migrate] = suite.children as [XmlElement, XmlElement, XmlElement];
  assert.equal(home.attrs, { name: 'home', classname: 'site-web', time: '1.234' });
  assert.not.ok(home.children.some((c) => c.name === 'failure'));
  assert.equal(migrate.attrs, { name: 'migrate', classname: 'site-db', time: '0.005' });
  assert.equal(api.attrs, { name: 'api', classname: 'site-web', time: '30.001' });
  const failure = api.children.find((c) => c.name === 'failure')!;
  assert.ok(failure, 'a failed check has a <failure>');
  assert.equal(failure.attrs, { message: 'wanted status 200; last saw status 404', type: 'daemon' });
  assert.is(failure.text, 'wanted status 200; last saw status 404\nlast body:\nnot found');
});

test('escaping: markup, quotes, ampersands, newlines and control characters survive a parse', () => {
  const nasty = `<b>"it's" & </failure> ]]> \u0001bell\u0007\ttab\r\nnew line \u00e9 \ud83d\udc33`;
  const xml = junitXml(`suite "<&>"`, [
    result({ name: `n<"&'>`, container: 'c&d', passed: false, message: nasty, details: `body: ${nasty}` }),
  ]);
  const root = parseXml(xml);
  assert.is(root.attrs.name, `suite "<&>"`);
  const testcase = root.children[0]!.children[0]!;
  assert.is(testcase.attrs.name, `n<"&'>`);
  assert.is(testcase.attrs.classname, 'c&d');
  const failure = testcase.children[0]!;
  // Control characters XML cannot hold become U+FFFD; tab, CR and newline are kept, in attributes too.
  const kept = `<b>"it's" & </failure> ]]> \ufffdbell\ufffd\ttab\r\nnew line \u00e9 \ud83d\udc33`;
  assert.is(failure.attrs.message, kept);
  assert.is(failure.text, `${kept}\nbody: ${kept}`);
  assert.not.ok(xml.includes('\u0001'));
});

test('no results: an empty suite, still valid', () => {
  const root = parseXml(junitXml('empty', []));
  assert.is(root.attrs.tests, '0');
  assert.is(root.attrs.failures, '0');
  assert.is(root.attrs.time, '0.000');
  assert.is(root.children[0]!.children.length, 0);
});

test('xmlEscape: the five characters, and lone surrogates replaced', () => {
  assert.is(xmlEscape(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;');
  assert.is(xmlEscape('a\nb\tc', true), 'a&#10;b&#9;c');
  assert.is(xmlEscape('a\nb\tc'), 'a\nb\tc');
  assert.is(xmlEscape('x\ud800y\udc00z'), 'x\ufffdy\ufffdz');
  assert.is(xmlEscape('\ud83d\udc33'), '\ud83d\udc33');
});

test('passed checks carry their message as system-out', () => {
  const root = parseXml(junitXml('s', [result({ message: 'exit code 0, output matches /ok/' })]));
  const testcase = root.children[0]!.children[0]!;
  assert.equal(
    testcase.children.map((c) => c.name),
    ['system-out'],
  );
  assert.is(testcase.children[0]!.text, 'exit code 0, output matches /ok/');
});

test.run();
