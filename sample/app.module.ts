import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { MessageBusModule } from 'nestjs-message-bus';
import { ADMIN_STATS_TOPIC, MessageBusAdminModule } from 'nestjs-message-bus/admin';
import { MessageBusBridgeModule } from 'nestjs-message-bus/websocket';
import { AdminModule } from './admin/admin.module.js';
import { LocalOperatorGuard } from './admin/local-operator.guard.js';
import { DevicesModule } from './devices/devices.module.js';
import { HomeModule } from './home/home.module.js';
import { HistoryModule } from './history/history.module.js';
import { OperationsModule } from './operations/operations.module.js';
import { OrdersModule } from './orders/orders.module.js';
import { BusErrorFilter } from './http/bus-error.filter.js';
import { ScreenModule } from './screen/screen.module.js';
import { SpeechModule } from './speech/speech.module.js';

@Module({
  imports: [
    // The in-memory transport: no broker to run. The module is global, so every feature module
    // can inject MessageBus, and their handlers are found wherever they are declared.
    MessageBusModule.forRoot('memory://', {
      serviceName: 'voice-assistant',
      // Short delays so a failing command reaches the dead letters in a blink: attempts at
      // 0, +100 ms, +200 ms (the library's default waits 1 s, then 2 s).
      retry: { maxAttempts: 3, initialDelayMs: 100, factor: 2 },
    }),
    // Bus events for browsers at ws://localhost:3000/bus-events: a screen can follow what the
    // assistant says, and tell it to stop. The console below gets its live stats this way too.
    MessageBusBridgeModule.forRoot({
      path: '/bus-events',
      allow: { subscribe: ['TTS.*', 'History.Updated', 'Device.*', ADMIN_STATS_TOPIC], publish: ['TTS.Interrupted'] },
      guard: LocalOperatorGuard,
    }),
    // The operator's console at http://localhost:3000/bus-admin: stats, handlers, dead letters.
    MessageBusAdminModule.forRoot({ path: 'bus-admin', guard: LocalOperatorGuard }),
    SpeechModule,
    HistoryModule,
    DevicesModule,
    ScreenModule,
    AdminModule,
    // POST /orders: an order saga that confirms paid orders and cancels those whose payment failed.
    OrdersModule,
    // GET /health (Terminus) and GET /metrics (Prometheus).
    OperationsModule,
    // GET /: an index of the routes above.
    HomeModule,
  ],
  providers: [{ provide: APP_FILTER, useClass: BusErrorFilter }],
})
export class AppModule {}
