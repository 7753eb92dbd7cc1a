import { DiscardPolicy, jetstreamManager, StorageType } from '@nats-io/jetstream';
import { createInbox, headers } from '@nats-io/transport-node';
import { afterEach, describe, expect, it } from 'vitest';
import { JetStreamPublisher } from '../../../lib/transports/nats/nats-publisher.js';
import { brokerAvailable, NATS_URL } from '../../support/brokers.js';
import { useNatsFixture } from './support/nats-fixture.js';

const available = await brokerAvailable('NATS', NATS_URL);
const body = new TextEncoder().encode('{"n":1}');

describe.runIf(available)('NATS JetStream publisher (one reply subscription for every publish in flight)', () => {
  const { namespaces, plain } = useNatsFixture();
  const publishers: JetStreamPublisher[] = [];
  const publisher = (timeoutMs = 5000) => {
    const made = new JetStreamPublisher(plain(), timeoutMs);
    publishers.push(made);
    return made;
  };
  const stream = async (limits: { max_msgs?: number } = {}) => {
    const name = namespaces.next('publisher');
    await (await jetstreamManager(plain())).streams.add({ name, subjects: [`${name}.>`], storage: StorageType.File, discard: DiscardPolicy.New, ...limits });
    return name;
  };
  const withId = (id: string) => {
    const wire = headers();
    wire.set('Nats-Msg-Id', id);
    return wire;
  };
  afterEach(() => publishers.splice(0).forEach((made) => made.close()));

  it('resolves each of many publishes in flight on its ack, a duplicate Nats-Msg-Id stored once', async () => {
    const name = await stream();
    const js = publisher();
    await Promise.all(Array.from({ length: 500 }, (_, i) => js.publish(`${name}.a`, body, withId(`m-${i}`))));
    await js.publish(`${name}.a`, body, withId('m-7'));
    const info = await (await jetstreamManager(plain())).streams.info(name);
    expect(info.state.messages).toBe(500);
  });

  it('rejects when no stream captures the subject', async () => {
    await expect(publisher().publish(`${namespaces.next('nostream')}.a`, body, headers())).rejects.toThrow(/no JetStream stream captures the subject/i);
  });

  it("rejects with JetStream's own refusal", async () => {
    const name = await stream({ max_msgs: 1 });
    const js = publisher();
    await js.publish(`${name}.a`, body, headers());
    await expect(js.publish(`${name}.a`, body, headers())).rejects.toThrow(/JetStream refused the message: maximum messages exceeded/);
  });

  it('rejects every publish left without an ack after the timeout, in order, and only those', async () => {
    // A subscriber that never answers: the server delivers, nobody acks.
    const silent = createInbox();
    const subscription = plain().subscribe(silent, { callback: () => undefined });
    const name = await stream();
    const js = publisher(300);
    const started = Date.now();
    const outcomes = await Promise.allSettled([js.publish(silent, body, headers()), js.publish(`${name}.a`, body, headers()), js.publish(silent, body, headers())]);
    subscription.unsubscribe();
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'fulfilled', 'rejected']);
    expect(String((outcomes[0] as PromiseRejectedResult).reason)).toMatch(/No JetStream ack within 300 ms/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('rejects what waits for an ack when closed, and every publish after', async () => {
    const silent = createInbox();
    const subscription = plain().subscribe(silent, { callback: () => undefined });
    const js = publisher();
    const waiting = js.publish(silent, body, headers());
    await plain().flush();
    js.close();
    subscription.unsubscribe();
    await expect(waiting).rejects.toThrow(/closed before JetStream acknowledged/);
    await expect(js.publish(silent, body, headers())).rejects.toThrow(/publisher is closed/);
  });
});
