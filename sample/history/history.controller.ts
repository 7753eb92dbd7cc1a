import { BadRequestException, Controller, Get, ParseIntPipe, Query } from '@nestjs/common';
import { MessageBus, type QueryResult } from 'nestjs-message-bus';
import { respond } from '../http/bus-result.js';
import { GetMessages, type StoredMessage } from './get-messages.query.js';

@Controller('messages')
export class HistoryController {
  constructor(private readonly bus: MessageBus) {}

  /** `GET /messages?sessionId=&limit=`: asks `DB.GetMessages` and answers its result. */
  @Get()
  async list(
    @Query('sessionId') sessionId?: string,
    @Query('limit', new ParseIntPipe({ optional: true })) limit?: number,
  ): Promise<QueryResult<StoredMessage[]>> {
    if (limit !== undefined && limit < 1) throw new BadRequestException('limit must be a positive integer');
    return respond(await this.bus.request<StoredMessage[]>(new GetMessages(sessionId || undefined, limit)));
  }
}
