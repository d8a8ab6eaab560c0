// Integration: the orchestrator's commands against the real engine: variants, the derived
// commands (build, create, stop, cleanup, purge, restart, test:check, backup, restore), dry-run
// explanations that change nothing, and recreating only what changed (new container first,
// unit volume data kept). Each test has its own unit and removes exactly what it made.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Harpoon } from 'harpoon';
import { explainUnit, openUnit } from '../../src/orchestrator/index.ts';
import { buildBusybox } from '../helpers/engine.ts';
import { engineTests, rejection } from '../helpers/integration.ts';
import {
  BASE_LINES,
  dropUnit,
  idsOf,
  makeConf,
  outcomes,
  runOk,
  runRecorded,
  sh,
  treeDigest,
  unitName,
} from '../helpers/unit.ts';

let base = '';
const it = await engineTests({
  ready: async (client) => void (base = await buildBusybox(client, 'harpoon-test-orch-commands')),
});

/** A container command that exits at once on SIGTERM (sleep as PID 1 would wait for the stop timeout's SIGKILL). */
const TERM_EXITS = "trap 'exit 0' TERM; sleep 300 & wait";
const SLEEPER = `{command: [sh, -c, "${TERM_EXITS}"]}`;

it('variants: UNIT/CMD:a runs the orders without variants and those with a; :a:b both; none only the plain ones', async (client) => {
  const U = unitName('var');
  const conf = makeConf({
    [`units/${U}/start.yaml`]: `app: {image: ${base}, creation: ${SLEEPER}}\n---\n- app: {command: start}`,
    [`units/${U}/v.yaml`]: `---
- app: {command: start}
- app: {command: execute, type: in_running, run: [sh, -c, "echo always >> /log"]}
- app: {command: execute, type: in_running, run: [sh, -c, "echo a >> /log"], variants: [a]}
- app: {command: execute, type: in_running, run: [sh, -c, "echo b >> /log"], variants: [b]}
- app: {command: execute, type: in_running, run: [sh, -c, "echo ab >> /log"], variants: [a, b]}
`,
  });
  try {
    const container = client.container(`${U}-app`);
    const a = await runOk(client, `${U}/v:a`, conf);
    assert.is(a.result.steps.length, 4);
    assert.equal(
      a.result.loaded.plan.skipped.map((o) => o.variants),
      [['b']],
    );
    assert.is(await sh(container, 'cat /log'), 'always\na\nab\n');
    await runOk(client, `${U}/v`, conf);
    assert.is(await sh(container, 'cat /log'), 'always\na\nab\nalways\n');
    const ab = await runOk(client, `${U}/v:a:b`, conf);
    assert.is(ab.result.steps.length, 5);
    assert.is(await sh(container, 'cat /log'), 'always\na\nab\nalways\nalways\na\nb\nab\n');
  } finally {
    await dropUnit(client, U, conf);
  }
});

/** An HTTP GET of web's port 80, published on 127.0.0.1. */
async function get(client: Harpoon, container: string, path: string): Promise<{ status: number; body: string }> {
  const info = await client.container(container).inspect();
  const port = (info.NetworkSettings.Ports as Record<string, Array<{ HostIp: string; HostPort: string }>>)[
    '80/tcp'
  ]!.find((b) => b.HostIp === '127.0.0.1')!.HostPort;
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: await res.text() };
}

it('derived commands: build, create, start, test:check, restart, stop, cleanup (keeps the data container), purge (everything)', async (client) => {
  const U = unitName('derive');
  const conf = makeConf({
    [`units/${U}/start.yaml`]: `
data:
  build:
    path: images/base
    tag: "${U}-data:1"
    dockerfile: ${JSON.stringify([...BASE_LINES, 'RUN mkdir -p /srv/www && echo seed > /srv/www/index.html'])}
  creation: {command: [sh, -c, "echo data only"], volumes: [/srv/www]}
web:
  build: {path: images/base, tag: "${U}-web:1"}
  creation:
    command: [sh, -c, "trap 'exit 0' TERM; httpd -f -p 80 -h /srv/www & wait"]
    volumes_from: [data]
    ports: ["127.0.0.1::80"]
  checks:
    - {name: home, type: daemon, port: 80, path: /index.html, status: 200, body: seed, timeout: 10}
---
- data: {command: build}
- web: {command: build}
- data: {command: create}
- web: {command: start}
`,
  });
  const [data, web, volume] = [`${U}-data`, `${U}-web`, `${U}-data-srv-www`];
  const describe = (r: {
    result: {
      loaded: { plan: { steps: Array<{ order: { command: string; container?: string; args: { v?: boolean } } }> } };
    };
  }) => r.result.loaded.plan.steps.map((s) => `${s.order.command}${s.order.args.v ? ' -v' : ''} ${s.order.container}`);
  try {
    // build: only the images.
    const built = await runOk(client, `${U}/build`, conf);
    assert.equal(describe(built), ['build data', 'build web']);
    assert.ok(await client.imageExists(`${U}-data:1`));
    assert.ok(await client.imageExists(`${U}-web:1`));
    assert.equal((await client.listManaged({ 'harpoon.unit': U })).containers, []);

    // create: both containers, neither running; the volume filled from the image.
    await runOk(client, `${U}/create`, conf);
    const created = await idsOf(client, [data, web]);
    for (const name of [data, web]) assert.is((await client.container(name).inspect()).State.Status, 'created', name);
    assert.is((await client.inspectVolume(volume)).Labels?.['harpoon.unit'], U);

    // start: the same containers (unchanged), web running and serving the volume.
    await runOk(client, `${U}/start`, conf);
    assert.equal(await idsOf(client, [data, web]), created);
    assert.equal(await get(client, web, '/index.html'), { status: 200, body: 'seed\n' });

    // test runs no checks; test:check runs them.
    const plain = await runOk(client, `${U}/test`, conf);
    assert.equal(plain.result.checks, []);
    const checked = await runOk(client, `${U}/test:check`, conf);
    assert.equal(describe(checked).slice(-1), ['check web']);
    assert.is(checked.result.checks.length, 1);
    assert.is(checked.result.checks[0]!.name, 'home');
    assert.ok(checked.result.checks[0]!.passed, checked.result.checks[0]!.message);

    // restart: web restarted (a new StartedAt), same container.
    const startedAt = (await client.container(web).inspect()).State.StartedAt;
    await new Promise((resolve) => setTimeout(resolve, 50));
    const restarted = await runOk(client, `${U}/restart`, conf);
    assert.match(outcomes(restarted).get(4)!, /^restarted/);
    const after = await client.container(web).inspect();
    assert.is(after.Id, created[web]);
    assert.is(after.State.Running, true);
    assert.is.not(after.State.StartedAt, startedAt);

    // stop: web stopped (data was never started: no order for it).
    const stopped = await runOk(client, `${U}/stop`, conf);
    assert.equal(describe(stopped), ['stop web']);
    assert.is((await client.container(web).inspect()).State.Running, false);

    // cleanup: web removed; data (holding the volume), the volume and the images kept.
    const cleaned = await runOk(client, `${U}/cleanup`, conf);
    assert.equal(describe(cleaned), ['stop web', 'remove web']);
    assert.equal(await idsOf(client, [data, web]), { [data]: created[data], [web]: undefined });
    assert.is((await client.inspectVolume(volume)).Name, volume);
    assert.ok(await client.imageExists(`${U}-web:1`));

    // purge: every container, the unit volume and the built images.
    await runOk(client, `${U}/start`, conf);
    const purged = await runOk(client, `${U}/purge`, conf);
    assert.equal(describe(purged), [
      'stop web',
      'remove -v web',
      'remove -v data',
      'remove_image web',
      'remove_image data',
    ]);
    const left = await client.listManaged({ 'harpoon.unit': U });
    assert.equal(left, { containers: [], images: [], volumes: [], networks: [] });
    assert.ok(await rejection(client.inspectVolume(volume)));
    assert.not.ok(await client.imageExists(`${U}-data:1`));
    assert.not.ok(await client.imageExists(`${U}-web:1`));
  } finally {
    await dropUnit(client, U, conf);
  }
});

it('backup → purge → start → restore: every file byte-identical (binary, empty, nested, spaces), in both volumes', async (client) => {
  const U = unitName('backup');
  const conf = makeConf({
    [`units/${U}/start.yaml`]: `
data:
  image: ${base}
  creation: {command: [sh, -c, "${TERM_EXITS}"], volumes: [/srv/data, /var/lib/app]}
---
- data: {command: start}
`,
  });
  const roots = ['/srv/data', '/var/lib/app'];
  const digest = async () =>
    (await Promise.all(roots.map((r) => treeDigest(client.container(`${U}-data`), r)))).join('---\n');
  try {
    await runOk(client, `${U}/start`, conf);
    const first = (await client.container(`${U}-data`).inspect()).Id;
    await sh(
      client.container(`${U}-data`),
      [
        'cd /srv/data',
        'mkdir -p nested/deep/er "with space"',
        'head -c 300000 /dev/urandom > bin.dat',
        "printf '\\000\\001\\002\\377\\376' > nested/raw.bin",
        ': > empty',
        'echo hello > nested/deep/er/hi.txt',
        'echo spaced > "with space/file one.txt"',
        'head -c 4096 /dev/urandom > /var/lib/app/db.bin',
      ].join(' && '),
    );
    const before = await digest();
    assert.match(before, /\.\/nested\/raw\.bin/);
    assert.match(before, /\.\/bin\.dat/);
    assert.match(before, /\.\/db\.bin/);
    // The sha256 of the 5 known bytes, computed here too: the digest really hashes contents.
    const raw = createHash('sha256')
      .update(Buffer.from([0, 1, 2, 255, 254]))
      .digest('hex');
    assert.ok(before.includes(`${raw}  ./nested/raw.bin`), before);

    const backedUp = await runOk(client, `${U}/backup`, conf);
    assert.match(outcomes(backedUp).get(1)!, /^backed up \d+ files/);
    assert.ok(existsSync(join(conf, 'backups', `${U}-data.tar`)), 'the archive is in the config directory');

    await runOk(client, `${U}/purge`, conf);
    for (const slug of ['srv-data', 'var-lib-app'])
      assert.ok(await rejection(client.inspectVolume(`${U}-data-${slug}`)), slug);

    await runOk(client, `${U}/start`, conf);
    assert.is.not((await client.container(`${U}-data`).inspect()).Id, first);
    const fresh = await digest();
    assert.is.not(fresh, before);
    assert.not.match(fresh, /bin\.dat/);

    const restored = await runOk(client, `${U}/restore`, conf);
    assert.match(outcomes(restored).get(1)!, /^restored \d+ files into \/srv\/data, \/var\/lib\/app/);
    assert.fixture(await digest(), before);
  } finally {
    await dropUnit(client, U, conf);
  }
});

/** What the engine has whose name contains `needle`: containers (id, name, state, created), volumes, images, networks. */
async function snapshot(client: Harpoon, needle: string): Promise<string> {
  const d = client.docker;
  const [containers, volumes, images, networks] = await Promise.all([
    d.listContainers({ all: true }),
    d.listVolumes(),
    d.listImages({ all: true }),
    d.listNetworks(),
  ]);
  return JSON.stringify({
    containers: containers
      .filter((c) => c.Names.some((n) => n.includes(needle)))
      .map((c) => [
        c.Id,
        c.Names,
        c.State,
        c.Status.replace(/\d+ seconds?|About a minute|Less than a second/, 'T'),
        c.Created,
      ])
      .sort(),
    volumes: (volumes.Volumes ?? [])
      .filter((v) => v.Name.includes(needle))
      .map((v) => v.Name)
      .sort(),
    images: images
      .filter((i) => (i.RepoTags ?? []).some((t) => t.includes(needle)))
      .map((i) => [i.Id, i.RepoTags])
      .sort(),
    networks: networks
      .filter((n) => n.Name.includes(needle))
      .map((n) => n.Name)
      .sort(),
  });
}

it('explainUnit (dry-run) changes nothing, and says create / keep / recreate / nothing to do as the engine is', async (client) => {
  const U = unitName('explain');
  const conf = makeConf({
    [`units/${U}/start.yaml`]: `
a:
  image: ${base}
  creation: {command: [sh, -c, "${TERM_EXITS}"], volumes: [/srv/a], networks: [back], environment: {V: "{{V:-one}}"}}
b:
  build: {path: images/base, tag: "${U}-b:1"}
  creation: {command: [sh, -c, "${TERM_EXITS}"], networks: [back]}
---
- b: {command: build}
- a: {command: start}
- b: {command: start}
`,
  });
  const explain = async (target: string, set: Record<string, string> = {}) => {
    const before = await snapshot(client, U);
    const steps = await explainUnit(client, openUnit(target, { confDir: conf, set, env: {} }));
    assert.is(await snapshot(client, U), before, `explaining ${target} changed the engine`);
    return steps.map((s) => `${s.order} ${s.container}: ${s.action}`);
  };
  try {
    // Nothing exists: create, and nothing is made by explaining (no volume, network, image).
    const fresh = await explain(`${U}/start`);
    assert.is(fresh[0], `build b: build ${join(conf, 'images/base')} as ${U}-b:1`);
    assert.is(fresh[1], `start a: create ${U}-a (missing), start it`);
    assert.is(fresh[2], `start b: create ${U}-b (missing), start it`);
    assert.is(await snapshot(client, U), JSON.stringify({ containers: [], volumes: [], images: [], networks: [] }));
    assert.equal(await explain(`${U}/stop`), [`stop b: nothing: missing`, `stop a: nothing: missing`]);

    await runOk(client, `${U}/start`, conf, { env: {} });
    // Running and unchanged: nothing to do; create would keep; stop would stop.
    assert.equal((await explain(`${U}/start`)).slice(1), [
      `start a: running and unchanged: nothing to do`,
      `start b: running and unchanged: nothing to do`,
    ]);
    assert.equal(await explain(`${U}/create`), [
      `create a: keep the container (unchanged)`,
      `create b: keep the container (unchanged)`,
    ]);
    assert.equal(await explain(`${U}/restart`).then((s) => s.slice(1)), [
      `start a: keep the container (unchanged), restart it`,
      `start b: keep the container (unchanged), restart it`,
    ]);
    assert.equal(await explain(`${U}/stop`), [
      `stop b: stop ${U}-b (timeout 10 s)`,
      `stop a: stop ${U}-a (timeout 10 s)`,
    ]);

    // A changed variable: a would be recreated, b kept; still nothing changes.
    const changed = await explain(`${U}/start`, { V: 'two' });
    assert.match(
      changed[1]!,
      new RegExp(
        `^start a: recreate ${U}-a \\(its configuration changed \\(config hash h1-[0-9a-f]{16} → h1-[0-9a-f]{16}\\)\\), start it$`,
      ),
    );
    assert.is(changed[2], 'start b: running and unchanged: nothing to do');
    assert.is((await client.container(`${U}-a`).inspect()).Config.Env.includes('V=one'), true);
  } finally {
    await dropUnit(client, U, conf);
  }
});

/** Container create / destroy / rename events of the engine since `sinceMs`, oldest first. */
async function containerEvents(
  client: Harpoon,
  sinceMs: number,
): Promise<Array<{ action: string; id: string; name: string; at: number }>> {
  const filters = encodeURIComponent(JSON.stringify({ type: ['container'], event: ['create', 'destroy', 'rename'] }));
  const res = await client.engine.request({
    method: 'GET',
    path: `/events?since=${Math.floor(sinceMs / 1000) - 1}&until=${Math.ceil(Date.now() / 1000) + 1}&filters=${filters}`,
  });
  let text = '';
  for await (const chunk of res) text += String(chunk);
  return text
    .split('\n')
    .filter(Boolean)
    .map(
      (line) =>
        JSON.parse(line) as { Action: string; Actor: { ID: string; Attributes: { name: string } }; timeNano: number },
    )
    .map((e) => ({ action: e.Action, id: e.Actor.ID, name: e.Actor.Attributes.name, at: e.timeNano }))
    .sort((a, b) => a.at - b.at);
}

it('start again recreates nothing; a changed option recreates only that container, new before old, volume data kept', async (client) => {
  const U = unitName('recreate');
  const conf = makeConf({
    [`units/${U}/start.yaml`]: `
data:
  image: ${base}
  creation: {command: [sh, -c, "${TERM_EXITS}"], volumes: [/srv/data], environment: {MODE: "{{MODE:-one}}"}}
web:
  image: ${base}
  creation: {command: [sh, -c, "${TERM_EXITS}"], environment: {COLOR: blue}}
---
- data: {command: start}
- web: {command: start}
`,
  });
  const names = [`${U}-data`, `${U}-web`];
  try {
    await runOk(client, `${U}/start`, conf, { env: {} });
    const first = await idsOf(client, names);
    await sh(client.container(`${U}-data`), 'echo kept > /srv/data/keep.txt');

    const again = await runOk(client, `${U}/start`, conf, { env: {} });
    assert.equal(await idsOf(client, names), first);
    assert.equal([...outcomes(again).values()], ['running, unchanged: left alone', 'running, unchanged: left alone']);

    const since = Date.now();
    const changed = await runOk(client, `${U}/start`, conf, { env: {}, set: { MODE: 'two' } });
    const second = await idsOf(client, names);
    assert.is(second[`${U}-web`], first[`${U}-web`], 'web was left alone');
    assert.is(outcomes(changed).get(2), 'running, unchanged: left alone');
    assert.ok(
      second[`${U}-data`] && second[`${U}-data`] !== first[`${U}-data`],
      'data is a new container under its name',
    );
    assert.match(
      outcomes(changed).get(1)!,
      /^recreated: its configuration changed \(config hash h1-\w+ → h1-\w+\), started$/,
    );
    const info = await client.container(`${U}-data`).inspect();
    assert.ok(info.Config.Env.includes('MODE=two'), JSON.stringify(info.Config.Env));
    assert.is(info.State.Running, true);
    // The volume's data survived the recreate.
    assert.is(await sh(client.container(`${U}-data`), 'cat /srv/data/keep.txt'), 'kept\n');
    // The engine's events: the new container was created (under a temporary name) before the old
    // one was destroyed, then renamed to the unit's name.
    const events = (await containerEvents(client, since)).filter(
      (e) => e.id === first[`${U}-data`] || e.id === second[`${U}-data`],
    );
    const at = (action: string, id: string | undefined) => events.findIndex((e) => e.action === action && e.id === id);
    const created = at('create', second[`${U}-data`]);
    const destroyed = at('destroy', first[`${U}-data`]);
    const renamed = at('rename', second[`${U}-data`]);
    assert.ok(created >= 0 && destroyed >= 0 && renamed >= 0, JSON.stringify(events));
    assert.ok(created < destroyed && destroyed < renamed, JSON.stringify(events));
    assert.match(events[created]!.name, new RegExp(`^${U}-data-new-[0-9a-f]{6}$`));
    // Nothing else left behind (no container under a temporary name).
    assert.equal((await client.listManaged({ 'harpoon.unit': U })).containers.map((c) => c.name).sort(), names);
  } finally {
    await dropUnit(client, U, conf);
  }
});

it("a recreate stops the old container with the start order's timeout, not a fixed 10 s", async (client) => {
  const U = unitName('retime');
  const conf = makeConf({
    // sleep as PID 1 ignores SIGTERM: stopping it always takes the whole timeout.
    [`units/${U}/start.yaml`]: `
x: {image: ${base}, creation: {command: [sh, -c, "exec sleep 300"], environment: {V: "{{V:-one}}"}}}
---
- x: {command: start, timeout: 1}
`,
  });
  try {
    await runOk(client, `${U}/start`, conf, { env: {} });
    const r = await runOk(client, `${U}/start`, conf, { env: {}, set: { V: 'two' } });
    assert.match(outcomes(r).get(1)!, /^recreated: /);
    const ms = r.result.steps[0]!.ms!;
    assert.ok(ms >= 900 && ms < 5000, `the recreate took ${ms} ms; the order's stop timeout is 1 s`);
  } finally {
    await dropUnit(client, U, conf);
  }
});

it('a failed check does not stop the other checks (each gets a result), but stops the orders that are not checks', async (client) => {
  const U = unitName('checks');
  const conf = makeConf({
    [`units/${U}/start.yaml`]: `job:
  image: ${base}
  creation: {command: [sh, -c, "echo job output"]}
  startup: {wait_exit: 0}
  checks:
    - {name: wrong-log, type: job, log: "never printed", timeout: 5}
    - {name: right-log, type: job, log: "job output", timeout: 5}
---
- job: {command: start}
`,
    [`units/${U}/verify.yaml`]: `---
- job: {command: start}
- job: {command: check, check: wrong-log}
- job: {command: check, check: right-log}
- job: {command: execute, type: temporary, run: [sh, -c, "echo must not run"]}
`,
  });
  try {
    const r = await runRecorded(client, `${U}/verify`, conf);
    assert.ok(r.error, 'the run fails');
    assert.is(r.error!.step, 2);
    assert.match(r.error!.reason, /check wrong-log failed/);
    const statuses = r.error!.result.steps.map((s) => s.status);
    assert.equal(statuses, ['done', 'failed', 'done', 'not-run']);
    assert.equal(
      r.error!.result.checks.map((c) => [c.name, c.passed]),
      [
        ['wrong-log', false],
        ['right-log', true],
      ],
    );
  } finally {
    await dropUnit(client, U, conf);
  }
});

test.run();
