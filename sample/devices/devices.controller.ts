import {
  BadRequestException,
  Body,
  Controller,
  Get,
  HttpCode,
  HttpStatus,
  NotFoundException,
  Param,
  Patch,
  Post,
} from '@nestjs/common';
import { MessageBus, type CommandResult } from 'nestjs-message-bus';
import { respond } from '../http/bus-result.js';
import { DeviceGateway, type DeviceState } from './device-gateway.js';
import { SwitchDevice } from './switch-device.command.js';

@Controller('devices')
export class DevicesController {
  constructor(
    private readonly bus: MessageBus,
    private readonly gateway: DeviceGateway,
  ) {}

  /** `GET /devices`: every device and its state. */
  @Get()
  list(): DeviceState[] {
    return this.gateway.list();
  }

  /**
   * `POST /devices/:id/switch { on }`: executes `Device.Switch` and answers its final outcome,
   * after any retries.
   */
  @Post(':id/switch')
  @HttpCode(HttpStatus.OK)
  async switch(@Param('id') id: string, @Body() body: { on?: unknown }): Promise<CommandResult<DeviceState>> {
    if (typeof body.on !== 'boolean') throw new BadRequestException('on must be a boolean');
    return respond(await this.bus.execute<DeviceState>(new SwitchDevice(id, body.on)));
  }

  /** `PATCH /devices/:id { online }`: plugs a device out (to watch commands fail) or back in. */
  @Patch(':id')
  setOnline(@Param('id') id: string, @Body() body: { online?: unknown }): DeviceState {
    if (typeof body.online !== 'boolean') throw new BadRequestException('online must be a boolean');
    const device = this.gateway.setOnline(id, body.online);
    if (!device) throw new NotFoundException(`Unknown device "${id}"`);
    return device;
  }
}
