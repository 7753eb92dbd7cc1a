import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { MessageBusAdminModule } from 'nestjs-message-bus/admin';
import { asyncApiProblems } from '../../support/asyncapi-parser.js';
import { startAdminApp, TokenGuard, type AdminApp } from './admin-app.js';

describe('MessageBusAdminModule: the AsyncAPI document', () => {
  let admin: AdminApp | undefined;

  afterEach(async () => {
    await admin?.close();
  });

  it('GET asyncapi.json and asyncapi.yaml serve bus.describe(), titled by the module options', async () => {
    const asyncApi = { title: 'Shop', version: '3.2.1' };
    admin = await startAdminApp({ admin: MessageBusAdminModule.forRoot({ guard: TokenGuard, asyncApi }) });

    const json = await admin.http.get('/bus-admin/asyncapi.json').expect(200).expect('content-type', /application\/json/);
    const yaml = await admin.http.get('/bus-admin/asyncapi.yaml').expect(200).expect('content-type', /application\/yaml/);

    expect(json.body).toEqual(admin.bus.describe(asyncApi));
    expect(json.body.info).toMatchObject({ title: 'Shop', version: '3.2.1', 'x-service-name': 'shop' });
    expect(Object.keys(json.body.operations)).toEqual(['Orders_audit', 'Orders_create']);
    expect(parse(yaml.text)).toEqual(json.body);
    expect(await asyncApiProblems(yaml.text)).toEqual([]);
  });

  it('keeps the document behind the guard', async () => {
    admin = await startAdminApp();

    await admin.anonymous.get('/bus-admin/asyncapi.json').expect(403);
    await admin.anonymous.get('/bus-admin/asyncapi.yaml').expect(403);
  });
});
