// Move an image from one engine to another, `docker save IMG | docker -H OTHER load` without
// the CLI and without a temporary file: the source's save stream is piped, through a byte
// counter, straight into the destination's load request.
//   1. inspect the image on the source (its id and size);
//   2. if the destination already has that id, send nothing (only add the name if missing);
//   3. else stream save → load, reporting bytes moved (total: the image's size, an estimate);
//   4. verify the id on arrival (ImageMismatchError if it differs), then name it as on the source.
// The archive is saved by id: a name moved on the source mid-transfer cannot swap the image.
import { pipeline, Transform, type TransformCallback } from 'node:stream';
import type { Harpoon } from '../client.ts';
import { AbortedError, EngineError, ImageNotFoundError, throwIfAborted } from '../errors.ts';
import { ProgressTask } from '../task.ts';
import { ImageMismatchError } from './errors.ts';
import { runLoad, type LoadEvent } from './load.ts';
import { parseReference } from './reference.ts';
import { saveImages } from './save.ts';
import { tagImage } from './tag.ts';

/** One progress event of a transfer: start, skipped, bytes moved, the destination's load, tagged, verified. */
export type TransferEvent =
  /** Bytes are about to flow; `total` is the image's size on the source, an estimate of the archive's. */
  | { type: 'start'; imageId: string; total: number }
  /** The destination already has this image: nothing is sent. */
  | { type: 'skipped'; imageId: string; reason: string }
  /** Archive bytes moved so far; the last event has `done: true` and the exact total. */
  | { type: 'bytes'; bytes: number; total: number; done: boolean }
  /** A progress event of the destination's load (it registers layers once the archive is in). */
  | { type: 'load'; event: LoadEvent }
  /** The destination now has the image under this name. */
  | { type: 'tagged'; ref: string }
  /** The image on the destination has the source's id. */
  | { type: 'verified'; imageId: string };

/** Options of a transfer: progress callback and interval, an abort signal. */
export interface TransferOptions {
  /** Called with every progress event (the task is also async-iterable). */
  onProgress?: (event: TransferEvent) => void;
  /** Aborting stops both requests; the destination then loads nothing (it unpacks the whole archive first). */
  signal?: AbortSignal;
  /** Least milliseconds between two `bytes` events (default 100). */
  progressInterval?: number;
}

/** A finished transfer: the image id, whether anything was sent, bytes, names added, duration. */
export interface TransferResult {
  ref: string;
  imageId: string;
  /** False when the destination already had the image. */
  sent: boolean;
  /** Archive bytes sent (0 when nothing was sent). */
  bytes: number;
  /** Names added on the destination. */
  tagged: string[];
  durationMs: number;
}

/** A running transfer: await it for the TransferResult, or iterate it for TransferEvents. */
export type TransferTask = ProgressTask<TransferEvent, TransferResult>;

/** Copy `ref` (a name or id) from one engine to another; await it, or iterate it for progress. */
export function transferImage(from: Harpoon, to: Harpoon, ref: string, options: TransferOptions = {}): TransferTask {
  return new ProgressTask<TransferEvent, TransferResult>(
    (emit) => runTransfer(from, to, ref, options, emit),
    options.onProgress,
  );
}

const ID_REF = /^(sha256:)?[0-9a-f]{6,64}$/;

async function imageIdOn(client: Harpoon, ref: string): Promise<string | undefined> {
  try {
    return (await client.inspectImage(ref)).Id;
  } catch (err) {
    if (err instanceof ImageNotFoundError) return undefined;
    throw err;
  }
}

/** Counts the bytes that pass; reports at most every `interval` ms, and once at the end. */
class ByteCounter extends Transform {
  bytes = 0;
  #last = 0;
  readonly #report: (bytes: number, done: boolean) => void;
  readonly #interval: number;

  constructor(interval: number, report: (bytes: number, done: boolean) => void) {
    super();
    this.#interval = interval;
    this.#report = report;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const first = this.bytes === 0;
    this.bytes += chunk.length;
    const now = Date.now();
    if (first || now - this.#last >= this.#interval) {
      this.#last = now;
      this.#report(this.bytes, false);
    }
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.#report(this.bytes, true);
    callback();
  }
}

async function runTransfer(
  from: Harpoon,
  to: Harpoon,
  ref: string,
  options: TransferOptions,
  emit: (event: TransferEvent) => void,
): Promise<TransferResult> {
  const started = Date.now();
  const action = `Transferring ${ref}`;
  const { signal } = options;
  throwIfAborted(signal, action);

  const source = await from.inspectImage(ref);
  const imageId = source.Id;
  // The name to give it on the destination, as on the source (none for an id or a digest).
  const parsed = parseReference(ref, 'ref');
  const isId = ID_REF.test(ref) && imageId.replace(/^sha256:/, '').startsWith(ref.replace(/^sha256:/, ''));
  const name = isId || parsed.digest ? undefined : `${parsed.repository}:${parsed.tag ?? 'latest'}`;

  const tagged: string[] = [];
  const nameIt = async () => {
    if (!name || (await imageIdOn(to, name)) === imageId) return;
    await tagImage(to.engine, imageId, name);
    tagged.push(name);
    emit({ type: 'tagged', ref: name });
  };

  if ((await imageIdOn(to, imageId)) === imageId) {
    emit({ type: 'skipped', imageId, reason: `the destination already has ${imageId}` });
    await nameIt();
    return { ref, imageId, sent: false, bytes: 0, tagged, durationMs: Date.now() - started };
  }

  const total = source.Size;
  emit({ type: 'start', imageId, total });
  throwIfAborted(signal, action);

  const archive = await saveImages(from.engine, imageId, signal ? { signal } : {});
  const counter = new ByteCounter(options.progressInterval ?? 100, (bytes, done) =>
    emit({ type: 'bytes', bytes, total: done ? bytes : total, done }),
  );
  // The source's own failure (its connection dropped mid-archive), to name the right engine.
  let saveError: unknown;
  archive.once('error', (err) => (saveError ??= err));
  // An error on either side destroys both: the load request dies with a failing save, and
  // the save stops when the destination stops reading.
  pipeline(archive, counter, () => {});

  let loaded;
  try {
    loaded = await runLoad(to.engine, counter, signal ? { signal } : {}, (event) => emit({ type: 'load', event }));
  } catch (err) {
    archive.destroy();
    if (signal?.aborted) throw new AbortedError(action, signal.reason);
    // The load request failed with the save stream's error: the source is to blame.
    if (saveError !== undefined && (err === saveError || (err as { cause?: unknown }).cause === saveError)) {
      const why = saveError instanceof Error ? saveError.message : String(saveError);
      throw new EngineError(
        `The source engine (${from.describe()}) broke off the archive of ${ref} after ${counter.bytes} bytes: ${why}`,
        undefined,
        { cause: saveError },
      );
    }
    throw err;
  }

  const arrived = loaded.images.find((image) => image.id === imageId)?.id ?? (await imageIdOn(to, imageId));
  if (arrived !== imageId) throw new ImageMismatchError(ref, imageId, loaded.images[0]?.id ?? arrived);
  emit({ type: 'verified', imageId });
  await nameIt();
  return { ref, imageId, sent: true, bytes: counter.bytes, tagged, durationMs: Date.now() - started };
}
