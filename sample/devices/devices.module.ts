import { Module } from '@nestjs/common';
import { DeviceGateway } from './device-gateway.js';
import { DevicesController } from './devices.controller.js';
import { DevicesService } from './devices.service.js';

@Module({
  controllers: [DevicesController],
  providers: [DeviceGateway, DevicesService],
})
export class DevicesModule {}
