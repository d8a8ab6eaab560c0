// Integration: the orchestrator runs orders on independent containers side by side and orders
// on dependent ones (volumes_from, after) one after the other, timed against the real engine;
// a start's create part overlaps the start of what it links to.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildBusybox } from '../helpers/engine.ts';
import { engineTests } from '../helpers/integration.ts';
import { dropUnit, makeConf, runOk, unitName, type Recorded } from '../helpers/unit.ts';

let base = '';
const it = await engineTests({
  ready: async (client) => void (base = await buildBusybox(client, 'harpoon-test-orch-parallel')),
});

const RUNS = '[sh, -c, "trap \'exit 0\' TERM; sleep 300 & wait"]';
const SLEEP1 = '{command: execute, type: in_running, run: [sleep, "1"]}';

/** Two chains: a2 mounts a1's volumes, b2 comes after b1; a and b are independent. */
function conf(U: string): string {
  return makeConf({
    [`units/${U}/start.yaml`]: `
a1: {image: ${base}, creation: {command: ${RUNS}, volumes: [/srv/a]}}
a2: {image: ${base}, creation: {command: ${RUNS}, volumes_from: [a1]}}
b1: {image: ${base}, creation: {command: ${RUNS}}}
b2: {image: ${base}, creation: {command: ${RUNS}}, after: [b1]}
---
- a1: {command: start}
- a2: {command: start}
- b1: {command: start}
- b2: {command: start}
`,
    [`units/${U}/par.yaml`]: `---\n- a1: ${SLEEP1}\n- b1: ${SLEEP1}`,
    [`units/${U}/chains.yaml`]: `---\n- a1: ${SLEEP1}\n- a2: ${SLEEP1}\n- b1: ${SLEEP1}\n- b2: ${SLEEP1}`,
    [`units/${U}/host.yaml`]: `---\n- a1: ${SLEEP1}\n- b1: ${SLEEP1}\n- host: {command: execute, run: [sleep, "0.2"]}\n- b2: ${SLEEP1}`,
  });
}

const at = (r: Recorded, type: 'step-start' | 'step-done', step: number) => {
  const e = r.events.find((x) => x.type === type && x.step.number === step);
  assert.ok(e, `no ${type} for step ${step}`);
  return e!.at;
};

it('orders on independent containers overlap: two 1 s execs finish in well under 2 s, both started before either is done', async (client) => {
  const U = unitName('par');
  const dir = conf(U);
  try {
    await runOk(client, `${U}/start`, dir);
    const r = await runOk(client, `${U}/par`, dir);
    assert.equal(
      r.result.loaded.plan.steps.map((s) => s.waitsFor),
      [[], []],
    );
    assert.ok(r.ms < 1800, `took ${r.ms} ms`);
    assert.ok(
      r.result.steps.every((s) => s.ms! >= 950),
      JSON.stringify(r.result.steps),
    );
    const lastStart = Math.max(at(r, 'step-start', 1), at(r, 'step-start', 2));
    const firstDone = Math.min(at(r, 'step-done', 1), at(r, 'step-done', 2));
    assert.ok(lastStart < firstDone, `both started (${lastStart}) before either finished (${firstDone})`);
  } finally {
    await dropUnit(client, U, dir);
  }
});

it('orders on dependent containers (volumes_from, after) wait for each other; the two chains still overlap', async (client) => {
  const U = unitName('chains');
  const dir = conf(U);
  try {
    await runOk(client, `${U}/start`, dir);
    const r = await runOk(client, `${U}/chains`, dir);
    const waits = r.result.loaded.plan.steps.map((s) => s.waitsFor);
    assert.equal(waits, [
      [],
      [{ step: 1, why: "a2 mounts a1's volumes" }],
      [],
      [{ step: 3, why: 'b2 comes after b1' }],
    ]);
    // Within a chain: the second starts only once the first is done.
    assert.ok(at(r, 'step-start', 2) >= at(r, 'step-done', 1), 'a2 waited for a1');
    assert.ok(at(r, 'step-start', 4) >= at(r, 'step-done', 3), 'b2 waited for b1');
    // Across chains: side by side, so about 2 s, not 4.
    assert.ok(at(r, 'step-start', 3) < at(r, 'step-done', 1), 'b1 started while a1 ran');
    assert.ok(r.ms >= 1950 && r.ms < 3200, `took ${r.ms} ms`);
  } finally {
    await dropUnit(client, U, dir);
  }
});

it('a host order waits for everything before it and holds everything after it', async (client) => {
  const U = unitName('host');
  const dir = conf(U);
  try {
    await runOk(client, `${U}/start`, dir);
    const r = await runOk(client, `${U}/host`, dir);
    assert.ok(at(r, 'step-start', 3) >= Math.max(at(r, 'step-done', 1), at(r, 'step-done', 2)), 'host after both');
    assert.ok(at(r, 'step-start', 4) >= at(r, 'step-done', 3), 'b2 after host');
    assert.ok(r.ms >= 2150, `took ${r.ms} ms`);
  } finally {
    await dropUnit(client, U, dir);
  }
});

it('a link chain is pipelined: the next container is created while the one it links to starts, and started only after it', async (client) => {
  const U = unitName('pipe');
  const dir = makeConf({
    [`units/${U}/start.yaml`]: `
web: {image: ${base}, creation: {command: ${RUNS}}}
app: {image: ${base}, creation: {command: ${RUNS}, links: ["web:backend"]}}
---
- web: {command: start}
- app: {command: start}
`,
  });
  try {
    const r = await runOk(client, `${U}/start`, dir);
    assert.equal(r.result.loaded.plan.steps[1]!.waitsFor, [{ step: 1, why: 'app links to web' }]);
    // app's step began (its container being created) before web's step was done...
    assert.ok(at(r, 'step-start', 2) < at(r, 'step-done', 1), 'app began while web was starting');
    // ...and app was created before web had started, yet started after it (a link needs a running target).
    const web = await client.container(`${U}-web`).inspect();
    const app = await client.container(`${U}-app`).inspect();
    assert.ok(
      Date.parse(app.Created) < Date.parse(web.State.StartedAt),
      `app created ${app.Created}, web started ${web.State.StartedAt}`,
    );
    assert.ok(Date.parse(app.State.StartedAt) > Date.parse(web.State.StartedAt), 'app started after web');
    assert.is(app.State.Running, true);
    assert.equal(app.HostConfig.Links, [`/${U}-web:/${U}-app/backend`]);
  } finally {
    await dropUnit(client, U, dir);
  }
});

test.run();
