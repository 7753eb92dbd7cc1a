/** `work`'s outcome, or a rejection with `onTimeout()` if it takes longer than `ms`. */
export function withinTimeout<T>(work: PromiseLike<T>, ms: number, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), ms);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** Waits for `work` at most `ms`; true when it settled (either way) in time. */
export function settlesWithin(work: PromiseLike<unknown>, ms: number): Promise<boolean> {
  const settled = work.then(
    () => true,
    () => true,
  );
  return withinTimeout(settled, ms, () => new Error('late')).catch(() => false);
}
