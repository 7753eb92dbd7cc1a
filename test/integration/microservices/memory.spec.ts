import { Controller } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { NestFactory } from '@nestjs/core';
import { Module } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { MemoryTransport } from 'nestjs-message-bus';
import { MessageBusServer, UnsupportedPatternError } from 'nestjs-message-bus/microservices';
import { CollectingLogger } from '../../support/bus-app.js';
import { microservicesContract } from './microservices.contract.js';

microservicesContract('memory', () => {
  const transport = new MemoryTransport();
  return () => transport;
});

@Controller()
class ObjectPatternController {
  @MessagePattern({ cmd: 'sum' })
  sum(): number {
    return 0;
  }
}

@Module({ controllers: [ObjectPatternController] })
class ObjectPatternModule {}

describe('MessageBusServer patterns', () => {
  it('refuses an object pattern at bootstrap with UnsupportedPatternError', async () => {
    const app = await NestFactory.createMicroservice(ObjectPatternModule, {
      strategy: new MessageBusServer({ transport: 'memory://' }),
      logger: new CollectingLogger(),
    });
    await expect(app.listen()).rejects.toBeInstanceOf(UnsupportedPatternError);
    await app.close();
  });
});
