import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  HttpStatus,
  Param,
  ParseIntPipe,
  Post,
  Query,
} from '@nestjs/common';
import { MessageBus, type BusStats, type CommandResult, type DeadLetter, type QueryResult } from 'nestjs-message-bus';
import { respond } from '../http/bus-result.js';

const DEFAULT_LIMIT = 100;

interface ReplayRequest {
  /** One dead letter by its id... */
  id?: unknown;
  /** ...or every dead letter of a topic; neither replays them all. */
  topic?: unknown;
}

/**
 * A playground and an operator's console for the bus: any topic can be published to, sent or
 * asked, dead letters inspected and replayed. Keep such endpoints away from the public
 * internet in a real application.
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

  /** `GET /dead-letters?topic=&limit=`: the messages handlers gave up on, oldest first (100 at most by default). */
  @Get('dead-letters')
  deadLetters(
    @Query('topic') topic?: string,
    @Query('limit', new ParseIntPipe({ optional: true })) limit = DEFAULT_LIMIT,
  ): Promise<DeadLetter[]> {
    if (limit < 1) throw new BadRequestException('limit must be a positive integer');
    return this.bus.deadLetters.list({ topic: topic || undefined, limit });
  }

  /** `POST /dead-letters/replay { id? , topic? }`: hands dead letters back to their handlers. */
  @Post('dead-letters/replay')
  @HttpCode(HttpStatus.OK)
  async replay(@Body() body: ReplayRequest): Promise<{ replayed: number }> {
    const { id, topic } = body;
    if (id !== undefined && typeof id !== 'string') throw new BadRequestException('id must be a string');
    if (topic !== undefined && typeof topic !== 'string') throw new BadRequestException('topic must be a string');
    const replayed = await this.bus.deadLetters.replay(id ?? { topic });
    return { replayed };
  }

  /** `DELETE /dead-letters?topic=`: forgets dead letters (all of them without `topic`). */
  @Delete('dead-letters')
  async purge(@Query('topic') topic?: string): Promise<{ purged: number }> {
    return { purged: await this.bus.deadLetters.purge({ topic: topic || undefined }) };
  }

  /** `GET /stats`: the bus's counters and gauges. */
  @Get('stats')
  stats(): BusStats {
    return this.bus.getStats();
  }
}
