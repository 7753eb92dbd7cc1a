import { execFile, spawn } from 'node:child_process';
import { chownSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { connect } from 'amqplib';
import { freePort } from './brokers.js';
import { isAlive } from './process-alive.js';

const run = promisify(execFile);
const START_TIMEOUT_MS = 90_000;

/**
 * A RabbitMQ node of its own (not the machine's shared broker): own node name, AMQP and
 * distribution ports, data and log directories, no plugins. Killed with -9 and started again on
 * the same data, it keeps durable queues and persistent messages, as a crashed broker would.
 */
export class RabbitMqNode {
  private constructor(
    readonly name: string,
    readonly port: number,
    private readonly distPort: number,
    private readonly dir: string,
  ) {}

  static async start(label = 'disposable'): Promise<RabbitMqNode> {
    const dir = await mkdtemp(join(tmpdir(), `bus-rabbit-${label}-`));
    const port = await freePort();
    const node = new RabbitMqNode(`bus-${label}-${port}@localhost`, port, await freePort(), dir);
    mkdirSync(join(dir, 'mnesia'));
    mkdirSync(join(dir, 'log'));
    // The machine's rabbitmq.conf names 5672: this node reads its own.
    writeFileSync(join(dir, 'rabbitmq.conf'), `listeners.tcp.local = 127.0.0.1:${port}\n`);
    writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
    // Started as root, rabbitmq-server runs as the rabbitmq user, which must own its directories.
    if (process.getuid?.() === 0) for (const path of ['', 'mnesia', 'log', 'rabbitmq.conf', 'enabled_plugins']) chownRabbit(join(dir, path));
    await node.resume();
    return node;
  }

  get url(): string {
    return `amqp://guest:guest@127.0.0.1:${this.port}`;
  }

  /** Starts the node (again) on its data; resolves once it takes AMQP connections. */
  async resume(): Promise<void> {
    const env = {
      ...process.env,
      RABBITMQ_NODENAME: this.name,
      RABBITMQ_CONFIG_FILE: join(this.dir, 'rabbitmq.conf'),
      RABBITMQ_DIST_PORT: String(this.distPort),
      RABBITMQ_MNESIA_BASE: join(this.dir, 'mnesia'),
      RABBITMQ_LOG_BASE: join(this.dir, 'log'),
      RABBITMQ_ENABLED_PLUGINS_FILE: join(this.dir, 'enabled_plugins'),
      RABBITMQ_PID_FILE: join(this.dir, 'pid'),
    };
    spawn('rabbitmq-server', ['-detached'], { env, stdio: 'ignore' }).unref();
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!(await this.answers())) {
      if (Date.now() > deadline) throw new Error(`RabbitMQ node ${this.name} did not start within ${START_TIMEOUT_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** Runs `rabbitmqctl` against this node; resolves its stdout. */
  async ctl(...args: string[]): Promise<string> {
    const { stdout } = await run('rabbitmqctl', ['-n', this.name, ...args], { timeout: 60_000 });
    return stdout;
  }

  /** The pids of the client connections whose `connection_name` starts with `prefix` (the bus names its connections `<serviceName>.<instanceId>`). */
  private async connectionPids(prefix: string): Promise<string[]> {
    const rows = (await this.ctl('list_connections', '-q', '--no-table-headers', 'pid', 'client_properties')).split('\n');
    // The tab formatter prints `<pid>\t[{"connection_name","…"},…]`, its pid in the form close_connection takes.
    return rows.flatMap((row) => {
      const match = /^(<[^>]+>)\t.*\{"connection_name","([^"]*)"\}/.exec(row);
      return match?.[2]?.startsWith(prefix) ? [match[1] as string] : [];
    });
  }

  /**
   * Closes the client connections whose name starts with `prefix` from the broker's side
   * (CONNECTION_FORCED), as an operator or a node shutting down would; resolves how many.
   */
  async closeConnections(prefix: string): Promise<number> {
    const pids = await this.connectionPids(prefix);
    for (const pid of pids) await this.ctl('close_connection', pid, 'closed by the fault suite');
    return pids.length;
  }

  /** Consumers on each queue of the node whose name starts with `prefix`. */
  async consumers(prefix: string): Promise<Map<string, number>> {
    const rows = JSON.parse(await this.ctl('list_queues', '--formatter=json', '-q', 'name', 'consumers')) as { name: string; consumers: number }[];
    return new Map(rows.filter((row) => row.name.startsWith(prefix)).map((row) => [row.name, row.consumers]));
  }

  /** A crash: kill -9 of the node's Erlang VM; resolves once it is gone. */
  async kill(): Promise<void> {
    const pid = this.pid();
    if (pid === undefined) return;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      return;
    }
    while (isAlive(pid)) await new Promise((resolve) => setTimeout(resolve, 50));
  }

  /** Stops the node for good and removes its data. */
  async dispose(): Promise<void> {
    await run('rabbitmqctl', ['-n', this.name, 'stop'], { timeout: 60_000 }).catch(() => this.kill());
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private pid(): number | undefined {
    try {
      return Number(readFileSync(join(this.dir, 'pid'), 'utf8').trim()) || undefined;
    } catch {
      return undefined;
    }
  }

  private async answers(): Promise<boolean> {
    try {
      const connection = await connect(this.url);
      await connection.close();
      return true;
    } catch {
      return false;
    }
  }
}

function chownRabbit(path: string): void {
  const [, uid, gid] = readFileSync('/etc/passwd', 'utf8').match(/^rabbitmq:[^:]*:(\d+):(\d+):/m) ?? [];
  if (uid !== undefined && gid !== undefined) chownSync(path, Number(uid), Number(gid));
}

