import { Injectable } from '@nestjs/common';
import { CommandHandler, MessageContext, QueryHandler, Topic } from 'nestjs-message-bus';

@Topic('greetings.request')
export class RequestGreeting {
  constructor(readonly name: string) {}
}

@Topic('greetings.sent')
export class GreetingSent {
  constructor(readonly text: string) {}
}

@Injectable()
export class GreetingHandler {
  @CommandHandler(RequestGreeting)
  async greet(command: RequestGreeting, context: MessageContext): Promise<string> {
    const text = `Hello, ${command.name}!`;
    await context.bus.publish(new GreetingSent(text));
    return text;
  }

  @QueryHandler('greetings.preview')
  preview(name: string): string {
    return `Hello, ${name}!`;
  }
}
