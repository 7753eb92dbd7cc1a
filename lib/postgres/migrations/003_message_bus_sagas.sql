-- nestjs-message-bus: saga instances (PostgresSagaStore, default table name).
-- The same DDL as PostgresSagaStore.createTable(); test/integration/outbox/migrations.spec.ts keeps them equal.
CREATE TABLE IF NOT EXISTS message_bus_sagas (
  saga_name text NOT NULL,
  saga_id text NOT NULL,
  version integer NOT NULL,
  data jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (saga_name, saga_id)
);
