// Integration: every orchestrator order against the real engine, through runUnit and YAML unit
// files in a temp config directory. Each test uses a unit of its own (harpoon.unit=<unit>) and
// removes exactly that unit's containers, volumes, networks and images, and its config dir.
// Also: remove's volume guard, a failing order (UnitRunError, not-run dependents, an independent
// order finishing), and a foreign container of the unit's name (left untouched).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pack } from 'tar-stream';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ContainerNotFoundError, ImageNotFoundError, type Harpoon } from 'harpoon';
import { buildBusybox, RUN_ID } from '../helpers/engine.ts';
import { deleteManifest, pullImage, REGISTRY, registryOrSkip } from '../helpers/image.ts';
import { engineTests, rejection } from '../helpers/integration.ts';
import { dropUnit, makeConf, outcomes, runOk, runRecorded, sh, unitName } from '../helpers/unit.ts';

let base = '';
/** An image built with the plain engine API: no harpoon labels at all. Removed by id at the end. */
let foreignImage = '';
let foreignImageId = '';
const it = await engineTests({
  ready: async (client) => {
    base = await buildBusybox(client, 'harpoon-test-orch-orders');
    foreignImage = `harpoon-test-foreign-${RUN_ID}:1`;
    foreignImageId = await buildPlain(client, foreignImage, [
      'FROM scratch',
      'COPY hello.txt /hello.txt',
      'CMD ["/nothing"]',
    ]);
  },
  after: async (client) => {
    if (client && foreignImageId)
      await client.docker
        .getImage(foreignImageId)
        .remove({ force: true })
        .catch(() => {});
  },
});

/** docker build by the raw API (no labels added); returns the image id. */
async function buildPlain(client: Harpoon, tag: string, dockerfile: string[]): Promise<string> {
  const tar = pack();
  tar.entry({ name: 'Dockerfile' }, `${dockerfile.join('\n')}\n`);
  tar.entry({ name: 'hello.txt' }, 'hello\n');
  tar.finalize();
  const stream = await client.docker.buildImage(tar as unknown as NodeJS.ReadableStream, { t: tag });
  await new Promise<void>((resolve, reject) =>
    client.docker.modem.followProgress(stream, (err: Error | null, out: Array<{ error?: string }>) => {
      const failed = out?.find((o) => o.error);
      if (err || failed) reject(err ?? new Error(failed!.error));
      else resolve();
    }),
  );
  const info = await client.inspectImage(tag);
  assert.is(info.Config?.Labels?.['harpoon.image'], undefined, 'the plain image carries no harpoon label');
  return info.Id;
}

const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;
async function gone(client: Harpoon, name: string): Promise<boolean> {
  try {
    await client.container(name).inspect();
    return false;
  } catch (err) {
    if (err instanceof ContainerNotFoundError) return true;
    throw err;
  }
}

it('build, create, start (wait_log; wait_exit for a job), stop honouring its timeout, remove, remove_image', async (client) => {
  const U = unitName('life');
  const conf = makeConf({
    [`units/${U}/start.yaml`]: `
app:
  build: {path: images/base, tag: "${U}-app:1"}
  creation:
    command: [sh, -c, "sleep 1; echo app is ready; exec sleep 300"]
  startup: {wait_log: "app is ready", timeout: 20}
job:
  image: ${base}
  creation:
    command: [sh, -c, "sleep 1; echo job done; exit 0"]
  startup: {wait_exit: 0, timeout: 20}
---
- app: {command: start}
- job: {command: start}
`,
    [`units/${U}/halt.yaml`]: '---\n- app: {command: stop, timeout: 2}',
    [`units/${U}/drop.yaml`]: '---\n- app: {command: remove}',
    [`units/${U}/dropimage.yaml`]: '---\n- app: {command: remove_image}',
  });
  const app = `${U}-app`;
  try {
    // build (derived): the image, with harpoon's image label and the unit's.
    const built = await runOk(client, `${U}/build`, conf);
    assert.match(outcomes(built).get(1)!, /^built /);
    const image = await client.inspectImage(`${U}-app:1`);
    assert.is(image.Config.Labels?.['harpoon.image'], 'true');
    assert.is(image.Config.Labels?.['harpoon.unit'], U);

    // create (derived): both containers exist, not running, labelled with the unit and a config hash.
    await runOk(client, `${U}/create`, conf);
    for (const name of ['app', 'job']) {
      const info = await client.container(`${U}-${name}`).inspect();
      assert.is(info.State.Running, false, name);
      assert.is(info.State.Status, 'created', name);
      assert.is(info.Config.Labels['harpoon'], 'true');
      assert.is(info.Config.Labels['harpoon.unit'], U);
      assert.is(info.Config.Labels['harpoon.unit.container'], name);
      assert.match(info.Config.Labels['harpoon.unit.config-hash'] ?? '', /^h1-[0-9a-f]{16}$/);
    }
    assert.is((await client.container(app).inspect()).Image, image.Id);

    // start: app waits for its log line (printed after 1 s), job until it exited 0.
    const started = await runOk(client, `${U}/start`, conf);
    const done = started.result.steps;
    assert.ok(done[0]!.ms! >= 900, `start app waited for the log line: ${done[0]!.ms} ms`);
    assert.ok(done[1]!.ms! >= 900, `start job waited for the exit: ${done[1]!.ms} ms`);
    assert.match(done[0]!.outcome!, /started/);
    const appInfo = await client.container(app).inspect();
    assert.is(appInfo.State.Running, true);
    const jobState = (await client.container(`${U}-job`).inspect()).State;
    assert.is(jobState.Status, 'exited');
    assert.is(jobState.ExitCode, 0);

    // stop with timeout 2: sleep as PID 1 ignores SIGTERM, so the engine kills it after 2 s.
    const halted = await runOk(client, `${U}/halt`, conf);
    const ms = halted.result.steps[0]!.ms!;
    assert.ok(ms >= 1800 && ms < 8000, `stop took ${ms} ms, wanted about 2000 (its timeout), not 10000 (the default)`);
    assert.is(halted.result.steps[0]!.outcome, 'stopped');
    assert.is((await client.container(app).inspect()).State.Running, false);

    // remove: the container goes, the other stays.
    const dropped = await runOk(client, `${U}/drop`, conf);
    assert.is(dropped.result.steps[0]!.outcome, 'removed');
    assert.ok(await gone(client, app));
    assert.ok(!(await gone(client, `${U}-job`)));

    // remove_image: the built image goes.
    const rmi = await runOk(client, `${U}/dropimage`, conf);
    assert.is(rmi.result.steps[0]!.outcome, `removed ${U}-app:1`);
    assert.instance(await rejection(client.inspectImage(image.Id)), ImageNotFoundError);
  } finally {
    await dropUnit(client, U, conf);
  }
});

it('remove_image refuses an image harpoon did not build, and leaves it there', async (client) => {
  const U = unitName('rmi');
  const text = `
x:
  image: ${foreignImage}
---
- x: {command: remove_image, force: true}
`;
  const conf = makeConf({ [`units/${U}/start.yaml`]: text });
  try {
    const r = await runRecorded(client, `${U}/start`, conf);
    assert.ok(r.error, 'the run failed');
    assert.match(r.error!.reason, /was not built by harpoon; it is left alone/);
    assert.is(r.error!.step, 1);
    assert.is((await client.inspectImage(foreignImage)).Id, foreignImageId);
  } finally {
    await dropUnit(client, U, conf);
  }
});

it('execute in its four places: file_system, in_running, temporary, host: each really ran there', async (client) => {
  const U = unitName('exec');
  const conf = makeConf({
    [`units/${U}/start.yaml`]: `
data:
  image: ${base}
  creation:
    command: [sh, -c, "exec sleep 300"]
    volumes: [/srv/data]
    environment: {WHO: from-creation}
---
- data: {command: start}
`,
    [`units/${U}/exec.yaml`]: `---
- data: {command: execute, type: file_system, run: [sh, -c, "echo from-fs > /srv/data/fs.txt; hostname"]}
- data: {command: execute, type: in_running, run: [sh, -c, "cat /srv/data/fs.txt; echo from-running > /srv/data/running.txt; hostname"]}
- data: {command: execute, type: temporary, environment: {EXTRA: from-order}, run: [sh, -c, "echo \\"$WHO $EXTRA\\" > /srv/data/temp.txt; hostname"]}
- host: {command: execute, run: [sh, -c, "echo from-host > host.txt; pwd"]}
`,
  });
  try {
    await runOk(client, `${U}/start`, conf);
    const container = client.container(`${U}-data`);
    const hostname = (await container.inspect()).Config.Hostname;
    const r = await runOk(client, `${U}/exec`, conf);
    const output = (step: number) =>
      r.events.flatMap((e) => (e.type === 'step-output' && e.step.number === step ? [e.text] : []));
    // file_system: a helper with data's volumes (another hostname), the file landed in the volume.
    assert.is(output(1).length, 1);
    assert.is.not(output(1)[0], hostname);
    // in_running: in data itself (its hostname), and saw the helper's file.
    assert.equal(output(2), ['from-fs', hostname]);
    // temporary: a new container with data's options (environment, volumes) plus the order's.
    assert.is(output(3).length, 1);
    assert.is.not(output(3)[0], hostname);
    assert.is.not(output(3)[0], output(1)[0]);
    // host: on this machine, in the config directory.
    assert.equal(output(4), [conf]);
    assert.is(readFileSync(join(conf, 'host.txt'), 'utf8'), 'from-host\n');
    // Every container-side write is visible in the running container.
    assert.is(
      await sh(container, 'cat /srv/data/fs.txt /srv/data/running.txt /srv/data/temp.txt'),
      'from-fs\nfrom-running\nfrom-creation from-order\n',
    );
    assert.match(outcomes(r).get(1)!, /helper container/);
    assert.match(outcomes(r).get(3)!, /temporary container/);
    // The helpers are gone: only data is left of the unit.
    const left = await client.listManaged({ 'harpoon.unit': U });
    assert.equal(
      left.containers.map((c) => c.name),
      [`${U}-data`],
    );
  } finally {
    await dropUnit(client, U, conf);
  }
});

it('tag, commit (with changes) and push to the local registry; the pushed digest pulls back', async (client) => {
  if (!(await registryOrSkip())) return;
  const U = unitName('img');
  const repo = `${REGISTRY}/${U}-app`;
  const conf = makeConf({
    [`units/${U}/start.yaml`]: `
app:
  build: {path: images/base, tag: "${U}-app:1"}
  creation:
    command: [sh, -c, "echo changed > /marker; exec sleep 300"]
---
- app: {command: start}
- app: {command: execute, type: in_running, run: [sh, -c, "test -f /marker || sleep 1; test -f /marker"]}
- app: {command: tag, tag: "${repo}:pushed"}
- app: {command: push, tag: "${repo}:pushed"}
- app: {command: commit, tag: "${U}-app:committed", message: "a commit", author: tester, changes: ["ENV X=1"]}
`,
  });
  let digest = '';
  try {
    await runOk(client, `${U}/build`, conf);
    const r = await runOk(client, `${U}/start`, conf);
    const builtId = (await client.inspectImage(`${U}-app:1`)).Id;
    // tag: the same image under the new name.
    assert.is((await client.inspectImage(`${repo}:pushed`)).Id, builtId);
    // push: the outcome names the digest.
    const pushed = outcomes(r).get(4)!;
    const m = /@(sha256:[0-9a-f]{64})\)$/.exec(pushed);
    assert.ok(m, pushed);
    digest = m![1]!;
    // commit: a new image with the container's change and the ENV from `changes`.
    const committed = await client.inspectImage(`${U}-app:committed`);
    assert.is.not(committed.Id, builtId);
    assert.ok(committed.Config.Env?.includes('X=1'), JSON.stringify(committed.Config.Env));
    assert.is(committed.Comment, 'a commit');
    assert.is(committed.Author, 'tester');
    assert.is(committed.Config.Labels?.['harpoon.unit'], U);
    const cat = await client.run({
      image: `${U}-app:committed`,
      cmd: ['sh', '-c', 'cat /marker; echo "X=$X"'],
      labels: { 'harpoon.unit': U },
    });
    assert.is(cat.stdout, 'changed\nX=1\n');
    // Pull back by digest: drop the registry name first, so the pull has to give it back.
    await client.removeImage(`${repo}:pushed`);
    assert.not.ok(await client.imageExists(`${repo}:pushed`));
    await pullImage(client, `${repo}@${digest}`);
    const pulled = await client.inspectImage(`${repo}@${digest}`);
    assert.is(pulled.Id, builtId);
    assert.ok(pulled.RepoDigests?.includes(`${repo}@${digest}`), JSON.stringify(pulled.RepoDigests));
  } finally {
    if (digest) await deleteManifest(REGISTRY, `${U}-app`, digest).catch(() => {});
    await dropUnit(client, U, conf);
  }
});

it('remove refuses a container holding unit volumes without v: true (both kept); with v removes both', async (client) => {
  const U = unitName('rmv');
  const conf = makeConf({
    [`units/${U}/start.yaml`]: `
data:
  image: ${base}
  creation:
    command: [sh, -c, "exec sleep 300"]
    volumes: [/srv/data]
---
- data: {command: start}
`,
    [`units/${U}/drop.yaml`]: '---\n- data: {command: remove}',
    [`units/${U}/dropall.yaml`]: '---\n- data: {command: remove, v: true}',
  });
  const volume = `${U}-data-srv-data`;
  try {
    await runOk(client, `${U}/start`, conf);
    const id = (await client.container(`${U}-data`).inspect()).Id;
    assert.is((await client.inspectVolume(volume)).Labels?.['harpoon.unit'], U);
    const refused = await runRecorded(client, `${U}/drop`, conf);
    assert.ok(refused.error, 'remove without v failed');
    assert.match(refused.error!.reason, new RegExp(`holds the volume ${volume}; it is kept\\. Add \`v: true\``));
    assert.is((await client.container(`${U}-data`).inspect()).Id, id);
    assert.is((await client.container(`${U}-data`).inspect()).State.Running, true);
    assert.is((await client.inspectVolume(volume)).Name, volume);

    const removed = await runOk(client, `${U}/dropall`, conf);
    assert.is(removed.result.steps[0]!.outcome, `removed, with volume ${volume}`);
    assert.ok(await gone(client, `${U}-data`));
    assert.ok(await rejection(client.inspectVolume(volume)));
  } finally {
    await dropUnit(client, U, conf);
  }
});

it('a failing execute: UnitRunError names order, container, file and line; dependents not-run; an independent running order finishes', async (client) => {
  const U = unitName('fail');
  const orders = `---
- a: {command: start}
- b: {command: start}
- b: {command: execute, type: in_running, run: [sh, -c, "sleep 1.5; echo slow > /slow-done"]}
- a: {command: execute, type: in_running, run: [sh, -c, "sleep 0.3; exit 3"]}
- c: {command: start}
- a: {command: stop}
`;
  const conf = makeConf({
    [`units/${U}/start.yaml`]: `
a: {image: ${base}, creation: {command: [sh, -c, "exec sleep 300"], volumes: [/srv/a]}}
b: {image: ${base}, creation: {command: [sh, -c, "exec sleep 300"]}}
c: {image: ${base}, creation: {command: [sh, -c, "exec sleep 300"], volumes_from: [a]}}
${orders}`,
  });
  try {
    const r = await runRecorded(client, `${U}/start`, conf);
    const err = r.error;
    assert.ok(err, 'the run failed');
    assert.ok(err!.step === 4, err!.message);
    assert.is(err!.step, 4);
    assert.is(err!.order.container, 'a');
    assert.is(err!.order.command, 'execute');
    assert.match(err!.reason, /exited with 3/);
    const line = lineOf(`\n${readFileSync(join(conf, `units/${U}/start.yaml`), 'utf8')}`, 'exit 3') - 1;
    assert.ok(err!.message.includes(`units/${U}/start.yaml line ${line}: order 4 (execute a) failed`), err!.message);
    assert.equal(
      err!.result.steps.map((s) => s.status),
      ['done', 'done', 'done', 'failed', 'not-run', 'not-run'],
    );
    // The independent order on b was running when a's failed, and finished after it.
    const failedAt = r.events.find((e) => e.type === 'step-failed')!.at;
    const bStart = r.events.find((e) => e.type === 'step-start' && e.step.number === 3)!.at;
    const bDone = r.events.find((e) => e.type === 'step-done' && e.step.number === 3)!.at;
    assert.ok(
      bStart < failedAt && failedAt < bDone,
      `b's execute ran ${bStart}..${bDone}, the failure came at ${failedAt}`,
    );
    assert.is(await sh(client.container(`${U}-b`), 'cat /slow-done'), 'slow\n');
    const notRun = r.events
      .filter((e) => e.type === 'step-not-run')
      .map((e) => (e.type === 'step-not-run' ? `${e.step.number}: ${e.because}` : ''));
    assert.equal(notRun, ['5: order 4 failed', '6: order 4 failed']);
    // c was never created; a was not stopped.
    assert.ok(await gone(client, `${U}-c`));
    assert.is((await client.container(`${U}-a`).inspect()).State.Running, true);
  } finally {
    await dropUnit(client, U, conf);
  }
});

it('start of a missing image fails with an UnitRunError at that order; no container is left', async (client) => {
  const U = unitName('noimg');
  const missing = `harpoon-test-missing-${RUN_ID}:nope`;
  const text = `
ok: {image: ${base}, creation: {command: [sh, -c, "exec sleep 300"]}}
m: {image: "${missing}", creation: {command: [x]}, after: [ok]}
---
- ok: {command: start}
- m: {command: start}
- m: {command: stop}
`;
  const conf = makeConf({ [`units/${U}/start.yaml`]: text });
  try {
    const r = await runRecorded(client, `${U}/start`, conf);
    assert.ok(r.error, 'the run failed');
    assert.is(r.error!.step, 2);
    assert.ok(
      r.error!.message.includes(
        `units/${U}/start.yaml line ${lineOf(text, '- m: {command: start}')}: order 2 (start m) failed`,
      ),
      r.error!.message,
    );
    assert.ok(r.error!.reason.includes(missing.split(':')[0]!), r.error!.reason);
    assert.equal(
      r.error!.result.steps.map((s) => s.status),
      ['done', 'failed', 'not-run'],
    );
    assert.ok(await gone(client, `${U}-m`));
  } finally {
    await dropUnit(client, U, conf);
  }
});

it("a foreign container with the unit container's engine name: create fails with a clear reason and leaves it untouched", async (client) => {
  const U = unitName('foreign');
  const conf = makeConf({
    [`units/${U}/start.yaml`]: `
web: {image: ${base}, creation: {command: [sh, -c, "exec sleep 300"]}}
---
- web: {command: start}
`,
  });
  // Made with the plain engine API: no harpoon labels (and from an image without any).
  const foreign = await client.docker.createContainer({
    Image: foreignImage,
    name: `${U}-web`,
    Labels: { purpose: 'not-harpoon' },
  });
  try {
    const before = await foreign.inspect();
    for (const command of ['create', 'start', 'stop', 'purge']) {
      const r = await runRecorded(client, `${U}/${command}`, conf);
      assert.ok(r.error, `${command} failed`);
      assert.is(r.error!.order.container, 'web');
      assert.match(r.error!.reason, new RegExp(`${U}-web .*belongs to something other than harpoon`), r.error!.reason);
    }
    const after = await foreign.inspect();
    assert.is(after.Id, before.Id);
    assert.is(after.Created, before.Created);
    assert.is(after.State.Status, 'created');
    assert.equal(after.Config.Labels, { purpose: 'not-harpoon' });
    assert.is(after.Name, `/${U}-web`);
  } finally {
    await foreign.remove({ force: true }).catch(() => {});
    await dropUnit(client, U, conf);
  }
});
test.run();
