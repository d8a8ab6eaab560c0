// --dry-run: what each step would do, and why, read from the engine as it is now (nothing is
// changed). A step after a build that changes an image may do more than it says here.
import type { Harpoon } from '../../core/client.ts';
import { containerState, decideCreate } from '../apply/state.ts';
import type { Order, Unit } from '../model.ts';
import type { Plan } from './plan.ts';

/** One step of a dry run: the order, what it waits for, and what it would do and why. */
export interface ExplainedStep {
  number: number;
  order: string;
  container?: string;
  source: string;
  waitsFor: Array<{ step: number; why: string }>;
  /** What it would do and why. */
  action: string;
}

/** What each step of a plan would do and why, read from the engine as it is now; changes nothing. */
export async function explainPlan(client: Harpoon | undefined, plan: Plan): Promise<ExplainedStep[]> {
  return Promise.all(
    plan.steps.map(async (step) => ({
      number: step.number,
      order: step.order.command,
      ...(step.order.container !== undefined ? { container: step.order.container } : {}),
      source: `${step.order.source.file} line ${step.order.source.line}`,
      waitsFor: step.waitsFor,
      action: await explainOrder(client, plan.unit, step.order),
    })),
  );
}

async function explainOrder(client: Harpoon | undefined, unit: Unit, order: Order): Promise<string> {
  const spec = order.container === undefined ? undefined : unit.containers.get(order.container);
  const args = order.args;
  switch (order.command) {
    case 'build':
      return `build ${spec?.build?.path ?? 'from in-memory lines'} as ${spec?.build?.tag}${args.noCache ? ', without cache' : ''}`;
    case 'create':
    case 'start': {
      if (!client || !spec) return order.command;
      const decision = await decideCreate(client, unit, spec);
      const create =
        decision.action === 'keep'
          ? 'keep the container (unchanged)'
          : decision.action === 'refuse'
            ? `refuse: ${decision.reason}`
            : `${decision.action} ${spec.engineName} (${decision.reason})`;
      if (order.command === 'create') return create;
      const running = decision.action === 'keep' && decision.state.status === 'present' && decision.state.running;
      if (running) return args.restart ? `${create}, restart it` : 'running and unchanged: nothing to do';
      return `${create}, start it${spec.startup.waitLog ? `, wait for /${spec.startup.waitLog}/ in its log` : ''}${spec.startup.waitHealthy ? ', wait until healthy' : ''}${spec.startup.waitExit !== undefined ? `, wait for exit ${spec.startup.waitExit}` : ''}`;
    }
    case 'stop': {
      if (!client || !spec) return 'stop';
      const state = await containerState(client, spec);
      return state.status === 'present'
        ? state.running
          ? `stop ${spec.engineName} (timeout ${args.timeout ?? 10} s)`
          : `nothing: already ${state.state}`
        : `nothing: ${state.status}`;
    }
    case 'remove':
      return `remove ${spec?.engineName}${args.v ? ' and its unit volumes' : ''}`;
    case 'remove_image':
      return `remove the image ${spec?.build?.tag ?? spec?.creation.image}`;
    case 'backup':
    case 'restore':
      return `${order.command} ${args.paths?.join(', ') ?? 'its unit volumes'} ${order.command === 'backup' ? 'to' : 'from'} ${args.backupDir ?? 'backups'}/${args.backupName ?? `${spec?.unit}-${spec?.name}.tar`}${args.merge ? ' (merge)' : ''}`;
    case 'execute':
      return `run ${JSON.stringify(args.run)} ${args.type === 'host' || !spec ? 'on this machine' : args.type === 'in_running' ? `in ${spec.engineName}` : `in a ${args.type} container`}`;
    case 'tag':
      return `tag ${spec?.build?.tag ?? spec?.creation.image} as ${args.tag}`;
    case 'commit':
      return `commit ${spec?.engineName} as ${args.tag ?? `${spec?.engineName}:committed`}`;
    case 'push':
      return `push ${args.tag ?? spec?.build?.tag ?? spec?.creation.image}`;
    case 'check':
      return `check ${args.check}`;
  }
}
