import type { BusEngine } from '../dispatch/bus-engine.js';
import { topicDeclarations } from '../messages/topic.decorator.js';
import type { AsyncApiDocument, DescribeOptions } from './asyncapi-document.js';
import { buildAsyncApi, type BusDescription } from './asyncapi-builder.js';
import { libraryVersion } from './library-version.js';

/** The AsyncAPI document of a bus; the one place that reads its registry for it. */
export function describeEngine(engine: BusEngine, options?: DescribeOptions): AsyncApiDocument {
  return buildAsyncApi(descriptionOf(engine), options);
}

function descriptionOf(engine: BusEngine): BusDescription {
  const { registry } = engine;
  return {
    serviceName: engine.options.serviceName,
    libraryVersion: libraryVersion(),
    transport: { name: engine.transportName, server: engine.transportServer },
    // Session handlers come and go with conversations: they are no part of the API.
    handlers: registry
      .list()
      .filter((handler) => handler.sessionId === undefined)
      .map((handler) => ({ ...handler, broadcast: handler.group === registry.instanceGroup })),
    messages: topicDeclarations(),
  };
}
