// The error of one value parser (a shell-word string, a port spec, a size): it knows the value
// but not where it came from, so the caller (a config key, a flag, a unit field) adds the name.
// In core because the project model and the orchestrator both parse these values.

/** A problem with one value; `valid` lists what would have been accepted, when there is a list. */
export class ValueError extends Error {
  readonly valid: readonly string[];
  constructor(message: string, valid: readonly string[] = []) {
    super(message);
    this.name = 'ValueError';
    this.valid = valid;
  }
}
