import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import type { BusStats } from '../dispatch/bus-stats.js';
import { toError } from '../messages/errors.js';
import { MessageBus } from '../message-bus.js';
import { MESSAGE_BUS_BRIDGE } from '../websocket/websocket.constants.js';
import { ADMIN_STATS_TOPIC, LOGGER_CONTEXT, MESSAGE_BUS_ADMIN_OPTIONS } from './admin.constants.js';
import { statsIntervalOf, type MessageBusAdminOptions } from './message-bus-admin.options.js';

/**
 * What `GET <path>/stats` answers and the console shows, for this instance.
 * @publicApi
 */
export interface AdminStats {
  instanceId: string;
  transport: string;
  /** Epoch ms of the snapshot. */
  timestamp: number;
  /** Counters since start and current gauges (`bus.getStats()`). */
  bus: BusStats;
  /** Dead letters stored now (across instances on a broker). */
  deadLetters: number;
  /** The WebSocket bridge's clients on this instance; `null` without `MessageBusBridgeModule`. */
  websocket: { clients: number } | null;
}

/**
 * What the admin module uses of `MessageBusBridge`, typed here so that neither its code nor its
 * declarations need the WebSocket packages when the application has no bridge.
 */
interface Bridge {
  readonly path: string;
  readonly subscribePatterns: readonly string[];
  readonly clientCount: number;
  hasSubscribers(topic: string): boolean;
  push(topic: string, payload: unknown): number;
}

/**
 * Takes stats snapshots and, when the WebSocket bridge is there, pushes one every
 * `statsIntervalMs` to its clients subscribed to `bus-admin.stats` (none subscribed: no work).
 */
@Injectable()
export class AdminStatsService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(LOGGER_CONTEXT);
  private readonly intervalMs: number;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly bus: MessageBus,
    @Inject(MESSAGE_BUS_ADMIN_OPTIONS) options: MessageBusAdminOptions,
    @Optional() @Inject(MESSAGE_BUS_BRIDGE) private readonly bridge?: Bridge,
  ) {
    this.intervalMs = statsIntervalOf(options);
  }

  async snapshot(): Promise<AdminStats> {
    return {
      instanceId: this.bus.instanceId,
      transport: this.bus.transportName,
      timestamp: Date.now(),
      bus: this.bus.getStats(),
      deadLetters: await this.bus.deadLetters.count(),
      websocket: this.bridge ? { clients: this.bridge.clientCount } : null,
    };
  }

  /** The WebSocket path and patterns the console can use, `null` without the bridge. */
  bridgeInfo(): { path: string; patterns: readonly string[] } | null {
    return this.bridge ? { path: this.bridge.path, patterns: this.bridge.subscribePatterns } : null;
  }

  // Pushing starts once the bus is running, as counting dead letters needs the transport.
  onApplicationBootstrap(): void {
    const bridge = this.bridge;
    if (bridge === undefined) return;
    this.timer = setInterval(() => {
      if (!bridge.hasSubscribers(ADMIN_STATS_TOPIC)) return;
      this.snapshot().then(
        (stats) => bridge.push(ADMIN_STATS_TOPIC, stats),
        (error: unknown) => this.logger.warn(`Could not take a stats snapshot: ${toError(error).message}`),
      );
    }, this.intervalMs).unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }
}
