/**
 * Runs async work one piece at a time, in call order: the approvals file is rewritten whole,
 * and two decisions applied at once could both see a quorum one short and both complete it.
 */
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const next = this.tail.then(work, work);
    this.tail = next.catch(() => undefined);
    return next;
  }
}
