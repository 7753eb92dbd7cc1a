-- nestjs-message-bus: the transactional outbox (PostgresOutbox, default table name).
-- The same DDL as PostgresOutbox.createTables(); test/integration/outbox/migrations.spec.ts keeps them equal.
CREATE TABLE IF NOT EXISTS message_bus_outbox (
  seq bigserial PRIMARY KEY,
  id text NOT NULL UNIQUE,
  kind text NOT NULL CHECK (kind IN ('event', 'command')),
  topic text NOT NULL,
  payload jsonb,
  options jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error text,
  sent_at timestamptz
);
CREATE INDEX IF NOT EXISTS message_bus_outbox_unsent ON message_bus_outbox (seq) WHERE sent_at IS NULL;
CREATE INDEX IF NOT EXISTS message_bus_outbox_sent ON message_bus_outbox (sent_at) WHERE sent_at IS NOT NULL;
