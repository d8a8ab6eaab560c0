// Turns what dockerode / the wire throws into harpoon's typed errors.
import type { Endpoint } from './endpoint.ts';
import {
  AbortedError,
  CommandNotExecutableError,
  CommandNotFoundError,
  ContainerNotFoundError,
  EngineError,
  EngineUnreachableError,
  HarpoonError,
  ImageNotFoundError,
  NameConflictError,
} from './errors.ts';

export interface ErrorContext {
  endpoint: Endpoint;
  /** What the call was about, to name it in the error. */
  image?: string;
  container?: string;
  name?: string;
  /** What was being done, for "aborted" messages. */
  action?: string;
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'EACCES',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EPIPE',
]);

export function engineMessageOf(err: unknown): string {
  const e = err as { json?: { message?: string } | string; reason?: string; message?: string };
  if (e?.json && typeof e.json === 'object' && e.json.message) return e.json.message;
  if (typeof e?.json === 'string' && e.json) return e.json.trim();
  return e?.message ?? String(err);
}

export function toHarpoonError(err: unknown, ctx: ErrorContext): HarpoonError {
  if (err instanceof HarpoonError) return err;
  const e = err as { statusCode?: number; code?: string; name?: string };
  if (e?.name === 'AbortError' || e?.code === 'ABORT_ERR') return new AbortedError(ctx.action ?? 'The request', err);
  if (e?.code && CONNECTION_CODES.has(e.code) && e.statusCode === undefined)
    return new EngineUnreachableError(ctx.endpoint, err);
  const message = engineMessageOf(err);
  const status = e?.statusCode;
  if (status === 404) {
    if (
      /no such image|not found: manifest unknown|pull access denied|repository does not exist/i.test(message) &&
      ctx.image
    )
      return new ImageNotFoundError(ctx.image, message);
    if (/no such container/i.test(message) || ctx.container)
      return new ContainerNotFoundError(ctx.container ?? ctx.name ?? message);
    if (ctx.image) return new ImageNotFoundError(ctx.image, message);
  }
  if (status === 409 && /already in use/i.test(message) && ctx.name) return new NameConflictError(ctx.name, message);
  const start = classifyStartFailure(message);
  if (start) return start;
  return new EngineError(message, status, { cause: err });
}

/** The docker CLI's 126/127 distinction, read from the runtime's error text. */
export function classifyStartFailure(message: string): HarpoonError | undefined {
  if (!/OCI runtime|exec:|starting container process/i.test(message)) return undefined;
  if (/executable file not found|no such file or directory/i.test(message)) return new CommandNotFoundError(message);
  if (/permission denied|exec format error|is a directory/i.test(message))
    return new CommandNotExecutableError(message);
  return undefined;
}
