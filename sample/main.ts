import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { WsAdapter } from '@nestjs/platform-ws';
import { AppModule } from './app.module.js';

const app = await NestFactory.create(AppModule);
// The bus's WebSocket bridge runs on Nest's ws adapter (plain WebSockets, which browsers speak).
app.useWebSocketAdapter(new WsAdapter(app));
// On SIGINT / SIGTERM the bus stops taking messages and finishes those in flight before exiting.
app.enableShutdownHooks();
const port = Number(process.env.PORT ?? 3000);
await app.listen(port);
new Logger('VoiceAssistant').log(`Listening on http://localhost:${port}`);
