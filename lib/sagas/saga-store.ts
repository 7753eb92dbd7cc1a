/**
 * One saga instance as a store keeps it: its record as JSON text, and the version that text was
 * written at (1 for the first write, one more for each update).
 * @publicApi
 */
export interface StoredSaga {
  data: string;
  version: number;
}

/**
 * Where saga instances live, keyed by saga name and correlation id. Writes are compare-and-set
 * on the version, so two instances handling messages of one saga at once cannot both win: the
 * loser reloads and handles its message again on the new state.
 * @publicApi
 */
export interface SagaStore {
  load(sagaName: string, sagaId: string): Promise<StoredSaga | undefined>;
  /**
   * Writes `data` as version `expectedVersion + 1` if the stored version is still
   * `expectedVersion` (0: the instance must not exist yet). Resolves `false` on a conflict.
   */
  save(sagaName: string, sagaId: string, data: string, expectedVersion: number): Promise<boolean>;
  /** Deletes the instance if it is still at `expectedVersion`; `false` on a conflict. */
  remove(sagaName: string, sagaId: string, expectedVersion: number): Promise<boolean>;
}

/**
 * Saga instances in process memory: enough for tests and a single instance; a deployment of
 * several needs a shared store (`RedisSagaStore`, `PostgresSagaStore`).
 * @publicApi
 */
export class MemorySagaStore implements SagaStore {
  private readonly sagas = new Map<string, StoredSaga>();

  load(sagaName: string, sagaId: string): Promise<StoredSaga | undefined> {
    const stored = this.sagas.get(keyOf(sagaName, sagaId));
    return Promise.resolve(stored && { ...stored });
  }

  save(sagaName: string, sagaId: string, data: string, expectedVersion: number): Promise<boolean> {
    const key = keyOf(sagaName, sagaId);
    if ((this.sagas.get(key)?.version ?? 0) !== expectedVersion) return Promise.resolve(false);
    this.sagas.set(key, { data, version: expectedVersion + 1 });
    return Promise.resolve(true);
  }

  remove(sagaName: string, sagaId: string, expectedVersion: number): Promise<boolean> {
    const key = keyOf(sagaName, sagaId);
    if (this.sagas.get(key)?.version !== expectedVersion) return Promise.resolve(false);
    this.sagas.delete(key);
    return Promise.resolve(true);
  }

  /** How many instances are stored (running sagas). */
  get size(): number {
    return this.sagas.size;
  }
}

function keyOf(sagaName: string, sagaId: string): string {
  return `${sagaName}\u0000${sagaId}`;
}
