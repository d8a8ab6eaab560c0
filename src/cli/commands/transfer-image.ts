// harpoon transfer-image IMAGE DOCK: copy an image from this engine into a dock's engine, the
// save stream piped straight into the dock's load (no temporary file, nothing compressed: both
// ends speak the API), skipped when the dock already has that image id, the id checked on
// arrival. dockerutils did `docker save | gzip | ssh HOST 'gunzip | docker load'`.
// stdout: the image id (or, with --json, the result); progress and messages on stderr.
import type { TransferResult } from '../../index.ts';
import { connect, type GlobalFlags } from '../connect.ts';
import { connectDock, findDock, type NamedDock } from '../docks/connect.ts';
import { engineChoice } from '../engine-choice.ts';
import { dockerTransfer } from '../../project/print-command.ts';
import { formatBytes, formatDuration, shortId } from '../progress-format.ts';
import { progressMode } from '../progress.ts';
import { StopSignals } from '../stop-signals.ts';
import { TransferProgress } from '../transfer-progress.ts';

export interface TransferImageFlags extends GlobalFlags {
  quiet?: boolean;
  json?: boolean;
  /** Print the equivalent docker command line on stdout and do nothing else. */
  printCommand?: boolean;
}

/** What --json prints. */
export interface TransferOutput extends TransferResult {
  dock: string;
  /** The dock's engine URL (a password masked). */
  dockUrl: string;
  /** The id on the dock was checked against the source's (only when something was sent). */
  verified: boolean;
}

export async function transferImage(
  image: string,
  dockName: string,
  flags: TransferImageFlags,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const dock = findDock(dockName, env);
  if (flags.printCommand) {
    process.stdout.write(`${dockerTransfer(image, engineChoice(flags), { context: dock.name })}\n`);
    return 0;
  }

  const source = await connect(flags);
  const destination = await connectDock(dock, env);
  const progress = new TransferProgress(process.stderr, progressMode(process.stderr, flags), {
    image,
    dock: dock.name,
  });
  const stop = new StopSignals();
  try {
    const result = await source.transferImage(destination, image, { onProgress: progress.handle, signal: stop.signal });
    progress.finish();
    report(result, dock, flags);
    return 0;
  } catch (err) {
    progress.finish();
    if (stop.exitCode !== undefined) {
      // The dock unpacks an archive only once it has all of it: an interrupted transfer leaves nothing there.
      process.stderr.write(`harpoon transfer-image: interrupted; nothing was loaded on ${dock.name}\n`);
      return stop.exitCode;
    }
    throw err;
  } finally {
    stop.dispose();
  }
}

function report(result: TransferResult, dock: NamedDock, flags: TransferImageFlags): void {
  if (flags.json) {
    const out: TransferOutput = { ...result, dock: dock.name, dockUrl: dock.url, verified: result.sent };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return;
  }
  if (!flags.quiet) {
    const named = result.tagged.length ? `; named ${result.tagged.join(', ')} there` : '';
    process.stderr.write(
      result.sent
        ? `Transferred ${result.ref} to ${dock.name} (${dock.url}): ${formatBytes(result.bytes)} in ${formatDuration(result.durationMs)}, id ${shortId(result.imageId)} verified${named}\n`
        : `Nothing sent: ${dock.name} already has ${result.ref} (${shortId(result.imageId)})${named}\n`,
    );
  }
  process.stdout.write(`${result.imageId}\n`);
}
