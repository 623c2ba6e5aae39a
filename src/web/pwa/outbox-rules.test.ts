import { describe, expect, it } from 'vitest';
import type { OutboxItem } from './db.js';
import { BACKOFF_MS, backoff, settle, verdict } from './outbox-rules.js';

const item = (over: Partial<OutboxItem> = {}): OutboxItem => ({
  id: 'i1', kind: 'visit', userId: '7', method: 'POST', url: '/api/visits', body: { householdId: '42' }, photoField: 'attachmentIds',
  idempotencyKey: 'k1', photos: [], summary: '43栋 1001', createdAt: 1_000, attempts: 1, state: 'sending', nextAttemptAt: 0, ...over,
});

describe('the outbox’s answer verdicts', () => {
  it('2xx → sent', () => {
    for (const s of [200, 201, 204]) expect(verdict(s)).toEqual({ kind: 'sent' });
  });

  it('no network → later, and the round stops (the other items would fail the same way)', () => {
    expect(verdict('network')).toEqual({ kind: 'later', stopRound: true });
  });

  it('server trouble (5xx, 408, 429) → later, the round goes on', () => {
    for (const s of [500, 502, 503, 504, 408, 429]) expect(verdict(s)).toEqual({ kind: 'later', stopRound: false });
  });

  it('401 → later and the round stops: after signing in again it goes', () => {
    expect(verdict(401)).toEqual({ kind: 'later', stopRound: true });
  });

  it('409 → conflict; other 4xx (and anything else) → failed', () => {
    expect(verdict(409)).toEqual({ kind: 'conflict' });
    for (const s of [400, 403, 404, 413, 422, 304]) expect(verdict(s)).toEqual({ kind: 'failed' });
  });
});

describe('the backoff', () => {
  it('grows with the tries and stays at its last step', () => {
    expect([1, 2, 3, 4, 5, 6].map(backoff)).toEqual([...BACKOFF_MS]);
    expect(backoff(7)).toBe(300_000);
    expect(backoff(100)).toBe(300_000);
    // Never tried yet: the first step.
    expect(backoff(0)).toBe(5_000);
  });
});

describe('an item after a try', () => {
  const now = 50_000;

  it('sent → removed from the phone', () => {
    expect(settle(item(), { kind: 'sent', response: { id: '9' } }, now)).toEqual({ remove: true });
  });

  it('later → waiting again after the backoff of its tries, with the reason', () => {
    const r = settle(item({ attempts: 3 }), { kind: 'later', stopRound: false, message: '服务暂不可用' }, now);
    expect(r).toEqual({ remove: false, stopRound: false, item: expect.objectContaining({ state: 'waiting', attempts: 3, nextAttemptAt: now + 30_000, lastError: '服务暂不可用' }) });
    const offline = settle(item(), { kind: 'later', stopRound: true }, now);
    expect(offline).toMatchObject({ remove: false, stopRound: true, item: { state: 'waiting', nextAttemptAt: now + 5_000 } });
  });

  it('refused → kept with the server’s message, same key, not waiting for a retry by itself', () => {
    const conflict = settle(item(), { kind: 'conflict', message: '该住户信息已被他人修改' }, now);
    expect(conflict).toEqual({ remove: false, stopRound: false, item: expect.objectContaining({ state: 'conflict', lastError: '该住户信息已被他人修改', idempotencyKey: 'k1' }) });
    const failed = settle(item(), { kind: 'failed', message: '住户不存在' }, now);
    expect(failed).toMatchObject({ remove: false, stopRound: false, item: { state: 'failed', lastError: '住户不存在' } });
  });

  it('keeps the photos uploaded so far (their ids are not asked for again)', () => {
    const blob = new Blob(['x'], { type: 'image/jpeg' });
    const r = settle(item({ photos: [{ key: 'k1.photo.0', blob, attachmentId: '77' }, { key: 'k1.photo.1', blob }] }), { kind: 'later', stopRound: true }, now);
    expect(r.remove).toBe(false);
    if (!r.remove) expect(r.item.photos.map((p) => p.attachmentId)).toEqual(['77', undefined]);
  });
});
