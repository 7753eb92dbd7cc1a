import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  HttpStatus,
  Inject,
  ParseIntPipe,
  Post,
  Query,
  Req,
  UseGuards,
  type Type,
} from '@nestjs/common';
import type { AsyncApiDocument } from '../asyncapi/asyncapi-document.js';
import { asyncApiYaml } from '../asyncapi/asyncapi-yaml.js';
import type { HandlerInfo } from '../dispatch/handler-info.js';
import type { DeadLetter } from '../messages/dead-letter.js';
import { MessageBus } from '../message-bus.js';
import { ADMIN_STATS_TOPIC, MAX_LIST_LIMIT, MESSAGE_BUS_ADMIN_OPTIONS } from './admin.constants.js';
import { AdminStatsService, type AdminStats } from './admin-stats.service.js';
import { CONSOLE_SCRIPT } from './console/console-script.js';
import { renderConsolePage } from './console/console-page.js';
import type { AdminGuard, MessageBusAdminOptions } from './message-bus-admin.options.js';

const DEFAULT_LIST_LIMIT = 100;

/** `POST dead-letters/replay` body: one letter by id, or those of a topic; neither selects all. */
interface ReplayRequest {
  id?: unknown;
  topic?: unknown;
}

/**
 * The admin routes. Not a controller by itself: {@link adminControllerFor} makes one per module
 * registration, with its path and guard.
 */
export class MessageBusAdminController {
  constructor(
    @Inject(MessageBus) private readonly bus: MessageBus,
    @Inject(AdminStatsService) private readonly stats: AdminStatsService,
    @Inject(MESSAGE_BUS_ADMIN_OPTIONS) private readonly options: MessageBusAdminOptions,
  ) {}

  /** The console page; its API calls go to the path it was served from (global prefix included). */
  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  page(@Req() request: { originalUrl?: string; url?: string }): string {
    const api = new URL(request.originalUrl ?? request.url ?? '/', 'http://localhost').pathname.replace(/\/+$/, '');
    return renderConsolePage({ api, statsTopic: ADMIN_STATS_TOPIC, websocket: this.stats.bridgeInfo() });
  }

  @Get('console.js')
  @Header('content-type', 'text/javascript; charset=utf-8')
  script(): string {
    return CONSOLE_SCRIPT;
  }

  @Get('stats')
  getStats(): Promise<AdminStats> {
    return this.stats.snapshot();
  }

  /** The handlers declared in the application (and the WebSocket bridge's), in registration order; session handlers are left out. */
  @Get('handlers')
  handlers(): HandlerInfo[] {
    return this.bus.handlers().filter((handler) => handler.sessionId === undefined);
  }

  /** The AsyncAPI 3.0 document of this application (`bus.describe()`). */
  @Get('asyncapi.json')
  asyncApiJson(): AsyncApiDocument {
    return this.bus.describe(this.options.asyncApi);
  }

  @Get('asyncapi.yaml')
  @Header('content-type', 'application/yaml; charset=utf-8')
  asyncApiYaml(): string {
    return asyncApiYaml(this.bus.describe(this.options.asyncApi));
  }

  /** Oldest first; `limit` 1..1000, default 100. */
  @Get('dead-letters')
  deadLetters(
    @Query('topic') topic?: string,
    @Query('limit', new ParseIntPipe({ optional: true })) limit = DEFAULT_LIST_LIMIT,
  ): Promise<DeadLetter[]> {
    if (limit < 1 || limit > MAX_LIST_LIMIT) throw new BadRequestException(`limit must be an integer in 1..${MAX_LIST_LIMIT}`);
    return this.bus.deadLetters.list({ topic: topic || undefined, limit });
  }

  /** Hands dead letters back to the group that gave up on them, attempts reset. */
  @Post('dead-letters/replay')
  @HttpCode(HttpStatus.OK)
  async replay(@Body() body: ReplayRequest = {}): Promise<{ replayed: number }> {
    const { id, topic } = body;
    if (id !== undefined && (typeof id !== 'string' || id === '')) throw new BadRequestException('id must be a non-empty string');
    if (topic !== undefined && typeof topic !== 'string') throw new BadRequestException('topic must be a string');
    if (id !== undefined && topic !== undefined) throw new BadRequestException('give id or topic, not both');
    const replayed = await this.bus.deadLetters.replay(id ?? { topic: topic || undefined });
    return { replayed };
  }

  /** Forgets dead letters: those of `topic`, or all. */
  @Delete('dead-letters')
  async purge(@Query('topic') topic?: string): Promise<{ purged: number }> {
    return { purged: await this.bus.deadLetters.purge({ topic: topic || undefined }) };
  }
}

/** The admin controller at `path`, every route behind `guard`. */
export function adminControllerFor(path: string, guard: AdminGuard): Type<MessageBusAdminController> {
  @Controller(path)
  @UseGuards(guard)
  class GuardedAdminController extends MessageBusAdminController {}
  return GuardedAdminController;
}
