import { Test } from '@nestjs/testing';
import { MessageBus, MessageBusModule } from 'nestjs-message-bus';
import { recordBus } from 'nestjs-message-bus/testing';
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
});
