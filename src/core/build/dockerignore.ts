// .dockerignore as the docker CLI reads it (moby's ReadAll + PatternMatcher semantics).
// Matching itself is @balena/dockerignore, a port of Docker's Go implementation.
import ignoreModule from '@balena/dockerignore';
import { posix } from 'node:path';

export interface IgnoreRules {
  /** True when the docker CLI would leave this context-relative path out. */
  ignores(path: string): boolean;
  /** True when there are `!` exceptions, so an ignored directory may still hold kept files. */
  hasExceptions: boolean;
  patterns: string[];
}

/** Parse .dockerignore text: comments and blanks dropped, patterns cleaned, leading "/" removed. */
export function parseDockerignore(text: string): string[] {
  const patterns: string[] = [];
  for (const rawLine of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    // As moby's ReadAll: a comment is a "#" in the first column, checked before trimming.
    if (rawLine.startsWith('#')) continue;
    const line = rawLine.trim();
    if (line === '') continue;
    const negated = line.startsWith('!');
    let pattern = (negated ? line.slice(1) : line).trim();
    if (pattern === '') continue;
    pattern = posix.normalize(pattern);
    if (pattern.length > 1 && pattern.startsWith('/')) pattern = pattern.slice(1);
    if (pattern.length > 1 && pattern.endsWith('/')) pattern = pattern.slice(0, -1);
    patterns.push(negated ? `!${pattern}` : pattern);
  }
  return patterns;
}

// The package is CommonJS with an ESM-style `export default` in its types.
type IgnoreFactory = () => { add(patterns: string[]): { ignores(path: string): boolean } };
const ignore = ((ignoreModule as unknown as { default?: IgnoreFactory }).default ??
  ignoreModule) as unknown as IgnoreFactory;

export function ignoreRules(patterns: string[]): IgnoreRules {
  const matcher = ignore().add(patterns);
  return {
    ignores: (path) => matcher.ignores(path),
    hasExceptions: patterns.some((p) => p.startsWith('!')),
    patterns,
  };
}
