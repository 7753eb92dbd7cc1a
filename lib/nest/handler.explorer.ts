import { Injectable } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { handlerMetadataOf, type HandlerMetadata } from './handler-metadata.js';

type InstanceWrapper = ReturnType<DiscoveryService['getProviders']>[number];

/** One decorated method of one provider or controller. */
export interface DiscoveredHandler {
  wrapper: InstanceWrapper;
  instance: object;
  methodName: string;
  metadata: HandlerMetadata[];
}

/** Finds handler methods on every provider and controller of the application, in any module. */
@Injectable()
export class HandlerExplorer {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
  ) {}

  explore(): DiscoveredHandler[] {
    const found: DiscoveredHandler[] = [];
    const seen = new Set<object>();
    for (const wrapper of [...this.discovery.getProviders(), ...this.discovery.getControllers()]) {
      const instance: unknown = wrapper.instance;
      // Aliases (useExisting) point at an instance that is discovered under its own token.
      if (wrapper.isAlias || !instance || typeof instance !== 'object' || seen.has(instance)) continue;
      seen.add(instance);
      const prototype = Object.getPrototypeOf(instance) as Record<string, unknown>;
      for (const methodName of this.scanner.getAllMethodNames(prototype)) {
        const method = prototype[methodName];
        const metadata = typeof method === 'function' ? handlerMetadataOf(method) : undefined;
        if (metadata) found.push({ wrapper, instance, methodName, metadata });
      }
    }
    return found;
  }
}
