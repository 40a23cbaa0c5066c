// An uncaught exception in TypeScript: recorded with its .ts stack.
type Order = { id: number };

function validate(order: Order): void {
  if (order.id < 0) {
    throw new RangeError(`bad order ${order.id}`); // [throw]
  }
}

function submit(order: Order): void {
  validate(order);
}

submit({ id: -1 });
