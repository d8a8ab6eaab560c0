// transfer-image and publish-image without an engine: progress rendering (sizes, bars, plain,
// JSON and terminal output from fixed events), the printed docker commands, the publication
// resolved from a project on disk, and docks looked up by name.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type PushEvent, type TransferEvent } from 'harpoon';
import { environmentCredentials } from '../../src/core/image/auth.ts';
import { printedCommands } from '../../src/cli/commands/publish-image.ts';
import { findDock } from '../../src/cli/docks/connect.ts';
import { addDock, DockError } from '../../src/cli/docks/store.ts';
import { engineChoice } from '../../src/cli/engine-choice.ts';
import { dockerLoginFromEnv } from '../../src/project/print-command.ts';
import { projectContext } from '../../src/project/context.ts';
import { ProjectConfigError, ProjectImageError, resolvePublication } from '../../src/project/model.ts';
import { fitLine, formatBytes, formatDuration, progressBar, shortId } from '../../src/cli/progress-format.ts';
import type { ProgressMode } from '../../src/cli/progress.ts';
import { layerLine, PushProgress } from '../../src/cli/push-progress.ts';
import { TransferProgress } from '../../src/cli/transfer-progress.ts';

const ID = `sha256:${'ab12'.repeat(16)}`;

/** A stderr stand-in that records what is written. */
function fakeStream(columns = 80): NodeJS.WriteStream & { text: string } {
  const stream = { text: '', columns, isTTY: true, write: (chunk: string) => ((stream.text += chunk), true) };
  return stream as unknown as NodeJS.WriteStream & { text: string };
}

function transferOutput(mode: ProgressMode, events: TransferEvent[]): string {
  const out = fakeStream();
  const progress = new TransferProgress(out, mode, { image: 'app:1', dock: 'gpu1' });
  events.forEach(progress.handle);
  progress.finish();
  return out.text;
}

const SENT: TransferEvent[] = [
  { type: 'start', imageId: ID, total: 200_000_000 },
  { type: 'bytes', bytes: 10_000, total: 200_000_000, done: false },
  { type: 'bytes', bytes: 60_000_000, total: 200_000_000, done: false },
  { type: 'bytes', bytes: 120_000_000, total: 200_000_000, done: false },
  { type: 'bytes', bytes: 210_000_000, total: 200_000_000, done: false },
  { type: 'bytes', bytes: 210_500_000, total: 210_500_000, done: true },
  { type: 'load', event: { type: 'progress', id: 'a4643fe74600', status: 'Loading layer', current: 50, total: 100 } },
  { type: 'verified', imageId: ID },
  { type: 'tagged', ref: 'app:1' },
];

test('formatBytes, formatDuration, shortId: as the docker CLI shows them', () => {
  assert.equal([0, 999, 1000, 32_768, 200_300_000, 2.5e9].map(formatBytes), [
    '0 B',
    '999 B',
    '1.0 kB',
    '32.8 kB',
    '200.3 MB',
    '2.5 GB',
  ]);
  assert.equal([850, 3_210, 125_000].map(formatDuration), ['850ms', '3.2s', '2m05s']);
  assert.is(shortId(ID), 'sha256:ab12ab12ab12');
  assert.is(shortId('ab12ab12ab12ab12'), 'sha256:ab12ab12ab12');
});

test('progressBar: docker style, clamped; fitLine keeps a line inside the terminal', () => {
  assert.is(progressBar(0, 10), '[>         ]');
  assert.is(progressBar(0.5, 10), '[=====>    ]');
  assert.is(progressBar(1, 10), '[==========]');
  assert.is(progressBar(7, 10), '[==========]');
  assert.is(progressBar(Number.NaN, 4), '[>   ]');
  assert.is(fitLine('x'.repeat(100), 40), `${'x'.repeat(38)}…`);
  assert.is(fitLine('short', 40), 'short');
});

test('TransferProgress plain: the start, a line per quarter crossed, nothing that belongs to the summary', () => {
  assert.is(
    transferOutput('plain', SENT),
    [
      'Sending app:1 (sha256:ab12ab12ab12, about 200.0 MB) to gpu1',
      '  30% (60.0 MB)',
      '  60% (120.0 MB)',
      '  105% (210.0 MB)',
      '',
    ].join('\n'),
  );
  assert.is(transferOutput('plain', [{ type: 'skipped', imageId: ID, reason: 'there' }]), '');
});

test('TransferProgress json: every event, one per line; quiet: nothing', () => {
  const lines = transferOutput('json', SENT).trim().split('\n');
  assert.equal(
    lines.map((l) => JSON.parse(l) as TransferEvent),
    SENT,
  );
  assert.is(transferOutput('quiet', SENT), '');
});

test('TransferProgress tty: a redrawn bar that never says 100% before the end, then the load, then a cleared line', () => {
  const text = transferOutput('tty', SENT);
  const frames = text.split('\r\x1b[2K').filter(Boolean);
  assert.is(frames[0], 'Sending app:1 (sha256:ab12ab12ab12, about 200.0 MB) to gpu1\n');
  const bars = frames.filter((f) => f.startsWith('['));
  assert.ok(bars.length >= 5, text);
  assert.match(bars[1]!, /^\[=========>\s+\]  30%  60\.0 MB \/ 200\.0 MB/);
  assert.match(
    bars.find((b) => b.includes('210.0 MB'))!,
    /\]  99%  210\.0 MB \/ 210\.0 MB/,
    'more than the estimate: 99%, total grows',
  );
  assert.match(bars.at(-1)!, /^\[=+\] 100%  210\.5 MB \/ 210\.5 MB/);
  assert.ok(frames.some((f) => f === 'gpu1 is registering the image: Loading layer a4643fe74600 50%'));
  assert.ok(text.endsWith('\r\x1b[2K'), 'the status line is cleared at the end');
});

const PUSH: PushEvent[] = [
  { type: 'status', text: 'The push refers to repository [127.0.0.1:5000/p-app]' },
  { type: 'progress', id: 'aaaaaaaaaaaa', status: 'Preparing', current: undefined, total: undefined },
  { type: 'progress', id: 'bbbbbbbbbbbb', status: 'Preparing', current: undefined, total: undefined },
  { type: 'progress', id: 'aaaaaaaaaaaa', status: 'Pushing', current: 1_000_000, total: 4_000_000 },
  { type: 'progress', id: 'aaaaaaaaaaaa', status: 'Pushing', current: 3_000_000, total: 4_000_000 },
  { type: 'progress', id: 'bbbbbbbbbbbb', status: 'Layer already exists', current: undefined, total: undefined },
  { type: 'progress', id: 'aaaaaaaaaaaa', status: 'Pushed', current: undefined, total: undefined },
  { type: 'status', text: 'v1: digest: sha256:abc size: 528' },
  { type: 'pushed', tag: 'v1', digest: 'sha256:abc', size: 528 },
];

function pushOutput(mode: ProgressMode): string {
  const out = fakeStream();
  const progress = new PushProgress(out, mode);
  PUSH.forEach(progress.handle);
  progress.finish();
  return out.text;
}

test('layerLine: a bar while pushing, the status otherwise', () => {
  assert.is(
    layerLine('aaaaaaaaaaaa', { status: 'Pushing', current: 1_000_000, total: 4_000_000 }),
    'aaaaaaaaaaaa: Pushing  [======>                  ]  1.0 MB / 4.0 MB',
  );
  assert.is(
    layerLine('aaaaaaaaaaaa', { status: 'Pushed', current: undefined, total: undefined }),
    'aaaaaaaaaaaa: Pushed',
  );
});

test('PushProgress plain: a layer line when its status changes, the digest line once', () => {
  assert.is(
    pushOutput('plain'),
    [
      'The push refers to repository [127.0.0.1:5000/p-app]',
      'aaaaaaaaaaaa: Preparing',
      'bbbbbbbbbbbb: Preparing',
      'aaaaaaaaaaaa: Pushing',
      'bbbbbbbbbbbb: Layer already exists',
      'aaaaaaaaaaaa: Pushed',
      'v1: digest: sha256:abc size: 528',
      '',
    ].join('\n'),
  );
  assert.equal(
    pushOutput('json')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as PushEvent),
    JSON.parse(JSON.stringify(PUSH)),
  );
});

test('PushProgress tty: the layer block is redrawn in place (cursor up), the digest line below it', () => {
  const text = pushOutput('tty');
  assert.match(text, /^\r\x1b\[2KThe push refers to repository \[127\.0\.0\.1:5000\/p-app\]\n/);
  assert.ok(
    text.includes('\x1b[1A\r\x1b[2Kaaaaaaaaaaaa: Preparing\n\r\x1b[2Kbbbbbbbbbbbb: Preparing\n'),
    JSON.stringify(text),
  );
  assert.ok(text.includes('\x1b[2A\r\x1b[2Kaaaaaaaaaaaa: Pushing  [======>'), 'the byte count of a layer, in place');
  // The final state of the block, then the digest line under it.
  assert.ok(
    text.endsWith(
      '\x1b[2A\r\x1b[2Kaaaaaaaaaaaa: Pushed\n\r\x1b[2Kbbbbbbbbbbbb: Layer already exists\n\r\x1b[2Kv1: digest: sha256:abc size: 528\n',
    ),
    JSON.stringify(text),
  );
});

test('printed commands: docker tag + push; a login reading the variable only for credentials from the environment', () => {
  const publication = {
    image: 'app',
    source: 'p-app:ada',
    target: '127.0.0.1:5000/p-app:1.0',
    registry: '127.0.0.1:5000',
  };
  assert.equal(printedCommands(publication, {}, {}), [
    'docker tag p-app:ada 127.0.0.1:5000/p-app:1.0',
    'docker push 127.0.0.1:5000/p-app:1.0',
  ]);
  const env = { HARPOON_REGISTRY_USER: 'ada', HARPOON_REGISTRY_PASSWORD: 'hunter2' };
  const lines = printedCommands(publication, { context: 'gpu1' }, env);
  assert.equal(lines, [
    `printf '%s' "$HARPOON_REGISTRY_PASSWORD" | docker login --username ada --password-stdin 127.0.0.1:5000`,
    'docker --context gpu1 tag p-app:ada 127.0.0.1:5000/p-app:1.0',
    'docker --context gpu1 push 127.0.0.1:5000/p-app:1.0',
  ]);
  assert.not.ok(lines.join('\n').includes('hunter2'));
  // Scoped to another registry: not for this one.
  assert.is(printedCommands(publication, {}, { ...env, HARPOON_REGISTRY_HOST: 'ghcr.io' }).length, 2);
  assert.is(environmentCredentials('ghcr.io', { ...env, HARPOON_REGISTRY_HOST: 'https://ghcr.io/' })?.username, 'ada');
  assert.is(
    dockerLoginFromEnv('docker.io', 'ada'),
    `printf '%s' "$HARPOON_REGISTRY_PASSWORD" | docker login --username ada --password-stdin`,
  );
});

test('engineChoice: -H wins over --context, as connect() decides; a password in the URL is masked', () => {
  assert.is(engineChoice({}), undefined);
  assert.equal(engineChoice({ context: 'gpu1' }), { context: 'gpu1' });
  assert.equal(engineChoice({ host: 'ssh://me:pw@h', context: 'gpu1' }), { host: 'ssh://me:****@h' });
});

test('projectContext: the login name as getpass finds it (LOGNAME, USER, ...), home, env', () => {
  assert.is(projectContext({ LOGNAME: 'ada', USER: 'bob', HOME: '/h' }).user, 'ada');
  assert.is(projectContext({ USERNAME: 'cy', HOME: '/h' }).user, 'cy');
  assert.is(projectContext({ USER: 'bob', HOME: '/h' }).home, '/h');
});

test('resolvePublication: the local reference and the publication_tag with its variables; errors name the image or the line', async () => {
  const root = mkdtempSync(join(tmpdir(), 'harpoon-publication-'));
  try {
    const project = join(root, 'Demo');
    for (const folder of ['web', 'db', 'ecr']) {
      mkdirSync(join(project, 'docker', folder), { recursive: true });
      writeFileSync(join(project, 'docker', folder, 'Dockerfile'), 'FROM scratch\n');
    }
    writeFileSync(
      join(project, 'docker', 'dockerutils.cfg'),
      [
        '[web]',
        'tag = 1.0',
        'publication_tag = $REG/{image}:{tag}-{user}',
        '[ecr]',
        'publication_tag = {account}.dkr.ecr.{region}.amazonaws.com/{image}:{tag}',
        '[db]',
        'publication_tag = $REG/Bad Name',
      ].join('\n'),
    );
    const ctx = projectContext({ LOGNAME: 'ada', HOME: root, REG: '127.0.0.1:5000' });
    const cwd = join(project, 'docker', 'web');
    assert.equal(await resolvePublication(cwd, 'web', ctx), {
      image: 'web',
      source: 'demo-web:1.0',
      target: '127.0.0.1:5000/demo-web:1.0-ada',
      registry: '127.0.0.1:5000',
    });
    assert.equal(await resolvePublication(cwd, 'ecr', ctx, { account: '123456789012', region: 'eu-west-1' }), {
      image: 'ecr',
      source: 'demo-ecr:ada',
      target: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/demo-ecr:ada',
      registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
    });
    const noAccount = await resolvePublication(cwd, 'ecr', ctx, { region: 'eu-west-1' }).catch((e: unknown) => e);
    assert.instance(noAccount, ProjectImageError);
    assert.match((noAccount as Error).message, /uses \{account\}: pass --account or set AWS_ACCOUNT_ID/);
    const bad = await resolvePublication(cwd, 'db', ctx).catch((e: unknown) => e);
    assert.instance(bad, ProjectConfigError);
    assert.is((bad as ProjectConfigError).line, 7);
    const missing = await resolvePublication(cwd, 'nope', ctx).catch((e: unknown) => e);
    assert.is((missing as Error).message, 'Image "nope": the project has no such image. Valid: db, ecr, web');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('findDock: a context by name, "default", or a DockError (exit 1) that says how to add one', () => {
  const configDir = mkdtempSync(join(tmpdir(), 'harpoon-find-dock-'));
  try {
    addDock(configDir, 'gpu1', 'ssh://me@gpu1.example.com');
    assert.equal(findDock('gpu1', { DOCKER_CONFIG: configDir }), { name: 'gpu1', url: 'ssh://me@gpu1.example.com' });
    assert.equal(findDock('default', { DOCKER_CONFIG: configDir, DOCKER_HOST: 'tcp://127.0.0.1:2375' }), {
      name: 'default',
      url: 'tcp://127.0.0.1:2375',
    });
    const err = (() => {
      try {
        findDock('gpu2', { DOCKER_CONFIG: configDir });
      } catch (e) {
        return e;
      }
    })();
    assert.instance(err, DockError);
    assert.is((err as DockError).exitCode, 1);
    assert.match((err as Error).message, /dock "gpu2" does not exist .*harpoon dock add gpu2 URL/);
  } finally {
    rmSync(configDir, { recursive: true, force: true });
  }
});

test.run();
