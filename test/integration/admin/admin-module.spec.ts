import { Script } from 'node:vm';
import { Injectable, Module } from '@nestjs/common';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidOptionsError } from 'nestjs-message-bus';
import { AdminGuardRequiredError, MessageBusAdminModule } from 'nestjs-message-bus/admin';
import { startAdminApp, TokenGuard, type AdminApp } from './admin-app.js';

@Injectable()
class AdminConfig {
  readonly statsIntervalMs = 500;
}

@Module({ providers: [AdminConfig], exports: [AdminConfig] })
class ConfigModule {}

/** The JSON the console page embeds for its script. */
function configOf(html: string): unknown {
  const match = /<script type="application\/json" id="bus-admin-config">(.*?)<\/script>/s.exec(html);
  return match && JSON.parse(match[1]);
}

describe('MessageBusAdminModule', () => {
  let admin: AdminApp | undefined;

  afterEach(async () => {
    await admin?.close();
    admin = undefined;
  });

  it('cannot be registered without a guard', () => {
    expect(() => MessageBusAdminModule.forRoot({})).toThrow(AdminGuardRequiredError);
    expect(() => MessageBusAdminModule.forRoot({ guard: { nope: true } } as never)).toThrow(AdminGuardRequiredError);
    expect(() => MessageBusAdminModule.forRootAsync({ useFactory: () => ({}) })).toThrow(
      expect.objectContaining({ code: 'ADMIN_GUARD_REQUIRED' }),
    );
    expect(() => MessageBusAdminModule.forRoot({ guard: TokenGuard, path: 'no spaces please' })).toThrow(InvalidOptionsError);
  });

  it('answers 403 on every route, the console included, when the guard refuses', async () => {
    admin = await startAdminApp();

    for (const path of ['', '/console.js', '/stats', '/handlers', '/dead-letters']) {
      await admin.anonymous.get(`/bus-admin${path}`).expect(403);
    }
    await admin.anonymous.post('/bus-admin/dead-letters/replay').send({}).expect(403);
    await admin.anonymous.delete('/bus-admin/dead-letters').expect(403);
    await admin.anonymous.get('/bus-admin/stats').set('x-admin-token', 'guess').expect(403);
  });

  it('serves the console page and its script', async () => {
    admin = await startAdminApp();

    const page = await admin.http.get('/bus-admin').expect(200).expect('content-type', /text\/html/);
    const script = await admin.http.get('/bus-admin/console.js').expect(200).expect('content-type', /javascript/);

    expect(configOf(page.text)).toEqual({ api: '/bus-admin', statsTopic: 'bus-admin.stats', websocket: null });
    expect(page.text).toContain('<script src="/bus-admin/console.js" defer></script>');
    expect(() => new Script(script.text)).not.toThrow();
  });

  it('takes its path, guard instance and options from forRootAsync, behind a global prefix', async () => {
    admin = await startAdminApp({
      prefix: 'api',
      admin: MessageBusAdminModule.forRootAsync({
        path: '/ops/bus/',
        guard: new TokenGuard(),
        imports: [ConfigModule],
        inject: [AdminConfig],
        useFactory: (config: AdminConfig) => ({ statsIntervalMs: config.statsIntervalMs }),
      }),
    });

    await admin.http.get('/api/ops/bus/stats').expect(200);
    await admin.anonymous.get('/api/ops/bus/stats').expect(403);
    const page = await admin.http.get('/api/ops/bus/').expect(200);
    expect(configOf(page.text)).toMatchObject({ api: '/api/ops/bus' });
  });

  it('refuses an out-of-range statsIntervalMs at bootstrap', async () => {
    await expect(
      startAdminApp({ admin: MessageBusAdminModule.forRoot({ guard: TokenGuard, statsIntervalMs: 0 }) }),
    ).rejects.toBeInstanceOf(InvalidOptionsError);
  });
});
