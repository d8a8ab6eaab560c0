// Integration: `harpoon build-image NAME|all|clean` as a real process, inside projects of this
// test's own in a temporary folder. The main project has two images named so that directory
// order is the wrong build order: `base` (FROM scratch + the host's busybox) and `app`
// (multi-stage, FROM <project>-base, with a `builder` stage), and a dockerutils.cfg with pre and
// post build scripts that append to a log in the project root. Other small projects hold
// failing scripts, a failing Dockerfile and broken configs. No registry is ever contacted: -p
// has nothing to pull here, and says so. Every image carries this run's test label (build_args
// --label) and is removed at the end.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pack } from 'tar-stream';
import { HOST_BUSYBOX, IMAGE_LABEL, type Harpoon } from 'harpoon';
import type { BuildImageOutput, CleanOutput } from '../../src/cli/commands/build-image.ts';
import { cliEnv, HARPOON_BIN, harpoonCli, showResult, type CliResult } from '../helpers/cli.ts';
import { RUN_ID, TEST_LABEL, testLabels } from '../helpers/engine.ts';
import { engineTests } from '../helpers/integration.ts';
import { PtySession } from '../helpers/pty.ts';

const USER = 'tester';
const root = mkdtempSync(join(tmpdir(), 'harpoon-cli-build-image-'));
const PROJECT = `hpb-${RUN_ID}`;
const projectDir = join(root, PROJECT);
const LABEL = `--label ${TEST_LABEL}=${RUN_ID}`;
const ref = (image: string, tag = USER, project = PROJECT) => `${project}-${image}:${tag}`;
const sessions: PtySession[] = [];

/** Write a project: docker/<image>/Dockerfile for each entry, docker/dockerutils.cfg, a copy of busybox. */
function writeProject(dir: string, dockerfiles: Record<string, string>, cfg: string[]): void {
  for (const [image, text] of Object.entries(dockerfiles)) {
    mkdirSync(join(dir, 'docker', image), { recursive: true });
    writeFileSync(join(dir, 'docker', image, 'Dockerfile'), text);
  }
  copyFileSync(HOST_BUSYBOX, join(dir, 'busybox'));
  writeFileSync(join(dir, 'docker', 'dockerutils.cfg'), `${cfg.join('\n')}\n`);
}

const BASE_DOCKERFILE =
  'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\nCMD ["sh"]\n';
const log = (phase: string) =>
  `sh -c 'echo "${phase} $HARPOON_IMAGE $HARPOON_IMAGE_REFERENCE \${HARPOON_IMAGE_ID:--} $(pwd)" >> build-log.txt'`;

const onEngine = await engineTests({
  ready: () => {
    writeProject(
      projectDir,
      {
        base: BASE_DOCKERFILE,
        app: [
          `FROM ${ref('base')} AS builder`,
          'RUN echo made-by-the-builder > /built.txt',
          `FROM ${ref('base')}`,
          'ARG GREETING=none',
          'COPY --from=builder /built.txt /built.txt',
          'RUN echo "$GREETING" > /greeting.txt',
          '',
        ].join('\n'),
      },
      [
        '# two images: app is built FROM base',
        '[base]',
        `build_args = ${LABEL}`,
        `pre_build_script = ${log('pre')}`,
        `post_build_script = ${log('post')}`,
        '',
        '[app]',
        `build_args = ${LABEL} --build-arg GREETING=a=b=c`,
        `pre_build_script = ${log('pre')}`,
        `post_build_script = ${log('post')}`,
        'pull_FROM_on_force = True',
      ],
    );
  },
  after: () => {
    for (const session of sessions) session.kill();
    rmSync(root, { recursive: true, force: true });
  },
});

const it = onEngine;
const env = (extra: NodeJS.ProcessEnv = {}) => cliEnv({ LOGNAME: USER, USER, ...extra });
const buildImage = (args: string[], cwd = projectDir): Promise<CliResult> =>
  harpoonCli(['build-image', ...args], { env: env(), cwd });

async function labelsOf(client: Harpoon, reference: string): Promise<Record<string, string>> {
  return (await client.inspectImage(reference)).Config.Labels ?? {};
}

/** The lines of stdout: `REFERENCE ID`. */
const builtLines = (r: CliResult) =>
  r.stdout
    .trim()
    .split('\n')
    .map((line) => line.split(' ') as [string, string]);

it('all: base before app (FROM order, not directory order), scripts around each build, the builder stage tagged, harpoon labels', async (client) => {
  rmSync(join(projectDir, 'build-log.txt'), { force: true });
  const r = await buildImage(['all']);
  assert.is(r.code, 0, showResult(r));
  // Progress on stderr, in order; no terminal, so no escape sequences.
  const base = r.stderr.indexOf(`==> [1/2] base: building ${ref('base')}`);
  const app = r.stderr.indexOf(`==> [2/2] app: building ${ref('app')} (its builder stage as ${ref('app-builder')})`);
  assert.ok(base >= 0 && app > base, r.stderr);
  assert.match(r.stderr, /^Step 1\/\d+ : FROM scratch$/m);
  assert.match(r.stderr, new RegExp(`^Built ${ref('base')} \\(sha256:[0-9a-f]{12}\\) in `, 'm'));
  assert.not.match(r.stderr, /\x1b/);

  // stdout: REFERENCE ID for each image, the builder before its image.
  const lines = builtLines(r);
  assert.equal(
    lines.map(([reference]) => reference),
    [ref('base'), ref('app-builder'), ref('app')],
  );
  for (const [reference, id] of lines) {
    assert.is((await client.inspectImage(reference)).Id, id);
    const labels = await labelsOf(client, reference);
    assert.is(labels[IMAGE_LABEL], 'true', `${reference} carries ${IMAGE_LABEL}`);
    assert.is(labels[TEST_LABEL], RUN_ID);
  }

  // The scripts ran in the project root, pre before post, base before app, with the image id after the build.
  const ids = Object.fromEntries(lines);
  assert.equal(readFileSync(join(projectDir, 'build-log.txt'), 'utf8').trim().split('\n'), [
    `pre base ${ref('base')} - ${projectDir}`,
    `post base ${ref('base')} ${ids[ref('base')]} ${projectDir}`,
    `pre app ${ref('app')} - ${projectDir}`,
    `post app ${ref('app')} ${ids[ref('app')]} ${projectDir}`,
  ]);

  // app is built FROM this very base, with the builder's output, and the build arg a=b=c kept whole.
  const run = await client.run({ image: ref('app'), cmd: ['cat', '/built.txt', '/greeting.txt'], labels: testLabels });
  assert.is(run.stdout, 'made-by-the-builder\na=b=c\n');
  const history = await client.docker.getImage(ref('app')).history();
  assert.ok(
    history.some((layer: { Id: string }) => layer.Id === ids[ref('base')]),
    'app is built on the base just built',
  );
});

it('NAME alone builds only NAME; -f builds its base first; -p has nothing to pull (scratch, a project image) and says so; --json', async (client) => {
  const before = (await client.inspectImage(ref('base'))).Id;
  const only = await buildImage(['app', '-q']);
  assert.is(only.code, 0, showResult(only));
  assert.equal(
    builtLines(only).map(([reference]) => reference),
    [ref('app-builder'), ref('app')],
  );
  assert.is((await client.inspectImage(ref('base'))).Id, before, 'base untouched');

  const forced = await buildImage(['app', '-f', '-p', '--json']);
  assert.is(forced.code, 0, showResult(forced));
  const out = JSON.parse(forced.stdout) as BuildImageOutput;
  assert.is(out.project, PROJECT);
  assert.equal(
    out.images.map((i) => [i.image, i.reference, i.asDependency, i.pulled]),
    [
      ['base', ref('base'), true, false],
      ['app', ref('app'), false, false],
    ],
  );
  assert.is(out.images[1]!.builder?.reference, ref('app-builder'));
  const events = forced.stderr
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  const pulls = events.filter((e) => e.type === 'pull');
  assert.equal(
    pulls.map((e) => [e.image, e.pull, e.note]),
    [
      ['base', false, 'nothing to pull: built FROM scratch'],
      ['app', false, `nothing to pull: built FROM the project image ${ref('base')} (built here, never pulled)`],
    ],
  );
  assert.ok(events.some((e) => e.type === 'step' && e.image === 'app' && e.stage === 'builder'));
  assert.ok(
    events.filter((e) => e.type === 'script-output').length === 0,
    'the scripts write to a file, not to stdout',
  );
  assert.equal(
    events.filter((e) => e.type === 'script').map((e) => `${e.phase} ${e.image}`),
    ['pre base', 'post base', 'pre app', 'post app'],
  );

  const plain = await buildImage(['base', '-p']);
  assert.is(plain.code, 0, showResult(plain));
  assert.match(plain.stderr, /^pull: nothing to pull: built FROM scratch$/m);
});

it('-i and -t name the image asked for (and its builder stage); its base keeps its own name', async (client) => {
  const r = await buildImage(['app', '-f', '-i', `${PROJECT}-custom`, '-t', 'rc1', '-q']);
  assert.is(r.code, 0, showResult(r));
  assert.equal(
    builtLines(r).map(([reference]) => reference),
    [ref('base'), ref('custom-builder', 'rc1'), ref('custom', 'rc1')],
  );
  for (const [reference] of builtLines(r)) assert.ok(await client.imageExists(reference), reference);

  const bad = await buildImage(['all', '-i', 'x']);
  assert.is(bad.code, 125, showResult(bad));
  assert.is(
    bad.stderr,
    'harpoon build-image: -i names one image; with "all" every image is built under its own name\nSee \'harpoon build-image --help\'.\n',
  );
});

it('--print-command: cd, scripts and docker build lines in build order; nothing built, no script run', async (client) => {
  rmSync(join(projectDir, 'build-log.txt'), { force: true });
  const r = await buildImage(['all', '-t', 'printonly', '--print-command']);
  assert.is(r.code, 0, showResult(r));
  const label = `--label ${TEST_LABEL}=${RUN_ID}`;
  assert.equal(r.stdout.split('\n'), [
    `cd ${projectDir}`,
    log('pre'),
    `docker build -t ${ref('base', 'printonly')} -f docker/base/Dockerfile ${label} --label harpoon.image=true .`,
    log('post'),
    log('pre'),
    `docker build -t ${ref('app-builder', 'printonly')} -f docker/app/Dockerfile --build-arg GREETING=a=b=c ${label} --label harpoon.image=true --target builder .`,
    `docker build -t ${ref('app', 'printonly')} -f docker/app/Dockerfile --build-arg GREETING=a=b=c ${label} --label harpoon.image=true .`,
    log('post'),
    '',
  ]);
  assert.is(r.stderr, '');
  assert.not.ok(await client.imageExists(ref('base', 'printonly')));
  assert.throws(() => readFileSync(join(projectDir, 'build-log.txt')), 'no script ran');

  const viaContext = await harpoonCli(
    ['-H', 'unix:///var/run/docker.sock', 'build-image', 'base', '-p', '--print-command'],
    { env: env(), cwd: join(projectDir, 'docker', 'app') },
  );
  assert.is(viaContext.code, 0, showResult(viaContext));
  assert.match(
    viaContext.stdout,
    /^docker -H unix:\/\/\/var\/run\/docker\.sock build -t \S+ -f docker\/base\/Dockerfile .* \.$/m,
    'from a sub-folder too; no --pull for FROM scratch',
  );
  assert.is(viaContext.stderr, '# base: nothing to pull: built FROM scratch\n');
});

it('scripts: a failing pre script stops before the build (its exit code, file and line named); a failing post script after it; 127 when not found', async (client) => {
  const dir = join(root, `hpbs-${RUN_ID}`);
  const project = `hpbs-${RUN_ID}`;
  writeProject(dir, { one: BASE_DOCKERFILE, two: BASE_DOCKERFILE, three: BASE_DOCKERFILE }, [
    '[one]',
    `build_args = ${LABEL}`,
    "pre_build_script = sh -c 'echo about to fail >&2; exit 7'",
    '[two]',
    `build_args = ${LABEL}`,
    "post_build_script = sh -c 'exit 3'",
    '[three]',
    `build_args = ${LABEL}`,
    'pre_build_script = ./no-such-script.sh',
  ]);
  const cfg = join(dir, 'docker', 'dockerutils.cfg');
  const one = await buildImage(['one'], dir);
  assert.is(one.code, 7, showResult(one));
  assert.match(one.stderr, /^about to fail$/m, "the script's own output");
  assert.ok(
    one.stderr.endsWith(
      `harpoon build-image: the pre_build_script of one (${cfg} line 3) failed with exit code 7; one was not built\n`,
    ),
    one.stderr,
  );
  assert.not.ok(await client.imageExists(ref('one', USER, project)));

  const two = await buildImage(['two'], dir);
  assert.is(two.code, 3, showResult(two));
  assert.ok(
    two.stderr.endsWith(
      `harpoon build-image: the post_build_script of two (${cfg} line 6) failed with exit code 3; ${ref('two', USER, project)} was built, but build-image stops here\n`,
    ),
    two.stderr,
  );
  assert.ok(await client.imageExists(ref('two', USER, project)));

  const three = await buildImage(['three'], dir);
  assert.is(three.code, 127, showResult(three));
  assert.match(
    three.stderr,
    new RegExp(
      `pre_build_script of three \\(${cfg.replace(/[.]/g, '\\.')} line 9\\) could not run: ./no-such-script.sh: not found; three was not built\n$`,
    ),
  );

  // all stops at the first failure (one, then three: alphabetical, no FROM order between them).
  const all = await buildImage(['all', '-q'], dir);
  assert.is(all.code, 7, showResult(all));
  assert.is(all.stdout, '');
});

it('config and project errors: exit 125 naming file and line; a failing Dockerfile step: exit 125 with the step', async () => {
  const cases: Array<{ cfg: string[]; line: number; message: RegExp }> = [
    { cfg: ['[app]', 'colour = blue'], line: 2, message: /\[app\] colour: unknown key "colour"/ },
    {
      cfg: ['[app]', 'pull_FROM_on_force = maybe'],
      line: 2,
      message: /\[app\] pull_FROM_on_force: "maybe" is not a boolean/,
    },
    {
      cfg: ['[app]', 'build_args = --label x=1', '   --squash'],
      line: 2,
      message: /\[app\] build_args: unknown or unsupported flag --squash/,
    },
    {
      cfg: ['[app]', "pre_build_script = sh -c 'unclosed"],
      line: 2,
      message: /\[app\] pre_build_script: no closing quotation/,
    },
    { cfg: ['[ap]', 'tag = x'], line: 1, message: /\[ap\] is not an image folder .*\(did you mean "app"\?\)/ },
  ];
  for (const [i, c] of cases.entries()) {
    const dir = join(root, `hpbc${i}-${RUN_ID}`);
    writeProject(dir, { app: BASE_DOCKERFILE }, c.cfg);
    const r = await buildImage(['app'], dir);
    assert.is(r.code, 125, showResult(r));
    const cfg = join(dir, 'docker', 'dockerutils.cfg').replace(/[.]/g, '\\.');
    assert.match(r.stderr, new RegExp(`^harpoon: ${cfg} line ${c.line}, `), r.stderr);
    assert.match(r.stderr, c.message);
    assert.is(r.stdout, '');
  }

  const unknown = await buildImage(['nope']);
  assert.is(unknown.code, 125, showResult(unknown));
  assert.is(
    unknown.stderr,
    'harpoon: Image "nope": the project has no such image folder (docker/<image>/Dockerfile). Valid: app, base\n',
  );
  const outside = await buildImage(['all'], root);
  assert.is(outside.code, 125, showResult(outside));
  assert.match(outside.stderr, /^harpoon: No project found/);

  const dir = join(root, `hpbf-${RUN_ID}`);
  writeProject(dir, { bad: `${BASE_DOCKERFILE}RUN echo failing-step && exit 4\n` }, ['[bad]', `build_args = ${LABEL}`]);
  const failed = await buildImage(['bad'], dir);
  assert.is(failed.code, 125, showResult(failed));
  assert.match(failed.stderr, /^failing-step$/m);
  assert.match(failed.stderr, /harpoon: Build failed at step 5\/\d+ \(RUN echo failing-step && exit 4\)/);
});

/** An image imported from a tar (not built by harpoon: no harpoon.image label), under `reference`. */
async function importImage(client: Harpoon, reference: string): Promise<void> {
  const tar = pack();
  tar.entry({ name: 'hello.txt' }, "not harpoon's");
  tar.finalize();
  const [repo, tag] = reference.split(':');
  const query = new URLSearchParams({ fromSrc: '-', repo: repo!, tag: tag!, changes: `LABEL ${TEST_LABEL}=${RUN_ID}` });
  const res = await client.engine.streamRequest(
    { method: 'POST', path: `/images/create?${query}`, headers: { 'Content-Type': 'application/x-tar' } },
    Readable.from(tar),
  );
  for await (const _ of res) {
    // drain
  }
}

it('clean: removes the project images harpoon built (dependents first, -builder too); leaves others and what is absent', async (client) => {
  await importImage(client, ref('base', 'other'));
  try {
    const r = await buildImage(['clean', '-t', 'other', '--json']);
    assert.is(r.code, 0, showResult(r));
    assert.equal(JSON.parse(r.stdout) as CleanOutput, {
      removed: [],
      absent: [ref('app', 'other'), ref('app-builder', 'other')],
      skipped: [ref('base', 'other')],
      failed: [],
    });
    assert.ok(await client.imageExists(ref('base', 'other')), 'an image harpoon did not build is left alone');

    const printed = await buildImage(['clean', '--print-command']);
    assert.is(
      printed.stdout,
      `docker rmi ${ref('app')}\ndocker rmi ${ref('app-builder')}\ndocker rmi ${ref('base')}\n`,
    );
    assert.ok(await client.imageExists(ref('app')), '--print-command removes nothing');

    const cleaned = await buildImage(['clean']);
    assert.is(cleaned.code, 0, showResult(cleaned));
    assert.is(cleaned.stdout, `${ref('app')}\n${ref('app-builder')}\n${ref('base')}\n`);
    assert.match(
      cleaned.stderr,
      new RegExp(`^Removed ${ref('app')}\nRemoved ${ref('app-builder')}\nRemoved ${ref('base')}\n$`),
    );
    for (const image of ['app', 'app-builder', 'base']) assert.not.ok(await client.imageExists(ref(image)), image);
    assert.ok(
      await client.imageExists(ref('custom', 'rc1')),
      "an image built under another name (-i) is not the project's",
    );

    const again = await buildImage(['clean', '-q']);
    assert.is(again.code, 0, showResult(again));
    assert.is(again.stdout + again.stderr, '');
  } finally {
    // Not harpoon's (no harpoon.image label), so removeManaged rightly leaves it: the test removes its own.
    await client.docker
      .getImage(ref('base', 'other'))
      .remove({ force: true })
      .catch(() => {});
  }
});

it('on a terminal: a bold header per image, steps, a status line redrawn in place', async () => {
  const [node, bin] = HARPOON_BIN;
  const session = new PtySession(
    '/bin/sh',
    ['-c', `cd '${projectDir}' && exec '${node}' '${bin}' build-image all`],
    { cols: 120, rows: 30 },
    env() as Record<string, string>,
  );
  sessions.push(session);
  const { exitCode } = await session.exit(120_000);
  assert.is(exitCode, 0, session.output);
  assert.match(session.output, /\x1b\[1m==> \[1\/2\] base: building /);
  assert.match(session.output, /\x1b\[1m==> \[2\/2\] app: building /);
  assert.match(session.output, /\x1b\[1mStep 1\/\d+ : FROM scratch/);
  assert.match(session.output, /\r\x1b\[2K/);
});

test.run();
