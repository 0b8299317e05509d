/**
 * Runs tasks one after another per key, in call order, and concurrently across keys. The
 * embedded adapter uses it where a decision needs a read before its write (registerPoll):
 * nedb serialises single operations, not a read followed by a write.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key);
    const result = previous ? previous.then(task) : task();
    // The chain must outlive a failed task, and the map must forget keys nobody waits on.
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
