import { connect, type ChannelModel, type ConfirmChannel, type Message, type Options } from 'amqplib';
import { AMQP_URL } from '../../../support/brokers.js';

/** A plain amqplib client, the kind of producer or consumer the bus must interoperate with. */
export class PlainClient {
  private readonly returned = new Set<string>();
  private sequence = 0;

  private constructor(
    private readonly connection: ChannelModel,
    readonly channel: ConfirmChannel,
  ) {
    channel.on('return', (message: Message) => this.returned.add(message.properties.messageId as string));
  }

  static async open(): Promise<PlainClient> {
    const connection = await connect(AMQP_URL);
    return new PlainClient(connection, await connection.createConfirmChannel());
  }

  /** Publishes (mandatory, confirmed) and resolves whether the broker routed it anywhere. */
  async publish(exchange: string, routingKey: string, body: unknown, options: Options.Publish = {}): Promise<boolean> {
    const messageId = options.messageId ?? `plain-${++this.sequence}`;
    const content = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
    await new Promise<void>((resolve, reject) => {
      this.channel.publish(exchange, routingKey, content, { contentType: 'application/json', ...options, messageId, mandatory: true }, (error) =>
        error ? reject(error as Error) : resolve(),
      );
    });
    return !this.returned.delete(messageId);
  }

  close(): Promise<void> {
    return this.connection.close();
  }
}
