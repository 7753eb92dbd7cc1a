import type { IncomingMessage } from 'node:http';
import type { CanActivate, Type } from '@nestjs/common';
import type { ModuleRef } from '@nestjs/core';
import { isObservable, lastValueFrom } from 'rxjs';
import type { WebSocket } from 'ws';
import { toError } from '../messages/errors.js';
import { TopicTrie } from '../routing/topic-trie.js';
import { BridgeExecutionContext } from './bridge-execution-context.js';
import type { BridgeGuard, BridgeSettings } from './message-bus-bridge.options.js';
import { coveredByAny } from './pattern-cover.js';

/**
 * What a bridge guard decides on: `context.switchToWs().getData<BridgeGuardData>()`. The
 * client is `switchToWs().getClient()` (a `ws` WebSocket), the op also `getPattern()`.
 * `request` is the HTTP upgrade request the client connected with (headers, cookies, query).
 * @publicApi
 */
export type BridgeGuardData =
  | { op: 'connect'; request: IncomingMessage }
  | { op: 'subscribe'; patterns: string[]; request: IncomingMessage }
  | { op: 'publish'; topic: string; payload: unknown; request: IncomingMessage };

interface Logger {
  warn(message: string): void;
}

/**
 * Who may do what: the module's `allow` lists bound every client, then the guard (if any)
 * decides for this client. A guard that throws refuses, like one that returns false.
 */
export class BridgeAccess {
  private readonly publishable = new TopicTrie<string>();

  private constructor(
    private readonly settings: BridgeSettings,
    private readonly guard: CanActivate | undefined,
    private readonly classRef: Type<unknown>,
    private readonly logger: Logger,
  ) {
    for (const pattern of settings.publish) this.publishable.add(pattern, pattern);
  }

  /** Takes a guard class from DI when it is provided somewhere, else creates it with its dependencies. */
  static async create(settings: BridgeSettings, moduleRef: ModuleRef, classRef: Type<unknown>, logger: Logger): Promise<BridgeAccess> {
    return new BridgeAccess(settings, await instantiate(settings.guard, moduleRef), classRef, logger);
  }

  /** The requested patterns no `allow.subscribe` pattern covers. */
  notSubscribable(patterns: readonly string[]): string[] {
    return patterns.filter((pattern) => !coveredByAny(this.settings.subscribe, pattern));
  }

  canPublish(topic: string): boolean {
    return this.publishable.match(topic).length > 0;
  }

  /** The guard's verdict; synchronous when there is no guard or it answers synchronously. */
  allows(client: WebSocket, data: BridgeGuardData, handler: Function): boolean | Promise<boolean> {
    if (this.guard === undefined) return true;
    const context = new BridgeExecutionContext(client, data, data.op, this.classRef, handler);
    try {
      const verdict = this.guard.canActivate(context);
      if (typeof verdict === 'boolean') return verdict;
      const pending = isObservable(verdict) ? lastValueFrom(verdict, { defaultValue: false }) : verdict;
      return pending.then((allowed) => allowed === true, (error: unknown) => this.threw(data, error));
    } catch (error) {
      return this.threw(data, error);
    }
  }

  private threw(data: BridgeGuardData, error: unknown): false {
    this.logger.warn(`The bridge guard refused ${data.op} by throwing: ${toError(error).message}`);
    return false;
  }
}

async function instantiate(guard: BridgeGuard | undefined, moduleRef: ModuleRef): Promise<CanActivate | undefined> {
  if (typeof guard !== 'function') return guard;
  try {
    return moduleRef.get(guard, { strict: false });
  } catch {
    return moduleRef.create(guard);
  }
}
