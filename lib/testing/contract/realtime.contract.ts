import { Injectable } from '@nestjs/common';
import { afterEach, describe, expect, it } from 'vitest';
import { EventHandler, InvalidHandlerError, InvalidOptionsError, type MessageContext } from '../../index.js';
import { AppTracker, bootstrapFailure, until } from './bus-app.js';
import type { TransportFactory } from './bus.contract.js';

@Injectable()
class Agents {
  readonly live: string[] = [];
  readonly durable: string[] = [];
  failing = false;
  @EventHandler('agent.*', { delivery: 'realtime' })
  onLive(payload: { n: number }, context: MessageContext) {
    this.live.push(`${context.topic}:${payload.n}`);
    if (this.failing) throw new Error('live handler fails');
  }
  @EventHandler('agent.*')
  onDurable(payload: { n: number }, context: MessageContext) {
    this.durable.push(`${context.topic}:${payload.n}`);
  }
}

@Injectable()
class RealtimeCommand {
  @EventHandler('x.y', { delivery: 'nonsense' as never })
  handle() {}
}

/** Realtime and durable delivery, the same on every transport that has realtime delivery. */
export function realtimeContract(name: string, makeTransport: TransportFactory): void {
  describe(`realtime delivery on ${name}`, () => {
    const apps = new AppTracker();
    afterEach(() => apps.closeAll());
    const fleet = async (count: number) => {
      const transport = makeTransport();
      const started = [];
      for (let i = 0; i < count; i++) started.push(await apps.start({ transport, providers: [Agents], options: { serviceName: 'agents' } }));
      return started;
    };
    const all = (fleetApps: Awaited<ReturnType<typeof fleet>>, pick: (agents: Agents) => string[]) => fleetApps.flatMap((app) => pick(app.get(Agents)));

    it('fans a realtime event out to every instance and resolves how many received it; durable handlers never see it', async () => {
      const instances = await fleet(3);
      expect(await instances[0].bus.publish('agent.status', { n: 1 }, { delivery: 'realtime' })).toBe(3);
      await until(() => all(instances, (agents) => agents.live).length === 3);
      for (const app of instances) expect(app.get(Agents).live).toEqual(['agent.status:1']);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(all(instances, (agents) => agents.durable)).toEqual([]);
    });

    it('resolves 0 when no instance has realtime handlers', async () => {
      const transport = makeTransport();
      const app = await apps.start({ transport, providers: [], options: { serviceName: 'nobody' } });
      expect(await app.bus.publish('agent.status', { n: 2 }, { delivery: 'realtime' })).toBe(0);
      expect(app.bus.getStats().unrouted).toBe(1);
    });

    it('a durable event reaches the group once and no realtime handler', async () => {
      const instances = await fleet(3);
      await expect(instances[1].bus.publish('agent.status', { n: 3 })).resolves.toBeUndefined();
      await until(() => all(instances, (agents) => agents.durable).length === 1);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(all(instances, (agents) => agents.live)).toEqual([]);
    });

    it('both: each way once; every handler sees the event exactly once', async () => {
      const instances = await fleet(3);
      expect(await instances[2].bus.publish('agent.status', { n: 4 }, { delivery: 'both' })).toBe(3);
      await until(() => all(instances, (agents) => agents.live).length === 3 && all(instances, (agents) => agents.durable).length === 1);
      await new Promise((resolve) => setTimeout(resolve, 100));
      for (const app of instances) expect(app.get(Agents).live).toEqual(['agent.status:4']);
      expect(all(instances, (agents) => agents.durable)).toEqual(['agent.status:4']);
    });

    it('delivers at most once: a failing realtime handler is not retried', async () => {
      const [app] = await fleet(1);
      app.get(Agents).failing = true;
      expect(await app.bus.publish('agent.status', { n: 5 }, { delivery: 'realtime' })).toBe(1);
      await until(() => app.bus.getStats().failed === 1);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(app.get(Agents).live).toEqual(['agent.status:5']);
      expect(app.bus.getStats()).toMatchObject({ retried: 0, deadLettered: 1 });
      expect(await app.bus.deadLetters.list()).toMatchObject([{ reason: 'ATTEMPTS_EXHAUSTED', envelope: { topic: 'agent.status' } }]);
    });

    it('refuses realtime commands, delayed realtime events, and unknown delivery modes', async () => {
      const [app] = await fleet(1);
      await expect(app.bus.send('cmd.x', {}, { delivery: 'realtime' })).rejects.toBeInstanceOf(InvalidOptionsError);
      await expect(app.bus.publish('agent.status', {}, { delivery: 'realtime', delayMs: 10 })).rejects.toBeInstanceOf(InvalidOptionsError);
      await expect(app.bus.publish('agent.status', {}, { delivery: 'sometimes' as never })).rejects.toBeInstanceOf(InvalidOptionsError);
      const { error } = await bootstrapFailure({ transport: makeTransport(), providers: [RealtimeCommand] });
      expect(error).toBeInstanceOf(InvalidHandlerError);
    });
  });
}
