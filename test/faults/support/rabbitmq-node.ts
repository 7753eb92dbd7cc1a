import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { reachable } from '../../support/brokers.js';

const run = promisify(execFile);
const BOOT_MS = 120_000;

/**
 * A second RabbitMQ node owned by one test (its own node name, ports and data directory, no
 * plugins), so that a broker restart never touches the machine's shared node.
 */
export class RabbitMqNode {
  private constructor(
    readonly name: string,
    readonly port: number,
    private readonly dir: string,
  ) {}

  /** Boots the node; resolves once it accepts AMQP connections. */
  static async start(options: { name: string; port: number }): Promise<RabbitMqNode> {
    const dir = await mkdtemp(join(tmpdir(), `bus-rabbitmq-${options.name}-`));
    await writeFile(join(dir, 'enabled_plugins'), '[].');
    // rabbitmq-server runs as the rabbitmq user when started by root.
    await run('chown', ['-R', 'rabbitmq:rabbitmq', dir]).catch(() => undefined);
    const node = new RabbitMqNode(`${options.name}@localhost`, options.port, dir);
    spawn('rabbitmq-server', [], {
      stdio: 'ignore',
      detached: true,
      env: {
        ...process.env,
        RABBITMQ_NODENAME: node.name,
        RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
        RABBITMQ_NODE_PORT: String(options.port),
        RABBITMQ_DIST_PORT: String(options.port + 20_000),
        RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
        RABBITMQ_LOG_BASE: join(dir, 'log'),
        RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
        // Not the machine's config, which puts the shared node's listener on 5672.
        RABBITMQ_CONFIG_FILE: join(dir, 'none'),
      },
    }).unref();
    const deadline = Date.now() + BOOT_MS;
    while (!(await reachable(node.url))) {
      if (Date.now() > deadline) throw new Error(`RabbitMQ node ${node.name} did not start on port ${options.port}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    await node.ctl('await_startup');
    return node;
  }

  get url(): string {
    return `amqp://guest:guest@127.0.0.1:${this.port}`;
  }

  /** Runs `rabbitmqctl` against this node; resolves its stdout. */
  async ctl(...args: string[]): Promise<string> {
    const { stdout } = await run('rabbitmqctl', ['-n', this.name, ...args], { timeout: BOOT_MS });
    return stdout;
  }

  /** `stop_app`, then `start_app`: the broker restarts, its durable queues and persistent messages kept. */
  async restart(): Promise<void> {
    await this.ctl('stop_app');
    await this.ctl('start_app');
    await this.ctl('await_startup');
  }

  /** Stops the node for good and removes its data. */
  async dispose(): Promise<void> {
    await this.ctl('stop').catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }
}
