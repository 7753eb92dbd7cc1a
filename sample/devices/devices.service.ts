import { Injectable } from '@nestjs/common';
import { CommandHandler, MessageBus, UnrecoverableError } from 'nestjs-message-bus';
import { DeviceGateway, type DeviceState } from './device-gateway.js';
import { DeviceSwitched } from './device-switched.event.js';
import { SwitchDevice } from './switch-device.command.js';

/**
 * Executes `Device.Switch`. A failure is retried with the module's policy (3 attempts, 100 ms
 * then 200 ms apart in this app), then the command is dead-lettered: the console's Replay button
 * (or `POST /bus-admin/dead-letters/replay`) runs it again once the device is back.
 */
@Injectable()
export class DevicesService {
  constructor(
    private readonly gateway: DeviceGateway,
    private readonly bus: MessageBus,
  ) {}

  @CommandHandler(SwitchDevice)
  async switch(command: SwitchDevice): Promise<DeviceState> {
    if (this.gateway.find(command.deviceId) === undefined) {
      // No later attempt can find it either: skip the retries.
      throw new UnrecoverableError(`Unknown device "${command.deviceId}"`);
    }
    const device = this.gateway.switch(command.deviceId, command.on);
    await this.bus.publish(new DeviceSwitched(device.id, device.on));
    return device;
  }
}
