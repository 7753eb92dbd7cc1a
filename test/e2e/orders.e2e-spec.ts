import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Sagas } from 'nestjs-message-bus/sagas';
import { until } from '../support/bus-app.js';
import { startSampleApp, type SampleApp } from './sample-app.js';

describe('sample: the order saga', () => {
  let sample: SampleApp;
  beforeEach(async () => {
    sample = await startSampleApp();
  });
  afterEach(() => sample.close());

  const settled = async (id: string) => {
    let order: { status: string } = { status: 'placed' };
    await until(async () => (order = (await sample.http.get(`/orders/${id}`).expect(200)).body).status !== 'placed', 3000, 'the order to settle');
    return order;
  };

  it('confirms an order whose payment went through, and removes its saga', async () => {
    const { body: placed } = await sample.http.post('/orders').send({ item: 'speaker', amount: 40 }).expect(201);
    expect(placed).toMatchObject({ item: 'speaker', amount: 40, status: 'placed' });
    expect(await settled(placed.id)).toEqual({ id: placed.id, item: 'speaker', amount: 40, status: 'confirmed' });
    await until(() => sample.app.get(Sagas).stats('order').completed === 1, 2000, 'the saga to complete');
    expect(await sample.app.get(Sagas).store.load('order', placed.id)).toBeUndefined();
  });

  it('compensates a failed payment: order placed, payment failed, order cancelled', async () => {
    const { body: placed } = await sample.http.post('/orders').send({ item: 'piano', amount: 900 }).expect(201);
    const order = await settled(placed.id);
    expect(order).toEqual({ id: placed.id, item: 'piano', amount: 900, status: 'cancelled', reason: 'declined: above the limit of 100' });

    // The whole workflow is one conversation: every message carries the order's correlation id,
    // and names the message it was caused by. A copy the saga sends again carries the same id.
    const [cancel] = await sample.recorder.waitFor('Order.Cancel');
    const [orderPlaced] = sample.recorder.published('Order.Placed');
    const ids = (topic: string) => new Set(sample.recorder.published(topic).map((envelope) => envelope.id));
    const [charge] = sample.recorder.published('Payment.Charge');
    const failed = sample.recorder.published('Payment.Failed');
    expect(ids('Payment.Charge')).toEqual(new Set([charge.id]));
    expect(ids('Order.Cancel')).toEqual(new Set([cancel.id]));
    expect(failed).toHaveLength(1);
    expect(charge).toMatchObject({ causationId: orderPlaced.id, correlationId: orderPlaced.correlationId, payload: { orderId: placed.id, amount: 900 } });
    expect(failed[0]).toMatchObject({ causationId: charge.id, correlationId: orderPlaced.correlationId });
    expect(cancel).toMatchObject({ causationId: failed[0].id, correlationId: orderPlaced.correlationId });
    expect(sample.recorder.published('Order.Confirm')).toHaveLength(0);
    await until(() => sample.app.get(Sagas).stats('order').completed === 1, 2000, 'the saga to complete');
    const { text } = await sample.http.get('/metrics').expect(200);
    expect(text).toContain('bus_saga_completed_total{saga="order"} 1');
  });

  it('refuses an order without an item or a positive amount', async () => {
    await sample.http.post('/orders').send({ item: 'piano', amount: -1 }).expect(400);
    expect((await sample.http.get('/orders').expect(200)).body).toEqual([]);
  });
});
