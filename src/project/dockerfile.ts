// The FROM lines of a Dockerfile, as BuildKit reads them: parser directives (escape=`),
// comment lines (also inside continuations), line continuations, heredoc bodies skipped,
// instructions in any case, global ARGs (before the first FROM) with their defaults or the
// build's --build-arg values substituted into FROM ($A, ${A}, ${A:-x}, ${A:+x}),
// `--platform=…`, and `AS name` stages (stage names are case-insensitive).

export interface DockerfileStage {
  /** The FROM image after ARG substitution (a base image, or an earlier stage's name). */
  from: string;
  /** The FROM image as written. */
  raw: string;
  /** 1-based line of the FROM instruction. */
  line: number;
  /** The stage name (`AS name`), lower-cased. */
  name?: string;
  /** True when `from` names an earlier stage rather than an image. */
  fromStage: boolean;
  /** True when a variable in FROM had no value (no ARG default, no build arg). */
  unresolved: boolean;
}

interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

function instructions(text: string): Instruction[] {
  const lines = text.split(/\r\n|\r|\n/);
  // Parser directives: leading "# key=value" comments.
  let escape = '\\';
  for (const line of lines) {
    const directive = /^#\s*([a-zA-Z]+)\s*=\s*(\S+)\s*$/.exec(line);
    if (!directive) break;
    if (directive[1]!.toLowerCase() === 'escape' && (directive[2] === '`' || directive[2] === '\\'))
      escape = directive[2];
  }
  const out: Instruction[] = [];
  let pending: { parts: string[]; line: number } | undefined;
  let heredoc: string | undefined;
  lines.forEach((line, index) => {
    if (heredoc !== undefined) {
      if (line.replace(/^\t+/, '') === heredoc) heredoc = undefined;
      return;
    }
    if (/^\s*#/.test(line)) return; // a comment, even inside a continuation
    if (!pending && line.trim() === '') return;
    const body = line.replace(/\s+$/, '');
    const continues = body.endsWith(escape);
    const part = continues ? body.slice(0, -1) : body;
    if (pending) pending.parts.push(part);
    else pending = { parts: [part], line: index + 1 };
    if (continues) return;
    const full = pending.parts.join('').trim();
    const m = /^(\S+)\s*([\s\S]*)$/.exec(full);
    if (m) {
      out.push({ keyword: m[1]!.toUpperCase(), args: m[2]!, line: pending.line });
      const doc = /<<-?\s*["']?([A-Za-z_][A-Za-z0-9_]*)["']?/.exec(m[2]!);
      if (doc && m[1]!.toUpperCase() !== 'FROM') heredoc = doc[1];
    }
    pending = undefined;
  });
  return out;
}

/** $A, ${A}, ${A:-default}, ${A:+alternative}; unknown variables become "" and are reported. */
function expand(text: string, vars: ReadonlyMap<string, string | undefined>): { value: string; unresolved: boolean } {
  let unresolved = false;
  const value = text.replace(
    /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:[-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (_, braced, op, word, bare) => {
      const name = (braced ?? bare) as string;
      const current = vars.get(name);
      const set = current !== undefined && current !== '';
      if (op === ':-') return set ? current : word;
      if (op === ':+') return set ? word : '';
      if (current === undefined) unresolved = true;
      return current ?? '';
    },
  );
  return { value, unresolved };
}

/** `ARG A=1 B="x y" C` → [["A","1"],["B","x y"],["C",undefined]]. */
function argDeclarations(args: string): [string, string | undefined][] {
  const out: [string, string | undefined][] = [];
  const re = /([A-Za-z_][A-Za-z0-9_]*)(?:=("([^"]*)"|'([^']*)'|(\S*)))?/g;
  for (const m of args.matchAll(re)) out.push([m[1]!, m[2] === undefined ? undefined : (m[3] ?? m[4] ?? m[5] ?? '')]);
  return out;
}

/** The stages of a Dockerfile, in order; `buildArgs` override global ARG defaults. */
export function dockerfileStages(text: string, buildArgs: Readonly<Record<string, string>> = {}): DockerfileStage[] {
  const globals = new Map<string, string | undefined>();
  const stages: DockerfileStage[] = [];
  for (const ins of instructions(text)) {
    if (ins.keyword === 'ARG' && stages.length === 0) {
      for (const [name, fallback] of argDeclarations(ins.args)) {
        globals.set(name, Object.hasOwn(buildArgs, name) ? buildArgs[name] : fallback);
      }
      continue;
    }
    if (ins.keyword !== 'FROM') continue;
    const words = ins.args.split(/\s+/).filter((w) => w && !w.startsWith('--'));
    const raw = words[0] ?? '';
    const name = words.length >= 3 && words[1]!.toLowerCase() === 'as' ? words[2]!.toLowerCase() : undefined;
    const { value, unresolved } = expand(raw, globals);
    const fromStage = stages.some((s) => s.name !== undefined && s.name === value.toLowerCase());
    stages.push({ from: value, raw, line: ins.line, ...(name ? { name } : {}), fromStage, unresolved });
  }
  return stages;
}

/** "docker.io/library/python:3.11@sha256:…" → "python"; "localhost:5000/a/b:1" → "localhost:5000/a/b". */
export function repositoryOf(reference: string): string {
  let ref = reference.split('@')[0]!;
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) ref = ref.slice(0, colon);
  ref = ref.replace(/^(docker\.io|index\.docker\.io|registry-1\.docker\.io)\//, '');
  return ref.replace(/^library\/(?=[^/]+$)/, '');
}

/** The tag of a reference ("latest" when it has none). */
export function tagOf(reference: string): string {
  const ref = reference.split('@')[0]!;
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  return colon > slash ? ref.slice(colon + 1) : 'latest';
}
