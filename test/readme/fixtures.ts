// What the examples of the README and docs/ take as given: the application's own messages, DTOs, guards and
// services. test/readme/check.mjs imports these into each example that uses one and does not declare it.
import { Module, type CallHandler, type CanActivate, type ExceptionFilter, type INestApplication, type NestInterceptor } from '@nestjs/common';
import { Topic, type BusMetrics, type DeadLetter, type MessageBus } from 'nestjs-message-bus';
import type { Observable } from 'rxjs';

@Topic('Speech.Speak') export class SpeakCommand { constructor(readonly text: string) {} }
@Topic('TTS.Started') export class TtsStarted { constructor(readonly text: string) {} }
@Topic('TTS.Finished') export class TtsFinished { constructor(readonly text: string) {} }
@Topic('DB.GetMessages') export class GetMessages { constructor(readonly limit = 50) {} }

@Topic('orders.placed') export class OrderPlaced { constructor(readonly orderId: string) {} }
@Topic('payments.failed') export class PaymentFailed { constructor(readonly orderId: string) {} }
@Topic('payments.timed-out') export class PaymentTimedOut { constructor(readonly orderId: string) {} }
@Topic('orders.cancelled') export class OrderCancelled { constructor(readonly orderId: string) {} }

/** The application's root module, as `nest new` names it. */
@Module({}) export class AppModule {}

export class Order { id!: string; }
export class CreateOrderDto { sku!: string; quantity!: number; }
export class ShipOrder { orderId!: string; }
export class Payment { orderId!: string; amountCents!: number; }
export class Sample { name!: string; value!: number; }

export class LoggingInterceptor implements NestInterceptor {
  intercept(_: unknown, next: CallHandler): Observable<unknown> { return next.handle(); }
}
export class TenantGuard implements CanActivate { canActivate() { return true; } }
export class OperatorGuard implements CanActivate { canActivate() { return true; } }
export class ScreenGuard implements CanActivate { canActivate() { return true; } }
export class OrdersErrorFilter implements ExceptionFilter { catch() {} }

export class SessionStore {
  fromCookie(_cookie?: string): Promise<{ isOperator: boolean } | undefined> { return Promise.resolve(undefined); }
}
// @nestjs/config's, which the examples use without this repository depending on it.
export class ConfigModule {}
export class ConfigService { get(_key: string): string { return ''; } }

export declare const app: INestApplication;
export declare const bus: MessageBus;
export declare const letter: DeadLetter;

/** What the examples that are a class's members use through `this`. */
export abstract class ExampleMembers {
  protected readonly bus!: MessageBus;
  protected readonly metrics!: BusMetrics;
  protected readonly tts!: { render(text: string): Promise<void> };
  protected readonly gateway!: { charge(payment: Payment): Promise<{ ok: boolean }> };
  protected readonly db!: { insertMany(rows: Sample[]): Promise<void> };
}
