import { describe, expect, it } from 'vitest';
import { buildAsyncApi, type BusDescription, type DescribedHandler } from '../../../lib/asyncapi/asyncapi-builder.js';
import { DEFAULT_RETRY_POLICY } from '../../../lib/dispatch/retry-policy.js';

function handler(id: string, patterns: string[]): DescribedHandler {
  return { id, kind: 'event', patterns, group: 'svc', priority: 50, retry: DEFAULT_RETRY_POLICY, broadcast: false };
}

const bus = (handlers: DescribedHandler[]): BusDescription => ({
  serviceName: 'svc',
  libraryVersion: '9.9.9',
  transport: { name: 'custom' },
  handlers,
  messages: [],
});

describe('buildAsyncApi', () => {
  it('spells ids in [A-Za-z0-9_-], numbering the ones that would clash', () => {
    const document = buildAsyncApi(bus([handler('A.on', ['a.b', 'a_b', 'a.*', 'a.#'])]));

    expect(Object.entries(document.channels).map(([id, channel]) => [id, channel.address])).toEqual([
      ['a_b', 'a.b'],
      ['a_b-2', 'a_b'],
      ['a_hash', 'a.#'],
      ['a_star', 'a.*'],
    ]);
    expect(Object.keys(document.operations)).toEqual(['A_on-a_b', 'A_on-a_b-2', 'A_on-a_hash', 'A_on-a_star']);
  });

  it('has no servers for a transport that names none', () => {
    expect(buildAsyncApi(bus([])).servers).toEqual({});
  });
});
