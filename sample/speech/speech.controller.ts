import { BadRequestException, Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { MessageBus, type CommandResult } from 'nestjs-message-bus';
import { respond } from '../http/bus-result.js';
import { SpeakCommand, type Utterance } from './speak.command.js';

const MAX_TEXT_LENGTH = 1000;

interface SpeakRequest {
  text?: unknown;
  sessionId?: unknown;
}

@Controller()
export class SpeechController {
  constructor(private readonly bus: MessageBus) {}

  /**
   * `POST /speak { text, sessionId? }`: speaks `text` within the session (a new one when
   * `sessionId` is omitted) and answers the command's result once it has been spoken.
   */
  @Post('speak')
  @HttpCode(HttpStatus.OK)
  async speak(@Body() body: SpeakRequest): Promise<CommandResult<Utterance>> {
    const { text, sessionId } = body;
    if (typeof text !== 'string' || text.trim() === '' || text.length > MAX_TEXT_LENGTH) {
      throw new BadRequestException(`text must be a non-empty string of at most ${MAX_TEXT_LENGTH} characters`);
    }
    if (sessionId !== undefined && (typeof sessionId !== 'string' || sessionId === '')) {
      throw new BadRequestException('sessionId must be a non-empty string');
    }
    // Everything the command causes (TTS.Started, TTS.Finished, ...) carries this session id.
    const session = this.bus.session(sessionId);
    return respond(await session.execute<Utterance>(new SpeakCommand(text)));
  }
}
