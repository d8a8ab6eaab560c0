// A long operation that reports progress: await it for the result, or iterate it for events.
//   const build = client.build({...});
//   for await (const event of build) render(event);
//   const { imageId } = await build;
/** A long operation that reports progress: await it for the result, or iterate it for events. */
export class ProgressTask<E, R> implements PromiseLike<R>, AsyncIterable<E> {
  readonly #result: Promise<R>;
  readonly #events: E[] = [];
  #done = false;
  #wake: (() => void) | undefined;

  /** `run` receives `emit` and resolves to the result. */
  constructor(run: (emit: (event: E) => void) => Promise<R>, onEvent?: (event: E) => void) {
    const emit = (event: E) => {
      onEvent?.(event);
      this.#events.push(event);
      this.#wake?.();
    };
    this.#result = run(emit).finally(() => {
      this.#done = true;
      this.#wake?.();
    });
    // Iterating is optional; a rejection is delivered by `then`, not as an unhandled one here.
    this.#result.catch(() => {});
  }

  then<A = R, B = never>(
    onFulfilled?: ((value: R) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.#result.then(onFulfilled, onRejected);
  }

  /** Handle a failure, as a promise's `catch`. */
  catch<B = never>(onRejected: (reason: unknown) => B | PromiseLike<B>): Promise<R | B> {
    return this.#result.catch(onRejected);
  }

  /** Events from the start of the operation; ends when it settles (errors surface on await). */
  async *[Symbol.asyncIterator](): AsyncIterator<E> {
    let index = 0;
    for (;;) {
      while (index < this.#events.length) yield this.#events[index++]!;
      if (this.#done) return;
      await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = undefined;
    }
  }
}
