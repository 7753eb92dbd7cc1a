import { Controller, Injectable, Module, type DynamicModule, type OnModuleInit } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CommandHandler,
  DuplicateHandlerError,
  EventHandler,
  InvalidHandlerError,
  InvalidOptionsError,
  InvalidPatternError,
  InvalidTransportError,
  MessageBus,
  MessageBusModule,
  MemoryTransport,
  QueryHandler,
  type MessageBusModuleOptions,
} from 'nestjs-message-bus';
import { AppTracker, CollectingLogger, until } from '../support/bus-app.js';

@Injectable()
class FeatureHandlers {
  readonly seen: string[] = [];
  @EventHandler('feature.*')
  on(_: unknown, context: { topic: string }) {
    this.seen.push(context.topic);
  }
}

@Module({ providers: [FeatureHandlers] })
class FeatureModule {}

@Injectable()
class DynamicHandlers {
  @QueryHandler('dynamic.ping')
  ping() {
    return 'pong';
  }
}

@Module({})
class PluginModule {
  static register(): DynamicModule {
    return { module: PluginModule, providers: [DynamicHandlers] };
  }
}

@Controller()
class ControllerHandlers {
  @CommandHandler('controller.do')
  run(payload: { n: number }) {
    return payload.n + 1;
  }
}

class FactoryMade {
  @QueryHandler('factory.made')
  answer() {
    return 'from a factory provider';
  }
}

@Injectable()
class FirstOwner {
  @CommandHandler('orders.create')
  create() {}
}

@Injectable()
class SecondOwner {
  @CommandHandler('orders.create')
  alsoCreate() {}
}

@Injectable()
class EarlyPublisher implements OnModuleInit {
  constructor(private readonly bus: MessageBus) {}
  onModuleInit() {
    void this.bus.publish('feature.early', {});
  }
}

@Injectable()
class Config {
  readonly serviceName = 'configured';
}

@Module({ providers: [Config], exports: [Config] })
class ConfigModule {}

class BusConfigFactory {
  createMessageBusOptions(): MessageBusModuleOptions {
    return { transport: 'memory://', serviceName: 'from-class' };
  }
}

describe('MessageBusModule', () => {
  const apps = new AppTracker();
  afterEach(() => apps.closeAll());

  it('finds handlers on providers of feature and dynamic modules, controllers and factory providers', async () => {
    const app = await apps.start({
      transport: 'memory://',
      imports: [FeatureModule, PluginModule.register()],
      controllers: [ControllerHandlers],
      providers: [{ provide: 'made', useFactory: () => new FactoryMade() }],
    });
    await app.bus.publish('feature.happened', {});
    await until(() => app.module.get(FeatureHandlers, { strict: false }).seen.length === 1);
    expect(await app.bus.request('dynamic.ping', {})).toEqual({ ok: true, data: 'pong' });
    expect(await app.bus.execute('controller.do', { n: 1 })).toMatchObject({ ok: true, data: 2 });
    expect(await app.bus.request('factory.made', {})).toEqual({ ok: true, data: 'from a factory provider' });
  });

  it('accepts a transport instance and the options-object form', async () => {
    const transport = new MemoryTransport();
    const viaInstance = await apps.start({ transport, imports: [FeatureModule] });
    await viaInstance.bus.publish('feature.x', {});
    const ref = await Test.createTestingModule({
      imports: [MessageBusModule.forRoot({ transport: 'memory://', serviceName: 'object-form' })],
    }).compile();
    await ref.init();
    expect(ref.get(MessageBus)).toBeInstanceOf(MessageBus);
    await ref.close();
  });

  it('forRootAsync builds options with injected dependencies', async () => {
    const ref = await Test.createTestingModule({
      imports: [
        MessageBusModule.forRootAsync({
          imports: [ConfigModule],
          inject: [Config],
          useFactory: (config: Config) => ({ transport: 'memory://', serviceName: config.serviceName }),
        }),
      ],
      providers: [FeatureHandlers],
    }).compile();
    await ref.init();
    const bus = ref.get(MessageBus);
    await bus.publish('feature.async', {});
    await until(() => ref.get(FeatureHandlers).seen.length === 1);
    await ref.close();
  });

  it('forRootAsync takes a useClass factory', async () => {
    const ref = await Test.createTestingModule({
      imports: [MessageBusModule.forRootAsync({ useClass: BusConfigFactory })],
      providers: [DynamicHandlers],
    }).compile();
    await ref.init();
    expect(await ref.get(MessageBus).request('dynamic.ping', {})).toEqual({ ok: true, data: 'pong' });
    await ref.close();
  });

  it('fails bootstrap on a second handler for one command topic, naming the topic and both classes', async () => {
    const bootstrap = apps.start({ transport: 'memory://', providers: [FirstOwner, SecondOwner] });
    await expect(bootstrap).rejects.toBeInstanceOf(DuplicateHandlerError);
    await expect(bootstrap).rejects.toThrow(/"orders\.create".*FirstOwner\.create.*SecondOwner\.alsoCreate/);
  });

  it('rejects a wildcard command handler and an invalid pattern', async () => {
    class Wildcard {
      @CommandHandler('orders.*')
      any() {}
    }
    await expect(apps.start({ transport: 'memory://', providers: [Wildcard] })).rejects.toBeInstanceOf(InvalidHandlerError);
    expect(() => EventHandler('bad..pattern')).toThrow(InvalidPatternError);
    expect(() => EventHandler('ok.*', { broadcast: true, priority: 100 })).not.toThrow();
  });

  it('rejects out-of-range options at bootstrap', async () => {
    await expect(apps.start({ transport: 'memory://', options: { concurrency: 0 } })).rejects.toBeInstanceOf(InvalidOptionsError);
    class OutOfRange {
      @EventHandler('x.y', 100)
      on() {}
    }
    await expect(apps.start({ transport: 'memory://', providers: [OutOfRange] })).rejects.toBeInstanceOf(InvalidOptionsError);
  });

  it('rejects an unknown transport URL with the password masked', async () => {
    const attempt = apps.start({ transport: 'kafka://user:s3cret@broker:9092' });
    await expect(attempt).rejects.toBeInstanceOf(InvalidTransportError);
    await expect(attempt).rejects.toThrow(/user:\*\*\*@broker/);
    await expect(attempt).rejects.not.toThrow(/s3cret/);
  });

  it('delivers what another module published before the bus started', async () => {
    const app = await apps.start({ transport: 'memory://', imports: [FeatureModule], providers: [EarlyPublisher] });
    await until(() => app.module.get(FeatureHandlers, { strict: false }).seen.includes('feature.early'));
  });

  it('is global by default, and local with isGlobal: false', async () => {
    @Injectable()
    class NeedsBus {
      constructor(readonly bus: MessageBus) {}
    }
    @Module({ providers: [NeedsBus] })
    class Consumer {}

    const global = await Test.createTestingModule({ imports: [MessageBusModule.forRoot('memory://'), Consumer] }).compile();
    expect(global.get(NeedsBus).bus).toBeInstanceOf(MessageBus);
    await global.close();

    const local = Test.createTestingModule({
      imports: [MessageBusModule.forRoot('memory://', { isGlobal: false }), Consumer],
    })
      .setLogger(new CollectingLogger())
      .compile();
    await expect(local).rejects.toThrow(/MessageBus/);
  });
});
