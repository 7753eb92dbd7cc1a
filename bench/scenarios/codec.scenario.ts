import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { jsonCodec, type Codec } from 'nestjs-message-bus/transport';
import { MessagePackCodec } from 'nestjs-message-bus/msgpack';
import { ProtobufCodec } from 'nestjs-message-bus/protobuf';
import { collectGarbage, cpuMeter, now } from '../measure.js';
import type { Budget, Metrics } from '../protocol.js';
import type { Scenario } from './scenario.js';

export type CodecName = 'json' | 'msgpack' | 'protobuf';

const TOPIC = 'bench.codec';
const PROTO = fileURLToPath(new URL('../../../bench/scenarios/codec-bench.proto', import.meta.url));
// Checking the clock on every message would cost as much as a small message itself.
const CLOCK_EVERY = 256;

/** A record of `bytes` JSON bytes or so: an id, a few scalars and `items` strings of text. */
function payloadOf(bytes: number): Record<string, unknown> {
  const item = 'lorem ipsum dolor sit amet, consectetur adipiscing';
  const items = Math.max(1, Math.round((bytes - 120) / (item.length + 3)));
  return { id: 'order-00001', sequence: 42, amount: 1234.5, open: true, items: Array.from({ length: items }, (_, i) => `${item.slice(0, item.length - 2)}${String(i % 100).padStart(2, '0')}`) };
}

async function codecOf(name: CodecName): Promise<Codec> {
  if (name === 'json') return jsonCodec;
  if (name === 'msgpack') return new MessagePackCodec();
  return new ProtobufCodec({ root: await protobuf.load(PROTO), types: { [TOPIC]: 'bench.Order' } });
}

/** Encodes then decodes (after the bus's screening) the same payload for `ms`; returns the count and ns. */
function loop(codec: Codec, payload: unknown, ms: number): { messages: number; elapsedNs: number } {
  const start = now();
  const end = start + BigInt(Math.round(ms * 1e6));
  let messages = 0;
  for (;;) {
    const bytes = codec.encode(payload, TOPIC);
    if (codec.screen?.(bytes, 64, TOPIC) !== undefined) throw new Error('screen refused the bench payload');
    codec.decode(bytes, TOPIC);
    messages += 1;
    if (messages % CLOCK_EVERY === 0 && now() >= end) break;
  }
  return { messages, elapsedNs: Number(now() - start) };
}

/** The cost of one codec on one payload size: ns per message for encode + screen + decode, and the wire size. */
export function codecScenario(name: CodecName, bytes: number): Scenario {
  return {
    id: `codec.${name}.${bytes / 1024}k`,
    peers: ['bus-memory'],
    cpuBound: true,
    description: `${name} codec: encode, screen (depth/extension checks) and decode of one ~${bytes / 1024} KB record, in a loop, no transport`,
    async run(_peer, budget: Budget): Promise<Metrics> {
      const codec = await codecOf(name);
      const payload = payloadOf(bytes);
      loop(codec, payload, budget.warmupMs);
      collectGarbage();
      const cpu = cpuMeter();
      const { messages, elapsedNs } = loop(codec, payload, budget.measureMs);
      return { nsPerMessage: elapsedNs / messages, perSecond: messages / (elapsedNs / 1e9), wireBytes: codec.encode(payload, TOPIC).length, cpuShare: cpu.share(elapsedNs) };
    },
  };
}
