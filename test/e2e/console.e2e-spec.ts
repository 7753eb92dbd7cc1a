import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MessageBusBridge } from 'nestjs-message-bus/websocket';
import { until } from '../support/bus-app.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH, chromiumAvailable } from './chromium.js';
import { startSampleApp, type SampleApp } from './sample-app.js';

const ARTIFACTS = fileURLToPath(new URL('./artifacts/', import.meta.url));

describe.skipIf(!chromiumAvailable())('sample: the bus console in a browser', () => {
  let sample: SampleApp;
  let profile: string;
  let browser: BrowserContext;
  let page: Page;

  beforeEach(async () => {
    sample = await startSampleApp({ listen: true });
    profile = await mkdtemp(join(tmpdir(), 'bus-console-'));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 1000 },
    });
    page = browser.pages()[0] ?? (await browser.newPage());
  });

  afterEach(async () => {
    await browser?.close();
    await sample?.close();
    await rm(profile, { recursive: true, force: true });
  });

  it('shows events live, and replays a dead letter at a click', async () => {
    const bridge = sample.app.get(MessageBusBridge);
    await page.goto(`${sample.url}/bus-admin`);
    await page.locator('#status', { hasText: 'live' }).waitFor();
    await until(() => bridge.hasSubscribers('TTS.Started') && bridge.hasSubscribers('Device.Switched'), 5000, 'the console to subscribe');

    await sample.bus.publish('TTS.Started', { utteranceId: 'u-1', text: 'Hello from the test' });
    await page.locator('#events tr[data-topic="TTS.Started"]', { hasText: 'Hello from the test' }).waitFor();

    // The lamp is unplugged: switching it fails three times and is dead-lettered.
    await sample.http.patch('/devices/lamp').send({ online: false }).expect(200);
    await sample.http.post('/devices/lamp/switch').send({ on: true }).expect(500);
    await sample.http.patch('/devices/lamp').send({ online: true }).expect(200);
    const letter = page.locator('#dead-letters tr', { hasText: 'Device.Switch' });
    await letter.waitFor();
    expect(await letter.textContent()).toContain('ATTEMPTS_EXHAUSTED');
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'bus-console-dead-letter.png'), fullPage: true });

    await letter.getByRole('button', { name: 'Replay' }).click();

    await page.locator('#note', { hasText: 'Replayed 1 dead letter' }).waitFor();
    await letter.waitFor({ state: 'detached' });
    await page.locator('#events tr[data-topic="Device.Switched"]').waitFor();
    expect(await sample.bus.deadLetters.count()).toBe(0);
    await sample.http.get('/devices').expect(200).expect((res) => expect(res.body[0]).toEqual({ id: 'lamp', on: true, online: true }));
    // Two stats frames make a rate: the chart and the rate cards have data by then.
    await page.locator('#rate-published', { hasText: /\d/ }).waitFor();
    await page.locator('#dead-letter-count', { hasText: '0' }).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'bus-console.png'), fullPage: true });
  });

  it('shows the channels, the handlers on each and the instance running them, from the AsyncAPI document', async () => {
    const { instanceId } = (await sample.http.get('/bus-admin/stats').expect(200)).body as { instanceId: string };
    await page.goto(`${sample.url}/bus-admin`);

    const channel = page.locator('#channels > li[data-channel="TTS.*"]');
    await channel.waitFor();
    expect(await channel.locator(':scope > span.detail').textContent()).toBe('TtsFinished, TtsStarted');
    const record = channel.locator('li[data-handler="HistoryService.record"]');
    expect(await record.locator(':scope > span.detail').textContent()).toBe('event, group voice-assistant, priority 10, 3 attempts');
    expect(await record.locator('li.instance').textContent()).toBe(`${instanceId}this instance`);
    const speak = page.locator('#channels > li[data-channel="Speech.Speak"]');
    expect(await speak.locator('li[data-handler="SpeechService.speak"] > span.detail').textContent()).toContain('command, group voice-assistant');
    expect(await speak.textContent()).toContain('sent by voice-assistant');
    await mkdir(ARTIFACTS, { recursive: true });
    await channel.screenshot({ path: join(ARTIFACTS, 'bus-console-channels.png') });
    const yamlLink = (await page.locator('#asyncapi-yaml').getAttribute('href')) as string;
    expect(yamlLink).toBe('/bus-admin/asyncapi.yaml');
    expect(await page.evaluate((href) => fetch(href).then((response) => response.text()), yamlLink)).toMatch(/^asyncapi: 3\.0\.0$/m);
  });
});
