import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { of } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { BridgeCloseCode, MessageBusBridge, type BridgeGuardData } from 'nestjs-message-bus/websocket';
import { recordBus } from 'nestjs-message-bus/testing';
import { startBridgeApp, type BridgeApp } from './bridge-app.js';

type Role = 'viewer' | 'operator';

@Injectable()
class Tokens {
  roleOf(token: string | null): Role | undefined {
    return token === 'v-123' ? 'viewer' : token === 'o-456' ? 'operator' : undefined;
  }
}

/**
 * Who connects comes from a token in the query; viewers see TTS only and publish nothing. Provided
 * in the app, so the bridge takes it (and its dependencies) from there.
 */
@Injectable()
class RoleGuard implements CanActivate {
  constructor(private readonly tokens: Tokens) {}

  canActivate(context: ExecutionContext): boolean {
    const data = context.switchToWs().getData<BridgeGuardData>();
    const token = new URL(data.request.url ?? '/', 'http://localhost').searchParams.get('token');
    const role = this.tokens.roleOf(token);
    if (role === undefined) return false;
    if (data.op === 'subscribe') return role === 'operator' || data.patterns.every((pattern) => pattern.startsWith('TTS.'));
    if (data.op === 'publish') return role === 'operator';
    return true;
  }
}

const allow = { subscribe: ['TTS.*', 'Ops.*'], publish: ['Ops.*'] };

describe('WebSocket bridge: the guard', () => {
  let bridgeApp: BridgeApp;

  afterEach(async () => {
    await bridgeApp?.close();
  });

  it('refuses a connection the guard refuses, with close code 4403', async () => {
    bridgeApp = await startBridgeApp({ bridge: { allow, guard: RoleGuard, pingIntervalMs: false }, providers: [Tokens, RoleGuard] });

    const stranger = await bridgeApp.connect({ query: 'token=nope' });
    stranger.send({ op: 'subscribe', patterns: ['TTS.*'] });

    expect(await stranger.closed).toEqual({ code: BridgeCloseCode.FORBIDDEN, reason: 'Forbidden' });
    expect(stranger.frames).toEqual([]);
    expect(bridgeApp.bridge.clientCount).toBe(0);
  });

  it('decides per client which allowed patterns and topics it may use', async () => {
    bridgeApp = await startBridgeApp({ bridge: { allow, guard: RoleGuard, pingIntervalMs: false }, providers: [Tokens, RoleGuard] });
    const recorder = recordBus(bridgeApp.bus);
    const viewer = await bridgeApp.connect({ query: 'token=v-123' });
    const operator = await bridgeApp.connect({ query: 'token=o-456' });

    expect(await viewer.subscribe(['TTS.*'])).toMatchObject({ type: 'subscribed' });
    expect(await viewer.subscribe(['Ops.*'])).toMatchObject({ type: 'error', code: 'FORBIDDEN', message: 'The guard refused Ops.*' });
    expect(await operator.subscribe(['Ops.*'])).toMatchObject({ type: 'subscribed' });
    viewer.send({ op: 'publish', topic: 'Ops.Restart', payload: {} });
    expect(await viewer.next()).toMatchObject({ type: 'error', op: 'publish', code: 'FORBIDDEN' });
    operator.send({ op: 'publish', topic: 'Ops.Restart', payload: {} });

    expect(await operator.next('event')).toMatchObject({ topic: 'Ops.Restart' });
    expect(recorder.published().map((envelope) => envelope.topic)).toEqual(['Ops.Restart']);
    recorder.stop();
  });

  it('gives the guard a ws ExecutionContext: the socket, the upgrade request and the request', async () => {
    const seen: { type: string; client: unknown; data: BridgeGuardData; pattern: string; classRef: unknown }[] = [];
    const guard: CanActivate = {
      canActivate(context) {
        const ws = context.switchToWs();
        seen.push({ type: context.getType(), client: ws.getClient(), data: ws.getData(), pattern: ws.getPattern(), classRef: context.getClass() });
        return true;
      },
    };
    bridgeApp = await startBridgeApp({ bridge: { allow, guard, pingIntervalMs: false } });
    const client = await bridgeApp.connect({ query: 'token=abc', headers: { 'x-tenant': 'acme' } });

    await client.subscribe(['TTS.Started']);
    client.send({ op: 'publish', topic: 'Ops.Ping', payload: { n: 1 } });
    await client.next('published');

    expect(seen.map(({ type, pattern }) => `${type} ${pattern}`)).toEqual(['ws connect', 'ws subscribe', 'ws publish']);
    expect(seen[0].client).toBeInstanceOf(WebSocket);
    expect(seen.every(({ client }) => client === seen[0].client)).toBe(true);
    expect(seen.every(({ classRef }) => classRef === MessageBusBridge)).toBe(true);
    expect(seen[0].data.request.headers['x-tenant']).toBe('acme');
    expect(seen[0].data.request.url).toBe('/bus-events?token=abc');
    expect(seen[1].data).toMatchObject({ op: 'subscribe', patterns: ['TTS.Started'] });
    expect(seen[2].data).toMatchObject({ op: 'publish', topic: 'Ops.Ping', payload: { n: 1 } });
  });

  it('handles frames in order behind an asynchronous guard', async () => {
    const guard: CanActivate = {
      // Resolves later than the frames that follow arrive.
      canActivate: () => new Promise<boolean>((resolve) => setImmediate(() => resolve(true))),
    };
    bridgeApp = await startBridgeApp({ bridge: { allow, guard, pingIntervalMs: false } });
    const client = await bridgeApp.connect();

    client.send({ op: 'subscribe', patterns: ['TTS.*'], ref: 1 });
    client.send({ op: 'ping', ref: 2 });
    client.send({ op: 'publish', topic: 'Ops.Go', payload: {}, ref: 3 });
    client.send({ op: 'ping', ref: 4 });

    const refs = [];
    for (let i = 0; i < 4; i++) refs.push(((await client.next()) as { ref?: number }).ref);
    expect(refs).toEqual([1, 2, 3, 4]);
  });

  it('cuts off a client whose frames pile up behind a guard that does not answer (1008)', async () => {
    const guard: CanActivate = { canActivate: () => new Promise<boolean>(() => undefined) };
    bridgeApp = await startBridgeApp({ bridge: { allow, guard, pingIntervalMs: false } });
    const client = await bridgeApp.connect();

    for (let i = 0; i < 100; i++) client.send({ op: 'ping', ref: i });

    expect(await client.closed).toEqual({ code: BridgeCloseCode.POLICY_VIOLATION, reason: 'Too many frames waiting' });
    expect(client.frames).toEqual([]);
  });

  it('takes an Observable verdict, and reads a throwing guard as a refusal', async () => {
    let calls = 0;
    const guard: CanActivate = {
      canActivate(context) {
        calls += 1;
        if (context.switchToWs().getData<BridgeGuardData>().op === 'publish') throw new Error('token expired');
        return of(true);
      },
    };
    bridgeApp = await startBridgeApp({ bridge: { allow, guard, pingIntervalMs: false } });
    const client = await bridgeApp.connect();

    expect(await client.subscribe(['TTS.*'])).toMatchObject({ type: 'subscribed' });
    client.send({ op: 'publish', topic: 'Ops.Go', payload: {} });
    expect(await client.next()).toMatchObject({ type: 'error', code: 'FORBIDDEN' });

    expect(calls).toBe(3);
    expect(bridgeApp.logger.lines).toContain('warn The bridge guard refused publish by throwing: token expired');
  });

  it('checks the allowance before the guard, which never sees a pattern outside it', async () => {
    const asked: string[][] = [];
    const guard: CanActivate = {
      canActivate(context) {
        const data = context.switchToWs().getData<BridgeGuardData>();
        if (data.op === 'subscribe') asked.push(data.patterns);
        return true;
      },
    };
    bridgeApp = await startBridgeApp({ bridge: { allow, guard, pingIntervalMs: false } });
    const client = await bridgeApp.connect();

    expect(await client.subscribe(['Secret.*'])).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
    expect(asked).toEqual([]);
  });
});
