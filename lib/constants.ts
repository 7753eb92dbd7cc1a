/** Metadata key of `@CommandHandler`, `@EventHandler` and `@QueryHandler` on handler methods. */
export const HANDLER_METADATA = 'message-bus:handler';

/** DI token of the resolved `Transport` instance. */
export const BUS_TRANSPORT = 'message-bus:transport';

/** DI token of the bus's engine, for the library's own layers (lifecycle, bridge, sagas); not exported. */
export const BUS_ENGINE = 'message-bus:engine';

/** `ExecutionContext.getType()` inside bus handlers. */
export const BUS_CONTEXT_TYPE = 'bus';

/**
 * Injects the `MessageContext` of the message being handled into a request-scoped provider
 * (`undefined` when the provider was resolved for an HTTP request instead).
 * @publicApi
 */
export const MESSAGE_CONTEXT = 'message-bus:message-context';
