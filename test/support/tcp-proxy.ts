import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a real broker: `cut()` drops every connection and refuses new ones,
 * as a network partition would; `restore()` lets them through again on the same port.
 * `reset()` sends a TCP RST on every connection (new ones are accepted); `blackhole()` keeps
 * every socket open but forwards nothing, new ones included, until `heal()` delivers what it
 * held, in order, as TCP does after a partition shorter than its retransmission timeout.
 */
export class TcpProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private held?: (() => void)[];

  private constructor(
    private readonly target: { host: string; port: number },
    readonly port: number,
  ) {}

  static async start(targetUrl: string): Promise<TcpProxy> {
    const { hostname, port } = new URL(targetUrl);
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const free = (probe.address() as { port: number }).port;
    await new Promise((resolve) => probe.close(resolve));
    const proxy = new TcpProxy({ host: hostname, port: Number(port) }, free);
    await proxy.restore();
    return proxy;
  }

  /** `targetUrl` with its host and port replaced by the proxy's. */
  url(targetUrl: string): string {
    const url = new URL(targetUrl);
    url.hostname = '127.0.0.1';
    url.port = String(this.port);
    return url.toString();
  }

  async restore(): Promise<void> {
    if (this.server) return;
    const server = createServer((client) => {
      const upstream = createConnection(this.target);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => socket.destroy());
      }
      this.forward(client, upstream);
      this.forward(upstream, client);
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.server = server;
  }

  /** Resets (RST) every open connection; new connections go through. */
  reset(): void {
    for (const socket of this.sockets) socket.resetAndDestroy();
  }

  /** From now on nothing is forwarded, on open connections and new ones, until `heal()`. */
  blackhole(): void {
    this.held ??= [];
  }

  /** Forwards again, first what the blackhole held. */
  heal(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const deliver of held) deliver();
  }

  // Each chunk (and the end) goes on at once, or waits in the blackhole.
  private forward(from: Socket, to: Socket): void {
    const pass = (deliver: () => void) => (this.held ? this.held.push(deliver) : deliver());
    from.on('data', (chunk: Buffer) => pass(() => !to.destroyed && to.write(chunk)));
    from.on('end', () => pass(() => to.end()));
    // One side gone for good: so is the other (what the client sees of a closed broker socket).
    from.on('close', () => pass(() => to.destroy()));
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise((resolve) => server.close(resolve));
  }
}
