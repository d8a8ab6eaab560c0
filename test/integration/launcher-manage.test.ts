// Integration: launcher management against the real engine: purge by labels, by inactivity,
// eviction by memory budget, the crash reaper (a child process SIGKILLed), close(), and
// concurrent launches. Each purge is scoped to a label set of its own, and a container the
// launcher did not start, carrying those same labels, must survive every one of them.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Launcher, NameConflictError, type Harpoon, type Labels, type Launched } from 'harpoon';
import { RUN_ID } from '../helpers/engine.ts';
import { containerExists, eventually } from '../helpers/integration.ts';
import { caseLabels, fetchText, launcherTests, namer, TEST_WEBAPP as WEBAPP } from '../helpers/launcher.ts';

const root = join(import.meta.dirname, '..', '..');
let launcher: Launcher;
const { it, stateDir } = await launcherTests('harpoon-launcher-manage', (l) => (launcher = l));

let counter = 0; // also numbers the child scripts
const uniqueName = namer('hm');

/** A running container the launcher did not start, with the given labels (and a tempting memory label). */
async function foreignContainer(client: Harpoon, labels: Labels) {
  const container = await client.createContainer({
    image: WEBAPP,
    name: uniqueName('foreign'),
    cmd: ['sleep', '300'],
    labels: { ...labels, 'harpoon.launcher.mem_reservation_mb': '100' },
  });
  await container.start();
  return container;
}

const activityFile = (id: string) => join(stateDir, 'activity', id);

/** Remove what a test made, whatever happened (by id: never anything else). */
async function removeAll(client: Harpoon, ids: string[]) {
  await Promise.all(
    ids.map((id) =>
      client
        .container(id)
        .remove({ force: true, volumes: true, ifExists: true })
        .catch(() => {}),
    ),
  );
}

// ---------------------------------------------------------------- purges

it('purge(labels) removes exactly the launched containers with those labels', async (client) => {
  const setA = caseLabels('purge-a');
  const setB = caseLabels('purge-b');
  const [a1, a2, b1] = await Promise.all([
    launcher.launch({ image: WEBAPP, labels: setA }),
    launcher.launch({ image: WEBAPP, labels: setA }),
    launcher.launch({ image: WEBAPP, labels: setB }),
  ]);
  const foreign = await foreignContainer(client, setA);
  try {
    assert.ok(existsSync(activityFile(a1.id)), 'the launch recorded activity');
    const removed = await launcher.purge(setA);
    assert.equal(removed.sort(), [a1.name, a2.name].sort());
    assert.is(await containerExists(client, a1.id), false);
    assert.is(await containerExists(client, a2.id), false);
    assert.not.ok(existsSync(activityFile(a1.id)), 'the activity record is forgotten');
    assert.is(await containerExists(client, b1.id), true, 'another label set survives');
    assert.is(await containerExists(client, foreign.id), true, 'the foreign container survives');
    assert.is((await client.container(foreign.id).inspect()).State.Running, true);
    assert.equal(await launcher.purge(setA), [], 'nothing left to purge');
    assert.equal(await launcher.purge(setB), [b1.name]);
    assert.is(await containerExists(client, foreign.id), true);
  } finally {
    await removeAll(client, [a1.id, a2.id, b1.id, foreign.id]);
  }
});

it('purgeInactive(seconds, labels) spares the recently touched, the recently requested, and foreign containers', async (client) => {
  const labels = caseLabels('inactive');
  const [a, b, c, d] = await Promise.all([0, 1, 2, 3].map(() => launcher.launch({ image: WEBAPP, labels })));
  const foreign = await foreignContainer(client, labels);
  try {
    await sleep(3_000);
    await launcher.touch(b.name); // what the proxy does on traffic
    assert.is((await fetchText(d.url, '/')).status, 200); // the app logs the request: activity too
    await sleep(200); // let the engine write the log line
    const removed = await launcher.purgeInactive(2, labels);
    assert.equal(removed.sort(), [a.name, c.name].sort());
    assert.is(await containerExists(client, a.id), false);
    assert.is(await containerExists(client, c.id), false);
    assert.is(await containerExists(client, b.id), true, 'touched: survives');
    assert.is(await containerExists(client, d.id), true, 'requested directly: survives');
    assert.is(await containerExists(client, foreign.id), true, 'foreign: survives');
    assert.equal(await launcher.purgeInactive(60, labels), [], 'the rest was active within a minute');
  } finally {
    await removeAll(client, [a.id, b.id, c.id, d.id, foreign.id]);
  }
});

it('evict(budgetMb, labels) removes least-recently-used first until the reservations fit', async (client) => {
  const labels = caseLabels('evict');
  const launched: Launched[] = [];
  let foreign: Awaited<ReturnType<typeof foreignContainer>> | undefined;
  try {
    // No reservation: never counted, never evicted.
    const free = await launcher.launch({ image: WEBAPP, labels });
    launched.push(free);
    const a = await launcher.launch({ image: WEBAPP, labels, memoryReservationMb: 10 });
    const aAt = Date.now();
    launched.push(a);
    await sleep(300);
    const b = await launcher.launch({ image: WEBAPP, labels, memoryReservationMb: 10 });
    launched.push(b);
    await sleep(300);
    const c = await launcher.launch({ image: WEBAPP, labels, memoryReservationMb: 10 });
    launched.push(c);
    foreign = await foreignContainer(client, labels);
    // The activity store skips touches within a second of the last one.
    await sleep(Math.max(0, 1_300 - (Date.now() - aAt)));
    await launcher.touch(a.name); // a is now the most recently used: b, c, a

    const hostConfig = (await client.container(a.id).inspect()).HostConfig;
    assert.is(hostConfig.MemoryReservation, 10 * 1024 * 1024);

    assert.equal(await launcher.evict(15, labels), [b.name, c.name], 'oldest first, until 10 MB <= 15 MB');
    assert.is(await containerExists(client, b.id), false);
    assert.is(await containerExists(client, c.id), false);
    assert.is(await containerExists(client, a.id), true);
    assert.is(await containerExists(client, free.id), true);
    assert.is(await containerExists(client, foreign.id), true, 'foreign (with a 100 MB label) survives');
    assert.equal(await launcher.evict(15, labels), [], 'already within budget');
    assert.equal(await launcher.evict(0, labels), [a.name]);
    assert.is(await containerExists(client, free.id), true, 'no reservation: not evicted');
    assert.is(await containerExists(client, foreign.id), true, 'foreign survives');
  } finally {
    await removeAll(client, [...launched.map((l) => l.id), ...(foreign ? [foreign.id] : [])]);
  }
});

// ---------------------------------------------------------------- the crash reaper

/** Start a child process that launches one container and prints it; resolves once printed. */
async function launchInChild(options: {
  reap: boolean;
  labels: Labels;
}): Promise<{ child: ChildProcess; name: string; id: string; session: string | null; stderr: () => string }> {
  const script = join(stateDir, `launch-child-${++counter}.mts`);
  writeFileSync(
    script,
    `import { Harpoon, Launcher } from ${JSON.stringify(pathToFileURL(join(root, 'src', 'index.ts')).href)};
const config = ${JSON.stringify({ image: WEBAPP, ...options })};
const client = await Harpoon.connect();
const launcher = new Launcher(client, { labels: config.labels, reap: config.reap });
const launched = await launcher.launch({ image: config.image });
process.stdout.write(JSON.stringify({ name: launched.name, id: launched.id, session: launcher.sessionId ?? null }) + '\\n');
setInterval(() => {}, 60_000);
`,
  );
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: process.env,
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += String(chunk)));
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the child printed nothing in 30 s; stderr: ${stderr}`)), 30_000);
    child.stdout!.on('data', (chunk) => {
      stdout += String(chunk);
      if (stdout.includes('\n')) {
        clearTimeout(timer);
        resolve(stdout.split('\n')[0]!);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the child exited (${code}) before launching; stderr: ${stderr}`));
    });
  });
  return { child, ...(JSON.parse(line) as { name: string; id: string; session: string | null }), stderr: () => stderr };
}

async function sigkill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

it("memoryBudgetMb: each launch first evicts this launcher's least-recently-used containers to fit the budget", async (client) => {
  const labels = caseLabels('budget');
  const budgeted = new Launcher(client, { labels, memoryBudgetMb: 40, reap: false });
  const foreign = await foreignContainer(client, labels);
  try {
    const a = await budgeted.launch({ image: WEBAPP, name: uniqueName('budget-a'), memoryReservationMb: 16 });
    const b = await budgeted.launch({ image: WEBAPP, name: uniqueName('budget-b'), memoryReservationMb: 16 });
    await budgeted.touch(a.name); // a is now the more recently used
    await sleep(1_100);
    await budgeted.touch(a.name);
    // 16 + 16 + 16 > 40: b (least recently used) must go before c starts.
    const c = await budgeted.launch({ image: WEBAPP, name: uniqueName('budget-c'), memoryReservationMb: 16 });
    const names = (await budgeted.list(labels)).map((x) => x.name).sort();
    assert.equal(names, [a.name, c.name].sort());
    assert.not.ok(await containerExists(client, b.name));
    assert.ok(await containerExists(client, foreign.id), 'the foreign container survives the eviction');
  } finally {
    await budgeted.purge(labels);
    await foreign.remove({ force: true });
  }
});

it('crash reaper: a launching process SIGKILLed loses its container within 10 s (other sessions keep theirs)', async (client) => {
  const labels = caseLabels('reaper');
  const bystander = await launcher.launch({ image: WEBAPP, labels }); // another session, same labels
  let launched: Awaited<ReturnType<typeof launchInChild>> | undefined;
  try {
    launched = await launchInChild({ reap: true, labels });
    const info = await client.container(launched.id).inspect();
    assert.is(info.State.Running, true);
    assert.is(info.Config.Labels['harpoon.launcher.session'], launched.session);
    assert.match(launched.session ?? '', /^[0-9a-f-]{36}$/);
    assert.is.not(launched.session, launcher.sessionId);

    const killedAt = Date.now();
    await sigkill(launched.child);
    assert.is(launched.child.signalCode, 'SIGKILL');
    const gone = await eventually(async () => !(await containerExists(client, launched!.id)), 10_000, 100);
    assert.ok(gone, `the container is still there ${Date.now() - killedAt} ms after the SIGKILL`);
    assert.is(await containerExists(client, bystander.id), true, "the reaper left another session's container alone");
  } finally {
    if (launched) await sigkill(launched.child);
    await removeAll(client, [bystander.id, ...(launched ? [launched.id] : [])]);
  }
});

it('reap: false: the container survives the SIGKILL of the process that launched it', async (client) => {
  const labels = caseLabels('no-reaper');
  let launched: Awaited<ReturnType<typeof launchInChild>> | undefined;
  try {
    launched = await launchInChild({ reap: false, labels });
    assert.is(launched.session, null);
    const info = await client.container(launched.id).inspect();
    assert.is(info.Config.Labels['harpoon.launcher.session'], undefined, 'no session label without a reaper');
    await sigkill(launched.child);
    await sleep(3_000); // the reaper, had there been one, would have removed it by now
    assert.is((await client.container(launched.id).inspect()).State.Running, true, 'still running');
    assert.is((await fetchText(await launcher.url(launched.name), '/')).status, 200, 'and still answering');
  } finally {
    if (launched) await sigkill(launched.child);
    if (launched) await removeAll(client, [launched.id]);
  }
});

it("close() removes this session's containers, and only those", async (client) => {
  const labels = caseLabels('close');
  const session = new Launcher(client, { labels });
  const other = new Launcher(client, { labels, reap: false });
  const ids: string[] = [];
  try {
    const [a, b] = await Promise.all([
      session.launch({ image: WEBAPP }),
      session.launch({ image: WEBAPP, ready: false }),
    ]);
    ids.push(a.id, b.id);
    const kept = await other.launch({ image: WEBAPP });
    ids.push(kept.id);
    const foreign = await foreignContainer(client, labels);
    ids.push(foreign.id);
    await session.close();
    assert.is(await containerExists(client, a.id), false);
    assert.is(await containerExists(client, b.id), false);
    assert.is(await containerExists(client, kept.id), true, "another launcher's container survives");
    assert.is(await containerExists(client, foreign.id), true, 'the foreign container survives');
    await session.close(); // twice is fine
    await other.close(); // no reaper: nothing happens
    assert.is(await containerExists(client, kept.id), true);
  } finally {
    await session.close().catch(() => {});
    await removeAll(client, ids);
  }
});

// ---------------------------------------------------------------- concurrency

it('20 concurrent launches all succeed, with distinct names and ports, each serving its own input', async (client) => {
  const labels = caseLabels('many');
  const count = 20;
  const settled = await Promise.allSettled(
    Array.from({ length: count }, (_, i) => launcher.launch({ image: WEBAPP, labels, input: { n: i, run: RUN_ID } })),
  );
  const ok = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  try {
    const failures = settled.flatMap((s) => (s.status === 'rejected' ? [String(s.reason)] : []));
    assert.equal(failures, [], 'every launch succeeded');
    assert.is(new Set(ok.map((l) => l.name)).size, count, 'distinct names');
    assert.is(new Set(ok.map((l) => l.hostPort)).size, count, 'distinct ports');
    assert.is(new Set(ok.map((l) => l.id)).size, count, 'distinct containers');
    const bodies = await Promise.all(ok.map((l) => fetchText(l.url, '/input.json')));
    ok.forEach((l, i) => {
      assert.is(bodies[i]!.status, 200, l.name);
      assert.is(bodies[i]!.body, JSON.stringify({ n: i, run: RUN_ID }), `${l.name} serves its own input`);
    });
    assert.is((await launcher.list(labels)).length, count);
  } finally {
    await removeAll(
      client,
      ok.map((l) => l.id),
    );
  }
});

it('5 concurrent launches with the same name: one wins, four get NameConflictError, one container exists', async (client) => {
  const name = uniqueName('same');
  const labels = caseLabels('same');
  const settled = await Promise.allSettled(
    Array.from({ length: 5 }, (_, i) => launcher.launch({ image: WEBAPP, name, labels, input: { attempt: i } })),
  );
  const winners = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  try {
    const losers = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []));
    assert.is(winners.length, 1, `exactly one launch succeeded: ${losers.map(String).join(' | ')}`);
    assert.is(losers.length, 4);
    for (const err of losers) {
      assert.instance(err, NameConflictError, String(err));
      assert.is((err as NameConflictError).containerName, name);
    }
    const found = await client.docker.listContainers({ all: true, filters: JSON.stringify({ name: [`^/${name}$`] }) });
    assert.is(found.length, 1, 'one container by that name');
    assert.is(found[0]!.Id, winners[0]!.id, "it is the winner's, still there after the losers failed");
    assert.is(found[0]!.State, 'running');
    const winnerInput = settled.findIndex((s) => s.status === 'fulfilled');
    assert.is((await fetchText(winners[0]!.url, '/input.json')).body, JSON.stringify({ attempt: winnerInput }));
    assert.equal(
      (await launcher.list(labels)).map((c) => c.id),
      [winners[0]!.id],
    );
  } finally {
    await removeAll(
      client,
      winners.map((w) => w.id),
    );
  }
});

test.run();
