import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { validatorCompiler } from 'fastify-type-provider-zod';
import { describeIssue } from './error-handler.js';
import { fieldLabel } from '../../../shared/i18n/index.js';

const Schema = z.strictObject({
  name: z.string().min(1).max(5),
  count: z.number().int().min(2).max(9).optional(),
  tags: z.array(z.string()).min(1).max(2).optional(),
  level: z.enum(['grid', 'community']).optional(),
  day: z.iso.date().optional(),
  newPassword: z.string().min(10).optional(),
  nested: z.object({ code: z.string() }).optional(),
  username: z.string().superRefine((v, ctx) => {
    if (v === 'x') ctx.addIssue({ code: 'custom', messageKey: 'password.too_short', messageParams: { min: 3 }, input: v } as never);
  }).optional(),
});
const validate = validatorCompiler({ schema: Schema, method: 'POST', url: '/', httpPart: 'body' } as never);

/** The first issue the real validator (as Fastify runs it) reports for this body. */
function issueFor(body: unknown) {
  const result = validate(body) as { error?: { keyword: string; instancePath: string; params: Record<string, unknown>; message: string }[] };
  if (!result.error?.length) throw new Error(`valid: ${JSON.stringify(body)}`);
  return result.error[0]!;
}
const zh = (body: unknown) => describeIssue('zh-CN', issueFor(body), 'body');
const en = (body: unknown) => describeIssue('en', issueFor(body), 'body');
/** A field's label (other areas may add labels for these names to the catalogue). */
const zhL = (f: string) => fieldLabel('zh-CN', f);
const enL = (f: string) => fieldLabel('en', f);

describe('describeIssue', () => {
  it('a missing field is "required"', () => {
    expect(zh({})).toEqual({ field: 'name', message: '名称：必填' });
    expect(en({})).toEqual({ field: 'name', message: 'Name: is required' });
  });

  it('a wrong type names the expected type, not "required"', () => {
    expect(zh({ name: 42 })).toEqual({ field: 'name', message: '名称：类型应为文本' });
    expect(en({ name: 42 })).toEqual({ field: 'name', message: 'Name: must be a text' });
    expect(zh({ name: 'a', count: 2.5 }).message).toBe(`${zhL('count')}：类型应为整数`);
    expect(en({ name: 'a', tags: 'x' }).message).toBe(`${enL('tags')}: must be a list`);
  });

  it('an empty string for a required text is "required"; longer minimums give the count', () => {
    expect(zh({ name: '' }).message).toBe('名称：必填');
    expect(zh({ name: 'a', newPassword: 'short' })).toEqual({ field: 'newPassword', message: '新密码：至少 10 个字符' });
  });

  it('too_big and too_small for strings, numbers and arrays', () => {
    expect(zh({ name: 'abcdefg' }).message).toBe('名称：最多 5 个字符');
    expect(en({ name: 'a', count: 1 }).message).toBe(`${enL('count')}: must be at least 2`);
    expect(en({ name: 'a', count: 10 }).message).toBe(`${enL('count')}: must be at most 9`);
    expect(zh({ name: 'a', tags: [] }).message).toBe(`${zhL('tags')}：至少 1 项`);
    expect(en({ name: 'a', tags: ['a', 'b', 'c'] }).message).toBe(`${enL('tags')}: must have at most 2 items`);
  });

  it('an enum lists the allowed values; a bad format says so', () => {
    expect(zh({ name: 'a', level: 'street' })).toEqual({ field: 'level', message: '层级：取值应为以下之一：grid, community' });
    expect(en({ name: 'a', day: '2026-13-40' })).toEqual({ field: 'day', message: `${enL('day')}: has the wrong format` });
  });

  it('an unknown key is named as the field', () => {
    expect(zh({ name: 'a', colour: 'red' })).toEqual({ field: 'colour', message: `${zhL('colour')}：不允许的字段：colour` });
  });

  it('a nested field is named by its path and labelled by its last part', () => {
    expect(zh({ name: 'a', nested: { code: 1 } })).toEqual({ field: 'nested.code', message: '编码：类型应为文本' });
  });

  it('a refinement can carry a catalogue key and its parameters', () => {
    expect(zh({ name: 'a', username: 'x' })).toEqual({ field: 'username', message: '用户名：密码至少 3 个字符' });
    expect(describeIssue('en', { keyword: 'custom', instancePath: '/code', params: {} }, 'body').message).toBe('Code: is invalid');
  });

  it('an issue on the whole body or on the query string falls back to the context', () => {
    expect(describeIssue('zh-CN', issueFor('not an object'), 'body')).toEqual({ field: 'body', message: '请求体：类型应为对象' });
    expect(describeIssue('en', { keyword: 'something_new', instancePath: '', params: {} }, 'querystring'))
      .toEqual({ field: 'querystring', message: `${enL('querystring')}: is invalid` });
    expect(describeIssue('en', { keyword: 'invalid_type', instancePath: '/limit', params: { expected: 'number' } }, 'querystring'))
      .toEqual({ field: 'limit', message: 'Page size: is required' });
  });
});
