// harpoon publish-image NAME: tag the project image `<project>-<NAME>:<tag>` as its
// publication_tag (docker/dockerutils.cfg) and push it, with per-layer progress.
// Credentials come from HARPOON_REGISTRY_USER/PASSWORD or the docker config (auths, credsStore,
// credHelpers) and travel only in the X-Registry-Auth header: never on a command line, never in
// output (dockerutils printed the registry password and passed it on argv).
// stdout: `repository@digest`, what pulls exactly this image back (or, with --json, the result).
import { type PushResult } from '../../index.ts';
import { environmentCredentials } from '../../core/image/auth.ts';
import { connect, type GlobalFlags } from '../connect.ts';
import { engineChoice } from '../engine-choice.ts';
import { dockerLoginFromEnv, dockerPush, dockerTag, formatCommand } from '../../project/print-command.ts';
import { projectContext } from '../../project/context.ts';
import { resolvePublication, type Publication } from '../../project/model.ts';
import { progressMode } from '../progress.ts';
import { PushProgress } from '../push-progress.ts';
import { StopSignals } from '../stop-signals.ts';

export interface PublishImageFlags extends GlobalFlags {
  quiet?: boolean;
  json?: boolean;
  /** Print the equivalent docker command lines on stdout and do nothing else. */
  printCommand?: boolean;
  /** {account} of publication_tag (else AWS_ACCOUNT_ID). */
  account?: string;
  /** {region} of publication_tag (else AWS_REGION, AWS_DEFAULT_REGION). */
  region?: string;
}

/** What --json prints (credentialsSource null: none were sent). */
export type PublishOutput = Publication & Omit<PushResult, 'credentialsSource'> & { credentialsSource: string | null };

export async function publishImage(
  name: string,
  flags: PublishImageFlags,
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): Promise<number> {
  const publication = await resolvePublication(cwd, name, projectContext(env), {
    account: flags.account ?? env.AWS_ACCOUNT_ID,
    region: flags.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION,
  });
  if (flags.printCommand) {
    process.stdout.write(
      printedCommands(publication, flags, env)
        .map((line) => `${line}\n`)
        .join(''),
    );
    return 0;
  }

  const client = await connect(flags);
  await client.tagImage(publication.source, publication.target);
  const progress = new PushProgress(process.stderr, progressMode(process.stderr, flags));
  const stop = new StopSignals();
  try {
    const result = await client.pushImage(publication.target, {
      credentialLookup: { env },
      onProgress: progress.handle,
      signal: stop.signal,
    });
    progress.finish();
    report(publication, result, flags);
    return 0;
  } catch (err) {
    progress.finish();
    if (stop.exitCode !== undefined) {
      process.stderr.write(`harpoon publish-image: interrupted; the push of ${publication.target} was cancelled\n`);
      return stop.exitCode;
    }
    throw err;
  } finally {
    stop.dispose();
  }
}

/** docker tag + docker push; a `docker login` first when the credentials come from the environment. */
export function printedCommands(publication: Publication, flags: GlobalFlags, env: NodeJS.ProcessEnv): string[] {
  const engine = engineChoice(flags);
  const fromEnv = environmentCredentials(publication.registry, env);
  return [
    ...(fromEnv ? [dockerLoginFromEnv(publication.registry, fromEnv.username ?? '')] : []),
    formatCommand(dockerTag(publication.source, publication.target, engine)),
    formatCommand(dockerPush(publication.target, engine)),
  ];
}

function report(publication: Publication, result: PushResult, flags: PublishImageFlags): void {
  if (flags.json) {
    const out: PublishOutput = { ...publication, ...result, credentialsSource: result.credentialsSource ?? null };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return;
  }
  if (!flags.quiet) {
    const credentials = result.credentialsSource
      ? `credentials from ${result.credentialsSource}`
      : 'no credentials sent';
    process.stderr.write(
      `Published ${publication.image} (${publication.source}) as ${publication.target}, digest ${result.digest} (${credentials})\n`,
    );
  }
  process.stdout.write(`${result.pinned}\n`);
}
