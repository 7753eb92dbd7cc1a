/** Metadata key of `@CommandHandler`, `@EventHandler` and `@QueryHandler` on handler methods. */
export const HANDLER_METADATA = 'message-bus:handler';

/** DI token of the resolved `Transport` instance. */
export const BUS_TRANSPORT = 'message-bus:transport';

/** Logger context of the bus. */
export const LOGGER_CONTEXT = 'MessageBus';
