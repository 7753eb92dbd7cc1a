import type { ClientProxy } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { lastValueFrom } from 'rxjs';
import { MessageBus, MessageBusModule } from 'nestjs-message-bus';
import { recordBus } from 'nestjs-message-bus/testing';
import { AppModule, GREETINGS } from './app.module.js';
import { GreetingHandler, GreetingSent, RequestGreeting } from './greeting.handler.js';

describe('GreetingHandler', () => {
  it('answers the command and publishes the greeting in its correlation', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [MessageBusModule.forRoot('memory://')],
      providers: [GreetingHandler],
    }).compile();
    const app = await moduleRef.init();
    try {
      const bus = app.get(MessageBus);
      const recorder = recordBus(bus);
      await expect(bus.execute(new RequestGreeting('Ada'))).resolves.toMatchObject({ ok: true, data: 'Hello, Ada!' });
      const [sent] = await recorder.waitFor(GreetingSent);
      expect(sent.payload).toMatchObject({ text: 'Hello, Ada!' });
      expect(sent.correlationId).toBe(recorder.published(RequestGreeting)[0].id);
    } finally {
      await app.close();
    }
  });

  it('answers the Nest client of ClientsModule.register({ customClass: MessageBusClient })', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    const app = await moduleRef.init();
    try {
      const client = app.get<ClientProxy>(GREETINGS);
      await expect(lastValueFrom(client.send<string>('greetings.preview', 'Ada'))).resolves.toBe('Hello, Ada!');
    } finally {
      await app.close();
    }
  });
});
