import { describe, expect, it } from 'vitest';
import { groupOfToken, groupToken, isNatsName, NatsNames, subjectFilters, subjectMatches } from '../../../../lib/transports/nats/nats-names.js';

describe('NATS names', () => {
  it('maps * to * and a trailing # to the prefix and prefix.>', () => {
    expect(subjectFilters('bus', 'order.placed')).toEqual(['bus.order.placed']);
    expect(subjectFilters('bus', 'TTS.*')).toEqual(['bus.TTS.*']);
    expect(subjectFilters('bus', 'task.#')).toEqual(['bus.task', 'bus.task.>']);
    expect(subjectFilters('bus', '#')).toEqual(['bus.>']);
  });

  it('widens a # before other words to > (the bus filters the rest)', () => {
    expect(subjectFilters('bus', 'a.#.b')).toEqual(['bus.a.>']);
    expect(subjectFilters('bus', '*.#.end')).toEqual(['bus.*.>']);
  });

  it('turns a dotted group into one reversible subject token', () => {
    expect(groupToken('billing.eu:1')).toBe('billing~eu:1');
    expect(groupOfToken(groupToken('billing.eu:1'))).toBe('billing.eu:1');
    expect(isNatsName(groupToken('a.b.c'))).toBe(true);
    expect(isNatsName('a.b')).toBe(false);
  });

  it('addresses a group copy and parses it back', () => {
    const names = new NatsNames('shop');
    const subject = names.groupSubject('billing.eu', 'command', 'invoice.create');
    expect(subject).toBe('shop.g.billing~eu.command.invoice.create');
    expect(names.parseGroupSubject(subject)).toEqual({ group: 'billing.eu', kind: 'command', topic: 'invoice.create' });
    expect(names.parseGroupSubject('other.g.x.event.t')).toBeUndefined();
    expect(names.groupFilter('billing.eu')).toBe('shop.g.billing~eu.>');
  });

  it('keeps queries and dead letters outside the message stream, filterable by topic', () => {
    const names = new NatsNames('shop');
    expect(names.querySubject('stock.get')).toBe('shop.q.stock.get');
    expect(names.querySubject('x').startsWith('shop.g.')).toBe(false);
    expect(names.broadcastSubject('TTS.Started')).toBe('shop.x.TTS.Started');
    expect(names.broadcastFilters('TTS.#')).toEqual(['shop.x.TTS', 'shop.x.TTS.>']);
    expect(names.deadLetterSubject('app', 'fail.always')).toBe('shop_dead.app.fail.always');
    expect(names.deadLetterFilter('fail.always')).toBe('shop_dead.*.fail.always');
    expect(names.deadLetterFilter()).toBe('shop_dead.>');
  });

  it('makes bucket keys of the characters NATS keys allow', () => {
    const names = new NatsNames('shop');
    const key = names.bindingKey('event', 'svc:a.b', 'TTS.#');
    expect(key).toMatch(/^[-/_=.A-Za-z0-9]+$/);
    expect(names.ownerKey('command', 'a:b')).toMatch(/^o\.command\.[-_A-Za-z0-9]+$/);
    expect(names.bindingKey('event', 'x', 'a.*')).not.toBe(names.bindingKey('event', 'x', 'a.#'));
    expect(names.parseBindingKey(key)).toEqual({ kind: 'event', group: 'svc:a.b', pattern: 'TTS.#' });
    expect(names.parseBindingKey(names.ownerKey('command', 'a'))).toBeUndefined();
  });

  it('matches subjects against NATS filters', () => {
    expect(subjectMatches('a.*', 'a.b')).toBe(true);
    expect(subjectMatches('a.*', 'a.b.c')).toBe(false);
    expect(subjectMatches('a.>', 'a')).toBe(false);
    expect(subjectMatches('a.>', 'a.b.c')).toBe(true);
    expect(subjectMatches('a.b', 'a.b')).toBe(true);
  });
});
