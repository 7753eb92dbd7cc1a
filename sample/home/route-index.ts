import { Injectable, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';

export interface RouteEntry {
  method: string;
  path: string;
}

const joinPath = (...parts: string[]) => `/${parts.flatMap((part) => part.split('/')).filter(Boolean).join('/')}`;

/** The app's HTTP routes as the controllers declare them, so the index never drifts from the code. */
@Injectable()
export class RouteIndex {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
  ) {}

  routes(): RouteEntry[] {
    const routes: RouteEntry[] = [];
    for (const { metatype, instance } of this.discovery.getControllers()) {
      if (!metatype || !instance) continue;
      const base = this.paths(metatype);
      const prototype = Object.getPrototypeOf(instance) as object;
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const handler = (prototype as Record<string, unknown>)[name] as object;
        const method: RequestMethod | undefined = Reflect.getMetadata(METHOD_METADATA, handler);
        if (method === undefined) continue;
        for (const prefix of base) {
          for (const path of this.paths(handler)) {
            routes.push({ method: RequestMethod[method], path: joinPath(prefix, path) });
          }
        }
      }
    }
    return routes.sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
  }

  private paths(target: object): string[] {
    const path: string | string[] | undefined = Reflect.getMetadata(PATH_METADATA, target);
    return path === undefined ? ['/'] : ([] as string[]).concat(path);
  }
}
