import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import { MAX_PENDING_FRAMES } from './websocket.constants.js';

/** One connected client: its socket, its subscriptions and the order its frames are handled in. */
export class BridgeClient {
  /** Answered the last ping (or was never pinged yet). */
  alive = true;
  readonly patterns = new Set<string>();
  private pending = 0;
  private tail: Promise<void> = Promise.resolve();

  constructor(
    readonly socket: WebSocket,
    readonly request: IncomingMessage,
    private readonly maxBufferedBytes: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  get open(): boolean {
    return this.socket.readyState === this.socket.OPEN;
  }

  /**
   * Sends a text frame, unless the client has stopped reading: false when more than
   * `maxBufferedBytes` still wait to be sent, so the buffer never grows past that plus one frame.
   */
  send(frame: Buffer): boolean {
    if (this.socket.bufferedAmount > this.maxBufferedBytes) return false;
    this.socket.send(frame, { binary: false });
    return true;
  }

  /**
   * Runs the client's frames one after another in arrival order, also when a guard answers
   * asynchronously; with nothing waiting, a synchronous task runs at once. False when too many
   * frames already wait.
   */
  enqueue(task: () => void | Promise<void>): boolean {
    if (this.pending >= MAX_PENDING_FRAMES) return false;
    if (this.pending > 0) {
      this.track(this.tail.then(task));
      return true;
    }
    try {
      const running = task();
      if (running instanceof Promise) this.track(running);
    } catch (error) {
      this.onError(error);
    }
    return true;
  }

  private track(running: Promise<void>): void {
    this.pending += 1;
    this.tail = running.catch(this.onError).finally(() => {
      this.pending -= 1;
    });
  }
}
