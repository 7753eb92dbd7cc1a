import { InvalidOptionsError } from '../messages/errors.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Throws unless `table` is a plain SQL name, optionally schema-qualified (`app.outbox`); returns it. */
export function tableName(table: string): string {
  const parts = table.split('.');
  if (parts.length > 2 || !parts.every((part) => NAME.test(part))) {
    throw new InvalidOptionsError(`Not a plain SQL table name: ${JSON.stringify(table)}`);
  }
  return table;
}

/** Throws unless `name` is a plain, unqualified SQL name (a channel, an index); returns it. */
export function plainName(name: string): string {
  if (!NAME.test(name)) throw new InvalidOptionsError(`Not a plain SQL name: ${JSON.stringify(name)}`);
  return name;
}

/** The table's name without its schema, to name what belongs to it (`app.outbox` → `outbox`). */
export function baseName(table: string): string {
  return table.slice(table.lastIndexOf('.') + 1);
}
