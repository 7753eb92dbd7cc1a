/** Where the admin API and console live when `forRoot` names no `path`. @publicApi */
export const DEFAULT_ADMIN_PATH = 'bus-admin';

/**
 * Topic of the stats frames the admin module pushes through the WebSocket bridge (to this
 * instance's clients only, not over the bus). Allow clients to subscribe to it for a live console.
 * @publicApi
 */
export const ADMIN_STATS_TOPIC = 'bus-admin.stats';

/** DI token of the module's options. */
export const MESSAGE_BUS_ADMIN_OPTIONS = 'MESSAGE_BUS_ADMIN_MODULE_OPTIONS';

/** Logger context of the admin module. */
export const LOGGER_CONTEXT = 'MessageBusAdmin';

/** Dead letters one `GET dead-letters` answers at most. */
export const MAX_LIST_LIMIT = 1000;
