// What publish-image publishes: the project image's local reference (`<project>-<image>:<tag>`)
// and its publication_tag resolved ({account}, {region}, {image}, {tag}, {user}, $VAR).
import { InvalidInputError } from '../core/errors.ts';
import { parseReference, type ImageReference } from '../core/image/reference.ts';
import { loadProjectConfig, locate } from './config.ts';
import { ProjectConfigError, ProjectImageError } from './errors.ts';
import { loadCatalogue } from './images.ts';
import { openProjectRoot } from './root.ts';
import { publicationTag, publishSettings, type ProjectContext } from './settings.ts';

export interface Publication {
  /** The image's name on the command line (its folder). */
  image: string;
  /** The local image: `<project>-<image>:<tag>`. */
  source: string;
  /** Where it is published: the resolved publication_tag. */
  target: string;
  /** The target's registry host ("127.0.0.1:5000", "docker.io"). */
  registry: string;
}

export interface AwsValues {
  /** {account}: an AWS account id. */
  account?: string | undefined;
  /** {region}: an AWS region. */
  region?: string | undefined;
}

/** A {name} that is not a literal "{{name}}". */
const uses = (text: string, name: string): boolean => new RegExp(`(^|[^{])\\{${name}\\}`).test(text);

/** The publication of `image` in the project around `cwd`. */
export async function resolvePublication(
  cwd: string,
  image: string,
  ctx: ProjectContext,
  aws: AwsValues = {},
): Promise<Publication> {
  const project = await openProjectRoot(cwd);
  const config = await loadProjectConfig(project);
  const catalogue = await loadCatalogue(config, ctx);
  const entry = catalogue.images.get(image);
  if (!entry) throw new ProjectImageError(image, 'the project has no such image', project.imageFolders);

  // Throws for synthetic and configuration-only images, which have nothing to publish.
  const raw = publishSettings(config, image).publicationTag;
  if (!raw)
    throw new ProjectImageError(
      image,
      `it has no publication_tag in ${config.file} (e.g. publication_tag = 127.0.0.1:5000/{image}:{tag})`,
    );
  for (const [name, flag, variable] of [
    ['account', '--account', 'AWS_ACCOUNT_ID'],
    ['region', '--region', 'AWS_REGION'],
  ] as const) {
    if (uses(raw.value, name) && !aws[name]) {
      throw new ProjectImageError(
        image,
        `its publication_tag (${config.file} line ${raw.entry.line}) uses {${name}}: pass ${flag} or set ${variable}`,
      );
    }
  }
  const target = publicationTag(config, image, ctx, {
    account: aws.account ?? '',
    region: aws.region ?? '',
    image: entry.repository,
    tag: entry.tag,
  })!;
  let ref: ImageReference;
  try {
    ref = parseReference(target, 'publication_tag');
  } catch (err) {
    if (!(err instanceof InvalidInputError)) throw err;
    throw new ProjectConfigError(
      locate(config, raw),
      `it resolves to "${target}", which is not an image reference ([REGISTRY/]NAME[:TAG])`,
    );
  }
  if (ref.digest)
    throw new ProjectConfigError(
      locate(config, raw),
      `it resolves to "${target}", which holds a digest; a publication is REPOSITORY[:TAG]`,
    );
  return { image, source: entry.reference, target, registry: ref.registry };
}
