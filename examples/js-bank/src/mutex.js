// A promise-based mutex: `await mutex.lock()` resolves when the previous
// holder calls its unlock function.
export class Mutex {
  constructor() {
    this.tail = Promise.resolve();
  }

  lock() {
    let unlock;
    const held = new Promise((resolve) => {
      unlock = resolve;
    });
    const turn = this.tail.then(() => unlock);
    this.tail = held;
    return turn;
  }
}
