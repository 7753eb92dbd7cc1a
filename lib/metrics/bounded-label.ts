/**
 * Keeps a label's cardinality bounded: the first `limit` distinct values pass, later ones become
 * `overflow`. Topics can carry ids; a metric must never get one series per message.
 */
export class BoundedLabel {
  private readonly seen = new Set<string>();

  constructor(
    private readonly limit: number,
    private readonly overflow = 'other',
  ) {}

  of(value: string): string {
    if (this.seen.has(value)) return value;
    if (this.seen.size >= this.limit) return this.overflow;
    this.seen.add(value);
    return value;
  }
}
