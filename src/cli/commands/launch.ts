// harpoon launch IMAGE: start a web app from a spec built out of flags, wait until it is
// ready, print its URL. The container outlives the command (no reaper); remove it with
// `harpoon purge`.
import { readFile } from 'node:fs/promises';
import { InvalidInputError, Launcher, type LaunchSpec } from '../../index.ts';
import { parseWaitFlag } from '../../launcher/readiness.ts';
import { normalizeSpec, type InputFile, type InputMode } from '../../launcher/spec.ts';
import { inputEntries } from '../../launcher/input.ts';
import { connect, type GlobalFlags } from '../connect.ts';
import { UsageError } from '../exit.ts';
import { parseKeyValues } from './key-values.ts';

export interface LaunchFlags extends GlobalFlags {
  name?: string;
  port?: string;
  input?: string;
  inputMode?: string;
  inputPath?: string;
  inputUrl?: string;
  file: string[];
  wait: string[];
  timeout?: string;
  mem?: string;
  memLimit?: string;
  cpus?: string;
  env: string[];
  label: string[];
  keepOnFailure?: boolean;
  json?: boolean;
}

function number(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`${flag} "${value}" is not a number >= 0`);
  return n;
}

/** --file SRC[:DEST]: a host file, landing at DEST (absolute, or under the input files directory). */
export function parseFileFlag(item: string): InputFile {
  const at = item.indexOf(':');
  if (at === -1) return { source: item };
  const [source, path] = [item.slice(0, at), item.slice(at + 1)];
  if (!source || !path) throw new UsageError(`--file "${item}": expected SRC or SRC:DEST`);
  return { source, path };
}

async function readInput(from: string): Promise<Buffer> {
  if (from !== '-')
    return readFile(from).catch((err: NodeJS.ErrnoException) => {
      throw new InvalidInputError('--input', `cannot read ${from}: ${err.code ?? err.message}`);
    });
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function specFromFlags(image: string, flags: LaunchFlags): Promise<LaunchSpec> {
  // Before reading the input: `--input -` would wait for stdin first.
  if (flags.inputMode === 'url' && flags.input !== undefined)
    throw new UsageError('--input-mode url takes --input-url, not --input');
  const timeout = number('--timeout', flags.timeout);
  if (timeout === 0) throw new UsageError('--timeout 0: give a number of seconds > 0 (or omit it for 60)');
  const spec: LaunchSpec = {
    image,
    ...(flags.name ? { name: flags.name } : {}),
    ...(flags.port ? { containerPort: number('--port', flags.port) as number } : {}),
    ...(flags.input !== undefined ? { inputText: await readInput(flags.input) } : {}),
    ...(flags.inputMode ? { inputMode: flags.inputMode as InputMode } : {}),
    ...(flags.inputPath ? { inputPath: flags.inputPath } : {}),
    ...(flags.inputUrl ? { inputUrl: flags.inputUrl } : {}),
    files: flags.file.map(parseFileFlag),
    env: parseKeyValues(flags.env, '-e'),
    labels: parseKeyValues(flags.label, '--label'),
    ...(flags.wait.length ? { ready: flags.wait.map(parseWaitFlag) } : {}),
    ...(timeout !== undefined ? { readyTimeoutMs: Math.max(1, Math.ceil(timeout * 1000)) } : {}),
    ...(flags.mem ? { memoryReservationMb: number('--mem', flags.mem) as number } : {}),
    ...(flags.memLimit ? { memoryLimitMb: number('--mem-limit', flags.memLimit) as number } : {}),
    ...(flags.cpus ? { cpus: number('--cpus', flags.cpus) as number } : {}),
    ...(flags.keepOnFailure ? { keepOnFailure: true } : {}),
  };
  return spec;
}

// The spec's field names, as the flags that set them: errors should name what the user typed.
const FLAG_FOR_FIELD: Array<[RegExp, string]> = [
  [/^inputText|^input$/, '--input'],
  [/^containerPort/, '--port'],
  [/^inputMode/, '--input-mode'],
  [/^inputPath/, '--input-path'],
  [/^inputUrl/, '--input-url'],
  [/^files/, '--file'],
  [/^labels/, '--label'],
  [/^env/, '-e'],
  [/^memoryReservationMb/, '--mem'],
  [/^memoryLimitMb/, '--mem-limit'],
  [/^cpus/, '--cpus'],
  [/^name/, '--name'],
  [/^readyTimeoutMs/, '--timeout'],
  [/^ready/, '--wait'],
];

export function asFlagError(err: unknown): unknown {
  if (!(err instanceof InvalidInputError)) return err;
  const flag = FLAG_FOR_FIELD.find(([pattern]) => pattern.test(err.field))?.[1];
  if (!flag) return err;
  const detail = err.message.slice(err.field.length + 2);
  return new UsageError(
    `${flag}: ${detail}${flag === '--file' || flag === '--label' || flag === '-e' ? ` (${err.field})` : ''}`,
  );
}

export async function launch(image: string, flags: LaunchFlags): Promise<number> {
  const spec = await specFromFlags(image, flags);
  try {
    // The same checks launch() makes, up front (before connecting), so errors can name flags.
    const normal = normalizeSpec(spec);
    if (normal.files.length) await inputEntries(normal);
  } catch (err) {
    throw asFlagError(err);
  }
  const client = await connect(flags);
  const launcher = new Launcher(client, { reap: false });
  // A signal while waiting: the launch removes its half-started container; exit 128 + n as docker does.
  const abort = new AbortController();
  let exitOnSignal = 130;
  const onSigint = () => abort.abort(new Error('interrupted'));
  const onSigterm = () => {
    exitOnSignal = 143;
    abort.abort(new Error('terminated'));
  };
  process.once('SIGINT', onSigint);
  process.once('SIGTERM', onSigterm);
  if (process.stderr.isTTY && !flags.json)
    process.stderr.write(`Launching ${spec.name ?? 'a container'} from ${image}, waiting until it is ready...\n`);
  try {
    const launched = await launcher.launch(spec, { signal: abort.signal });
    process.stdout.write(flags.json ? `${JSON.stringify(launched, null, 2)}\n` : `${launched.url}\n`);
    return 0;
  } catch (err) {
    if (abort.signal.aborted) return exitOnSignal;
    throw err;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
  }
}
