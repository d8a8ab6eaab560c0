// check: one of the container's daemon or job checks; a failed check fails the order.
import { OrderFailure } from '../apply/failure.ts';
import { runDaemonCheck } from '../checks/daemon.ts';
import { runJobCheck } from '../checks/job.ts';
import { containerOf, type OrderContext, type OrderOutcome } from './context.ts';

export async function checkOrder(ctx: OrderContext): Promise<OrderOutcome> {
  const spec = containerOf(ctx);
  const check = spec.checks.find((c) => c.name === ctx.order.args.check);
  if (!check) throw new OrderFailure(`${spec.name} has no check named ${ctx.order.args.check ?? '(none given)'}`);
  const result =
    check.kind === 'daemon'
      ? await runDaemonCheck(ctx.client, spec.engineName, check, { signal: ctx.signal })
      : await runJobCheck(ctx.client, spec.engineName, check, { signal: ctx.signal });
  ctx.emit({ type: 'check', result });
  if (!result.passed) throw new OrderFailure(`check ${check.name} failed: ${result.message}`);
  return `check ${check.name} passed: ${result.message}`;
}
