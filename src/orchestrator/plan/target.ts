// `UNIT/COMMAND[:variant…]`, the argument of `harpoon unit run`.
import { InvalidInputError } from '../../core/errors.ts';

/** `UNIT/COMMAND[:variant…]` taken apart. */
export interface RunTarget {
  unit: string;
  command: string;
  variants: string[];
}

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** Read `UNIT/COMMAND[:variant…]`, the argument of `harpoon unit run`. */
export function parseTarget(text: string): RunTarget {
  const [path = '', ...variants] = text.split(':');
  const slash = path.indexOf('/');
  const unit = slash === -1 ? path : path.slice(0, slash);
  const command = slash === -1 ? '' : path.slice(slash + 1);
  const bad = [unit, command, ...variants].find((part) => !NAME.test(part));
  if (bad !== undefined) {
    throw new InvalidInputError(
      'UNIT/COMMAND',
      `"${text}" is not UNIT/COMMAND[:variant…]: ${bad === '' ? 'a part is empty' : `"${bad}" is not a name`}; e.g. site/start or site/test:check`,
    );
  }
  return { unit, command, variants };
}
