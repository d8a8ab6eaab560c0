// Every relative Markdown link in the repository (`](path)`, `](path#heading)`) must lead to a
// file, and its #heading to a heading of that file. Run: npx tsx scripts/check-doc-links.ts
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';

const root = join(dirname(new URL(import.meta.url).pathname), '..');
const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '*.md'], { cwd: root, encoding: 'utf8' })
  .split('\n')
  .filter(Boolean);
// GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens.
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\w\- ]/g, '')
    .replace(/ /g, '-');
let broken = 0;
for (const file of files) {
  const text = readFileSync(join(root, file), 'utf8').replace(/```[\s\S]*?```/g, '');
  for (const [, target = ''] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^[a-z]+:/.test(target)) continue;
    const [path = '', anchor] = target.split('#');
    const full = path ? normalize(join(root, dirname(file), path)) : join(root, file);
    if (!existsSync(full)) {
      console.log(`${file}: ${target}: no such file`);
      broken++;
    } else if (anchor && full.endsWith('.md')) {
      const headings = [...readFileSync(full, 'utf8').matchAll(/^#+ (.*)$/gm)].map((m) => slug(m[1] ?? ''));
      if (!headings.includes(anchor)) {
        console.log(`${file}: ${target}: no heading #${anchor}`);
        broken++;
      }
    }
  }
}
console.log(`${files.length} Markdown files, ${broken} broken links`);
process.exitCode = broken ? 1 : 0;
