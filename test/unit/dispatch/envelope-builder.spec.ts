import { describe, expect, it } from 'vitest';
import { InvalidOptionsError } from 'nestjs-message-bus';
import { buildEnvelope } from '../../../lib/dispatch/envelope-builder.js';

describe('buildEnvelope', () => {
  it('takes a caller-given message id, which the correlation defaults to', () => {
    const envelope = buildEnvelope('event', 'Orders.Placed', {}, { messageId: 'row-42', causationId: 'cmd-7' }, 3);
    expect(envelope).toMatchObject({ id: 'row-42', correlationId: 'row-42', causationId: 'cmd-7' });
  });

  it('keeps a request id over a message id (replies match on it)', () => {
    expect(buildEnvelope('query', 'Orders.Get', {}, { messageId: 'row-42' }, 3, 'request-1').id).toBe('request-1');
  });

  it('refuses an empty or oversized message id', () => {
    expect(() => buildEnvelope('event', 'Orders.Placed', {}, { messageId: '' }, 3)).toThrow(InvalidOptionsError);
    expect(() => buildEnvelope('event', 'Orders.Placed', {}, { messageId: 'x'.repeat(256) }, 3)).toThrow(InvalidOptionsError);
  });
});
