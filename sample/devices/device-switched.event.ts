import { Topic } from 'nestjs-message-bus';

/** A device was turned on or off. */
@Topic('Device.Switched')
export class DeviceSwitched {
  constructor(
    readonly deviceId: string,
    readonly on: boolean,
  ) {}
}
