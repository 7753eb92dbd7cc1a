import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { jsonCodec, type Codec } from 'nestjs-message-bus/transport';
import { MessagePackCodec } from 'nestjs-message-bus/msgpack';
import { ProtobufCodec } from 'nestjs-message-bus/protobuf';

/** The `.proto` fixture plain clients and the bus share. */
export const AGENTS_PROTO = fileURLToPath(new URL('./protos/agents.proto', import.meta.url));

export async function agentsRoot(): Promise<protobuf.Root> {
  return protobuf.load(AGENTS_PROTO);
}

/** Typed agent topics, and every other topic as a `google.protobuf.Value`. */
export async function agentsCodec(): Promise<ProtobufCodec> {
  return new ProtobufCodec({
    root: await agentsRoot(),
    types: { 'agent.status': 'agents.v1.AgentStatus', 'agent.tree': 'agents.v1.Tree', '#': 'google.protobuf.Value' },
  });
}

/** Every codec the contract suites run with: the suite's name suffix and its module codec. */
export async function contractCodecs(): Promise<[suffix: string, codec: Codec][]> {
  return [['', jsonCodec], [' (msgpack)', new MessagePackCodec()], [' (protobuf)', await agentsCodec()]];
}
