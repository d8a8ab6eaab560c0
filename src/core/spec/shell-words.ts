// A shell-like string split into words, as Python's shlex.split (POSIX mode, no comments) does
// it — dockerutils split every command it ran that way: whitespace separates words; '…' is
// literal; in "…" a backslash escapes only " and \; outside quotes a backslash escapes the next
// character; quotes join with what touches them (a"b"'c' is one word abc; '' is an empty word).
// In core because the project model and the orchestrator both split commands this way.
// One difference: backslash-newline is a line continuation (removed), as in a shell.
// No variables, globs, or operators: "|" and "&&" are plain characters.
import { ValueError } from './value-error.ts';

export function shellWords(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      i++;
      continue;
    }
    if (c === '\\' && text[i + 1] === '\n') {
      // A shell line continuation (shlex would keep the newline): nothing.
      i += 2;
      continue;
    }
    inWord = true;
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new ValueError(`no closing quotation: ${text.slice(i)}`);
      word += text.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      const start = i++;
      for (;;) {
        if (i >= text.length) throw new ValueError(`no closing quotation: ${text.slice(start)}`);
        const d = text[i]!;
        if (d === '"') {
          i++;
          break;
        }
        if (d === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\')) {
          word += text[i + 1];
          i += 2;
        } else {
          word += d;
          i++;
        }
      }
    } else if (c === '\\') {
      if (i + 1 >= text.length) throw new ValueError('a "\\" at the end has no character to escape');
      word += text[i + 1];
      i += 2;
    } else {
      word += c;
      i++;
    }
  }
  if (inWord) words.push(word);
  return words;
}
