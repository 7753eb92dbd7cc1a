import { Body, Controller, Headers, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { MessageBus, type CommandResult, type QueryResult } from 'nestjs-message-bus';
import { respond } from '../http/bus-result.js';

/**
 * A playground for the bus: any topic can be published to, sent or asked. Stats and dead
 * letters are the library's admin module's (`/bus-admin`, see app.module.ts). Keep such
 * endpoints away from the public internet in a real application.
 */
@Controller()
export class AdminController {
  constructor(private readonly bus: MessageBus) {}

  /** `POST /events/:topic` (body = payload, optional `x-session-id` header): publishes an event. */
  @Post('events/:topic')
  @HttpCode(HttpStatus.ACCEPTED)
  async publish(
    @Param('topic') topic: string,
    @Body() payload: unknown,
    @Headers('x-session-id') sessionId?: string,
  ): Promise<{ topic: string }> {
    await this.bus.publish(topic, payload, { sessionId, origin: 'external' });
    return { topic };
  }

  /** `POST /commands/:topic` (body = payload): executes a command; 404 when nobody handles it. */
  @Post('commands/:topic')
  @HttpCode(HttpStatus.OK)
  async execute(
    @Param('topic') topic: string,
    @Body() payload: unknown,
    @Headers('x-session-id') sessionId?: string,
  ): Promise<CommandResult<unknown>> {
    return respond(await this.bus.execute(topic, payload, { sessionId, origin: 'external' }));
  }

  /** `POST /queries/:topic` (body = payload): asks a query; 404 when nobody answers it. */
  @Post('queries/:topic')
  @HttpCode(HttpStatus.OK)
  async request(
    @Param('topic') topic: string,
    @Body() payload: unknown,
    @Headers('x-session-id') sessionId?: string,
  ): Promise<QueryResult<unknown>> {
    return respond(await this.bus.request(topic, payload, { sessionId, origin: 'external' }));
  }
}
