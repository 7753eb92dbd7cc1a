import { Logger } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { filter } from 'rxjs/operators';
import type { CoreBusOptions } from '../dispatch/engine-options.js';
import { engineOf, MessageBus } from '../message-bus.js';
import { transportFromUrl } from '../transports/transport-url.js';
import type { Transport } from '../transports/contract/transport.js';
import { UnsupportedPatternError } from './microservices.errors.js';

/**
 * Which bus a {@link MessageBusServer} or {@link MessageBusClient} uses: the application's own
 * (`{ bus: app.get(MessageBus) }`, its handlers join the module's registry and lifecycle), or one
 * of its own built from a transport and the bus options, which it starts and closes itself.
 * @publicApi
 */
export type MessageBusPeerOptions = { bus: MessageBus } | (CoreBusOptions & { transport: Transport | string });

/** `connected` once the bus takes messages, `disconnected` once closed. @publicApi */
export type MessageBusStatus = 'connected' | 'disconnected';

/** The events `on(event, callback)` takes: the status changes. @publicApi */
export type MessageBusStatusEvents = Record<MessageBusStatus, () => void>;

/** A bus in use by a server or client, and whether that server or client owns its lifecycle. */
export interface BusPeer {
  bus: MessageBus;
  owned: boolean;
}

export async function openBus(options: MessageBusPeerOptions): Promise<BusPeer> {
  if ('bus' in options) return { bus: options.bus, owned: false };
  const { transport, ...busOptions } = options;
  const resolved = typeof transport === 'string' ? await transportFromUrl(transport) : transport;
  return { bus: MessageBus.create(resolved, busOptions, (context) => new Logger(context)), owned: true };
}

/** Connects and starts consuming an owned bus; a shared one starts with its application. */
export async function startBus({ bus, owned }: BusPeer): Promise<void> {
  if (owned) await engineOf(bus).start();
}

/** Stops what the peer took in: an owned bus drains and closes; a shared one drains, its module closes it. */
export function closeBus({ bus, owned }: BusPeer): Promise<void> {
  const engine = engineOf(bus);
  return owned ? engine.close() : engine.drain();
}

/** The bus topic of a Nest pattern; object patterns have none. */
export function topicOf(pattern: unknown): string {
  if (typeof pattern !== 'string') throw new UnsupportedPatternError(pattern);
  return pattern;
}

/** `on('connected' | 'disconnected', callback)` for servers and clients. */
export function onStatus(status: Observable<MessageBusStatus>, event: MessageBusStatus, callback: () => void): void {
  status.pipe(filter((value) => value === event)).subscribe(() => callback());
}
