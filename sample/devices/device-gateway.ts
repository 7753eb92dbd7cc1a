import { Injectable } from '@nestjs/common';

export interface DeviceState {
  id: string;
  on: boolean;
  /** An offline device cannot be switched until it is back. */
  online: boolean;
}

/** Stands in for the smart-home hub: a few devices that can be switched, or be offline. */
@Injectable()
export class DeviceGateway {
  private readonly devices = new Map<string, DeviceState>(
    ['lamp', 'heater', 'radio'].map((id) => [id, { id, on: false, online: true }]),
  );

  list(): DeviceState[] {
    return [...this.devices.values()].map((device) => ({ ...device }));
  }

  find(id: string): DeviceState | undefined {
    const device = this.devices.get(id);
    return device && { ...device };
  }

  /** Plugs the device in or out; `undefined` for an unknown device. */
  setOnline(id: string, online: boolean): DeviceState | undefined {
    const device = this.devices.get(id);
    if (device) device.online = online;
    return this.find(id);
  }

  /** Throws while the device is offline, like a network call would. */
  switch(id: string, on: boolean): DeviceState {
    const device = this.devices.get(id);
    if (!device) throw new Error(`Unknown device "${id}"`);
    if (!device.online) throw new Error(`Device "${id}" is offline`);
    device.on = on;
    return { ...device };
  }
}
