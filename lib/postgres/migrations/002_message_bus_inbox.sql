-- nestjs-message-bus: the inbox (PostgresIdempotencyStore, default table name).
-- The same DDL as PostgresIdempotencyStore.createTables(); test/integration/outbox/migrations.spec.ts keeps them equal.
CREATE TABLE IF NOT EXISTS message_bus_inbox (
  key text PRIMARY KEY,
  state text NOT NULL CHECK (state IN ('running', 'done')),
  expires_at timestamptz NOT NULL
);
