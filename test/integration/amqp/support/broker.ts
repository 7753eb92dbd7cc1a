import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { connect, type Channel } from 'amqplib';
import { AMQP_URL } from '../../../support/brokers.js';

const run = promisify(execFile);

/** Runs `rabbitmqctl` with the given arguments; resolves its stdout. */
export async function rabbitmqctl(...args: string[]): Promise<string> {
  const { stdout } = await run('rabbitmqctl', args, { timeout: 120_000 });
  return stdout;
}

/** A fresh exchange name (and queue prefix) no other test uses. */
export function testNamespace(label: string): string {
  return `bus-test.${label}.${randomBytes(4).toString('hex')}`;
}

async function listNames(kind: 'queues' | 'exchanges'): Promise<string[]> {
  const output = await rabbitmqctl(`list_${kind}`, '--formatter=json', '-q', 'name');
  return (JSON.parse(output) as { name: string }[]).map((entry) => entry.name);
}

/**
 * Deletes every queue and exchange whose name starts with one of the namespaces. One that cannot
 * be deleted (an exclusive queue of a connection still open) is reported, not thrown: it goes
 * with its connection, and cleanup must not hide the failure that left it there.
 */
export async function deleteNamespaces(namespaces: string[]): Promise<void> {
  if (namespaces.length === 0) return;
  const owned = (name: string) => namespaces.some((namespace) => name === namespace || name.startsWith(`${namespace}.`));
  const [queues, exchanges] = await Promise.all([listNames('queues'), listNames('exchanges')]);
  const connection = await connect(AMQP_URL);
  const leftovers: string[] = [];
  const attempt = async (name: string, remove: (channel: Channel) => Promise<unknown>) => {
    // A refusal closes the channel, so each deletion gets its own.
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    try {
      await remove(channel);
      await channel.close();
    } catch (error) {
      leftovers.push(`${name}: ${(error as Error).message}`);
    }
  };
  try {
    for (const queue of queues.filter(owned)) await attempt(queue, (channel) => channel.deleteQueue(queue));
    for (const exchange of exchanges.filter(owned)) await attempt(exchange, (channel) => channel.deleteExchange(exchange));
  } finally {
    await connection.close();
  }
  if (leftovers.length > 0) console.warn(`RabbitMQ test cleanup left:\n${leftovers.join('\n')}`);
}
