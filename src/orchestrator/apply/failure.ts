// An order that cannot be carried out for a reason of its own (not an engine error): the
// runner wraps it with the order, the container and the file line.
export class OrderFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OrderFailure';
  }
}
