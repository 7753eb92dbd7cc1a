/** The brokers the bench uses (the same variables as the tests). */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

/** A bench namespace (`nmb-bench.<run>.<job>`) as a NATS stream name, which allows no `.`. */
export function natsStreamOf(namespace: string): string {
  return namespace.replaceAll('.', '-');
}
export const POSTGRES_URL = process.env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
