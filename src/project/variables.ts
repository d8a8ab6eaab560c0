// Replacement variables in config values, in one pass over the text (a replaced value is never
// scanned again):
//   {name}            a named value the key supports ({project_root}, {user}, … for volumes;
//                     {account}, {region}, {image}, {tag}, {user} for publication_tag);
//                     "{{" and "}}" are literal braces (Python's str.format, which dockerutils used)
//   $NAME, ${NAME}    an environment variable (Python's string.Template, which dockerutils used);
//                     "$$" is a literal "$"
// Unlike dockerutils, an unset variable is an error (dockerutils crashed with a KeyError), and
// ${NAME} works in volumes too (dockerutils' str.format choked on its braces).
import { ValueError } from './errors.ts';

export type EnvLookup = (name: string) => string | undefined;

export interface Substitution {
  /** The {name} replacements this value supports; without it, braces are plain characters. */
  braces?: Readonly<Record<string, string>>;
  /** Environment variables for $NAME; without it, "$" is a plain character. */
  env?: EnvLookup;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*/;
const BRACED = /^\{([A-Za-z_][A-Za-z0-9_]*)\}/;

export function substitute(text: string, how: Substitution): string {
  let out = '';
  let i = 0;
  const braceNames = () => Object.keys(how.braces ?? {}).map((n) => `{${n}}`);
  while (i < text.length) {
    const c = text[i]!;
    const rest = text.slice(i + 1);
    if (c === '$' && how.env) {
      if (rest.startsWith('$')) {
        out += '$';
        i += 2;
        continue;
      }
      const name = BRACED.exec(rest)?.[1] ?? IDENTIFIER.exec(rest)?.[0];
      if (name === undefined) {
        throw new ValueError(
          `"$" must start $NAME or \${NAME} (found ${JSON.stringify(text.slice(i, i + 12))}); write $$ for a literal "$"`,
        );
      }
      const value = how.env(name);
      if (value === undefined) throw new ValueError(`environment variable $${name} is not set`);
      out += value;
      i += 1 + (rest.startsWith('{') ? name.length + 2 : name.length);
      continue;
    }
    if ((c === '{' || c === '}') && how.braces) {
      if (rest.startsWith(c)) {
        out += c;
        i += 2;
        continue;
      }
      if (c === '}') throw new ValueError('a single "}" has no "{"; write }} for a literal "}"', braceNames());
      const close = rest.indexOf('}');
      if (close < 0) throw new ValueError('a "{" has no closing "}"; write {{ for a literal "{"', braceNames());
      const name = rest.slice(0, close);
      if (!Object.hasOwn(how.braces, name)) {
        throw new ValueError(`unknown replacement variable {${name}}`, braceNames());
      }
      out += how.braces[name];
      i += close + 2;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

/** Checks a value's {name} and $NAME syntax without needing the values (every $NAME counts as set). */
export function checkSyntax(text: string, braceNames: readonly string[] | undefined, env: boolean): void {
  substitute(text, {
    ...(braceNames ? { braces: Object.fromEntries(braceNames.map((n) => [n, ''])) } : {}),
    ...(env ? { env: () => '' } : {}),
  });
}

/** An EnvLookup over a plain object (process.env or a test's own). */
export function envLookup(env: Readonly<Record<string, string | undefined>>): EnvLookup {
  return (name) => (Object.hasOwn(env, name) ? env[name] : undefined);
}
