// The `test` command's results as JUnit XML, the format CI systems read: one <testsuite> of
// one <testcase> per check (classname = the container), a <failure> for each failed check.
import type { CheckResult } from './result.ts';

/**
 * Text for XML content and attribute values: the five special characters escaped, characters
 * XML 1.0 cannot hold at all (control characters other than tab/newline/CR, lone surrogates,
 * U+FFFE/U+FFFF) replaced by U+FFFD. In attributes, tab/newline/CR are escaped too, so that a
 * parser's attribute normalization does not turn them into spaces.
 */
export function xmlEscape(text: string, attribute = false): string {
  let out = '';
  for (const ch of text.replace(
    /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g,
    '\uFFFD',
  )) {
    switch (ch) {
      case '&':
        out += '&amp;';
        break;
      case '<':
        out += '&lt;';
        break;
      case '>':
        out += '&gt;';
        break;
      case '"':
        out += '&quot;';
        break;
      case "'":
        out += '&apos;';
        break;
      case '\t':
        out += attribute ? '&#9;' : ch;
        break;
      case '\n':
        out += attribute ? '&#10;' : ch;
        break;
      case '\r':
        out += '&#13;';
        break;
      default:
        out += ch;
    }
  }
  return out;
}

const seconds = (ms: number) => (Math.max(0, ms) / 1000).toFixed(3);

/** A JUnit XML document (UTF-8) for `results`, as one suite named `suiteName`. */
export function junitXml(suiteName: string, results: CheckResult[], options: { timestamp?: Date } = {}): string {
  const failures = results.filter((r) => !r.passed).length;
  const total = seconds(results.reduce((sum, r) => sum + r.durationMs, 0));
  const stamp = (options.timestamp ?? new Date()).toISOString().replace(/\.\d{3}Z$/, '');
  const head = `tests="${results.length}" failures="${failures}" errors="0" skipped="0" time="${total}"`;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xmlEscape(suiteName, true)}" ${head}>`,
    `  <testsuite name="${xmlEscape(suiteName, true)}" ${head} timestamp="${stamp}">`,
  ];
  for (const r of results) {
    const attrs = `name="${xmlEscape(r.name, true)}" classname="${xmlEscape(r.container, true)}" time="${seconds(r.durationMs)}"`;
    if (r.passed) {
      lines.push(
        `    <testcase ${attrs}>`,
        `      <system-out>${xmlEscape(r.message + (r.details ? `\n${r.details}` : ''))}</system-out>`,
        '    </testcase>',
      );
    } else {
      lines.push(
        `    <testcase ${attrs}>`,
        `      <failure message="${xmlEscape(r.message, true)}" type="${r.kind}">${xmlEscape(r.message + (r.details ? `\n${r.details}` : ''))}</failure>`,
        '    </testcase>',
      );
    }
  }
  lines.push('  </testsuite>', '</testsuites>', '');
  return lines.join('\n');
}
