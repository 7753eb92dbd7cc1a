import { Module } from '@nestjs/common';
import { SagaModule } from 'nestjs-message-bus/sagas';
import { OrderSaga } from './order.saga.js';
import { OrdersController } from './orders.controller.js';
import { OrdersService } from './orders.service.js';
import { PaymentsService } from './payments.service.js';

@Module({
  // Saga instances in memory, like the bus here; on Redis or PostgreSQL: RedisSagaStore, PostgresSagaStore.
  imports: [SagaModule.forRoot({})],
  controllers: [OrdersController],
  providers: [OrderSaga, OrdersService, PaymentsService],
})
export class OrdersModule {}
