/** Metadata key of `@Saga()` on saga classes. */
export const SAGA_METADATA = 'message-bus:saga';

/** Metadata key of `@StartedBy` and `@Handles` on saga methods. */
export const SAGA_STEP_METADATA = 'message-bus:saga-step';
