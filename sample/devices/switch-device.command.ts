import { Topic } from 'nestjs-message-bus';

/** Turns a smart-home device on or off. */
@Topic('Device.Switch')
export class SwitchDevice {
  constructor(
    readonly deviceId: string,
    readonly on: boolean,
  ) {}
}
