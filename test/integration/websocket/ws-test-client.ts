import WebSocket, { type ClientOptions } from 'ws';
import type { ServerFrame } from 'nestjs-message-bus/websocket';

export interface Closed {
  code: number;
  reason: string;
}

/** A real `ws` client that collects the bridge's frames, to be read in order with `next()`. */
export class TestClient {
  readonly frames: ServerFrame[] = [];
  readonly closed: Promise<Closed>;
  private read = 0;
  private wake?: () => void;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.frames.push(JSON.parse(String(data)) as ServerFrame);
      this.wake?.();
    });
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => {
        resolve({ code, reason: String(reason) });
        this.wake?.();
      });
    });
  }

  /** Resolves once connected (the guard may still close it right after). */
  static connect(url: string, options?: ClientOptions): Promise<TestClient> {
    const socket = new WebSocket(url, options);
    const client = new TestClient(socket);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(client));
      socket.once('error', reject);
    });
  }

  send(frame: object | string): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** The next frame not read yet; rejects after `timeoutMs` or when the connection closed first. */
  async next<T extends ServerFrame['type']>(type?: T, timeoutMs = 2000): Promise<Extract<ServerFrame, { type: T }>> {
    const deadline = Date.now() + timeoutMs;
    while (this.read >= this.frames.length) {
      if (this.socket.readyState === WebSocket.CLOSED) throw new Error(`Closed (${(await this.closed).code}) while waiting for a frame`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`No frame within ${timeoutMs} ms (got ${JSON.stringify(this.frames)})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    const frame = this.frames[this.read++];
    if (type !== undefined && frame.type !== type) throw new Error(`Expected a "${type}" frame, got ${JSON.stringify(frame)}`);
    return frame as Extract<ServerFrame, { type: T }>;
  }

  /** Subscribes without catch-up and resolves the answer: `subscribed`, or an `error`. */
  subscribe(patterns: string[]): Promise<ServerFrame> {
    this.send({ op: 'subscribe', patterns });
    return this.next();
  }

  async close(): Promise<Closed> {
    if (this.socket.readyState !== WebSocket.CLOSED) this.socket.close();
    return this.closed;
  }
}
