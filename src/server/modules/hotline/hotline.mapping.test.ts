import { describe, expect, it } from 'vitest';
import type { HotlineField, HotlineMapping } from '../../../shared/hotline.schemas.js';
import { fieldOfHeader, mappingTables, parseDateTime, readOrderRow, suggestColumns, type CellValue } from './hotline.mapping.js';
import { headerNames } from './hotline.files.js';
import { Placer, type PlaceUnit } from './hotline.placement.js';

const MAPPING: HotlineMapping = {
  columns: {
    orderNo: '工单编号', receivedAt: '来电时间', callerName: '来电人', callerPhone: '联系电话', address: '诉求地址',
    content: '诉求内容', category: '诉求分类', urgency: '紧急程度', deadline: '办理时限',
  },
  categories: { 噪声扰民: 'street_order.noise' },
  defaultCategory: 'livelihood',
  urgencies: { 十万火急: 'critical' },
};

function read(values: Partial<Record<HotlineField, CellValue>>, m: HotlineMapping = MAPPING) {
  return readOrderRow((f) => (m.columns[f] ? values[f] ?? null : undefined), m, mappingTables(m));
}

describe('headers', () => {
  it('knows the common header names of hotline exports', () => {
    expect(fieldOfHeader('工单编号')).toBe('orderNo');
    expect(fieldOfHeader(' 受理编号 ')).toBe('orderNo');
    expect(fieldOfHeader('来电号码*')).toBe('callerPhone');
    expect(fieldOfHeader('处理时限')).toBe('deadline');
    expect(fieldOfHeader('截止时间')).toBe('deadline');
    expect(fieldOfHeader('问题分类')).toBe('category');
    expect(fieldOfHeader('备注')).toBeNull();
  });

  it('suggests a mapping, the saved one first, each header used once', () => {
    const headers = ['序号', '工单号', '受理时间', '联系人', '来电号码', '事发地址', '工单内容', '问题分类', '紧急程度', '截止时间', '备注'];
    expect(suggestColumns(headers).columns).toEqual({
      orderNo: '工单号', receivedAt: '受理时间', callerName: '联系人', callerPhone: '来电号码', address: '事发地址',
      content: '工单内容', category: '问题分类', urgency: '紧急程度', deadline: '截止时间',
    });
    const saved = { columns: { content: '备注', orderNo: '工单号' }, categories: {}, defaultCategory: null, urgencies: {} };
    const s = suggestColumns(headers, saved);
    expect(s.columns.content).toBe('备注');
    expect(s.fromSource.sort()).toEqual(['content', 'orderNo']);
    // A saved header missing from this file is not proposed.
    expect(suggestColumns(['工单编号'], { ...saved, columns: { orderNo: '旧编号' } }).columns).toEqual({ orderNo: '工单编号' });
  });

  it('names empty and repeated headers', () => {
    expect(headerNames(['工单编号', null, '内容', '内容', ''])).toEqual(['工单编号', '#2', '内容', '内容 (2)']);
  });
});

describe('times (Beijing)', () => {
  const at = (v: CellValue, o = {}) => {
    const d = parseDateTime(v, o);
    return d instanceof Date ? d.toISOString() : d;
  };
  it('reads the formats hotline exports use', () => {
    expect(at('2026-11-20 09:30')).toBe('2026-11-20T01:30:00.000Z');
    expect(at('2026/11/20 9:30:00')).toBe('2026-11-20T01:30:00.000Z');
    expect(at('2026年11月20日 9时30分')).toBe('2026-11-20T01:30:00.000Z');
    expect(at('20261120093000')).toBe('2026-11-20T01:30:00.000Z');
    expect(at('2026-11-20T09:30:00+08:00')).toBe('2026-11-20T01:30:00.000Z');
    expect(at('2026-11-20')).toBe('2026-11-19T16:00:00.000Z');
    expect(at('2026-11-20', { endOfDay: true })).toBe('2026-11-20T15:59:59.000Z');
  });
  it('reads Excel dates: date cells (wall clock in UTC fields) and serial numbers', () => {
    expect(at(new Date(Date.UTC(2026, 10, 20, 9, 30)))).toBe('2026-11-20T01:30:00.000Z');
    // 46346 = 2026-11-20; .395833… = 09:30
    expect(at(46346 + 9.5 / 24)).toBe('2026-11-20T01:30:00.000Z');
    expect(at(46346, { endOfDay: true })).toBe('2026-11-20T15:59:59.000Z');
  });
  it('refuses what is not a time', () => {
    expect(at('昨天')).toBe('invalid');
    expect(at('2026-02-30 10:00')).toBe('invalid');
    expect(at('2026-11-20 25:00')).toBe('invalid');
    expect(at(null)).toBeNull();
    expect(at('  ')).toBeNull();
  });
});

describe('a row', () => {
  const good = {
    orderNo: 'WH2026112000001', receivedAt: '2026-11-20 09:30', callerName: '张三', callerPhone: '13800138000', address: '钟家村路12号',
    content: '夜间施工噪音', category: '噪声扰民', urgency: '紧急', deadline: '2026/11/25 18:00:00',
  };

  it('becomes the values of an order', () => {
    const r = read(good);
    expect(r).toEqual({
      kind: 'data', orderNo: 'WH2026112000001', messages: [],
      values: {
        orderNo: 'WH2026112000001', content: '夜间施工噪音', receivedAt: '2026-11-20T01:30:00.000Z', deadline: '2026-11-25T10:00:00.000Z',
        callerName: '张三', callerPhone: '13800138000', address: '钟家村路12号', categoryCode: 'street_order.noise', categoryText: '噪声扰民', urgency: 'urgent',
      },
    });
    expect(read({ ...good, urgency: '十万火急' }).kind === 'data' && read({ ...good, urgency: '十万火急' })).toMatchObject({ values: { urgency: 'critical' } });
    expect(read({ orderNo: 123456789012, content: 'x' })).toMatchObject({ orderNo: '123456789012' });
  });

  it('is blank when every mapped cell is empty', () => {
    expect(read({})).toEqual({ kind: 'blank' });
  });

  it('names the fields that are wrong', () => {
    const r = read({ ...good, orderNo: null, content: ' ', callerPhone: 'abc', receivedAt: '昨天' });
    expect(r.kind === 'data' && r.values).toBeNull();
    expect(r.kind === 'data' && r.messages.map((m) => [m.field, m.key, m.level])).toEqual([
      ['orderNo', 'validation.required', 'error'],
      ['content', 'validation.required', 'error'],
      ['receivedAt', 'hotline.issue.time_format', 'error'],
      ['callerPhone', 'organisation.phone_format', 'error'],
    ]);
  });

  it('warns about an unknown category or urgency and too long a text, and keeps the row', () => {
    const r = read({ ...good, category: '其他', urgency: '很急', content: '长'.repeat(2100) });
    expect(r.kind === 'data' && r.values).toMatchObject({ categoryCode: 'livelihood', urgency: 'normal' });
    expect(r.kind === 'data' && r.values!.content.length).toBe(2000);
    expect(r.kind === 'data' && r.messages.map((m) => [m.field, m.key, m.level])).toEqual([
      ['content', 'hotline.issue.cut', 'warning'],
      ['category', 'hotline.issue.category_default', 'warning'],
      ['urgency', 'hotline.issue.urgency_default', 'warning'],
    ]);
  });

  it('leaves unmapped fields empty', () => {
    const m: HotlineMapping = { ...MAPPING, columns: { orderNo: '工单编号', content: '诉求内容' } };
    expect(read({ orderNo: 'A1', content: '内容' }, m)).toMatchObject({
      messages: [], values: { categoryCode: 'livelihood', urgency: 'normal', deadline: null, address: null, callerPhone: null },
    });
  });
});

describe('placement', () => {
  const box = (x: number, y: number) => [x, y, x + 0.004, y + 0.004];
  const u = (id: string, path: string, name: string, level: PlaceUnit['level'], bbox: number[] | null = null): PlaceUnit =>
    ({ id, path, name, level, code: id, region_code: '420105', bbox });
  const street = u('1', '1', '建桥街道', 'street');
  const units = [
    street,
    u('2', '1.2', '钟家村社区', 'community'),
    u('3', '1.2.3', '第一网格', 'grid', box(114.27, 30.55)),
    u('4', '1.2.4', '第二网格', 'grid', box(114.275, 30.55)),
    u('5', '1.5', '西大街社区', 'community'),
    u('6', '1.5.6', '第一网格', 'grid'),
  ];
  const placer = new Placer(street, units, [{ id: '9', name: '1号楼', address: '钟家村路 12 号', lng: 114.271, lat: 30.551, unit_id: '3' }]);

  it('finds a building by its address, also inside a longer one', () => {
    expect(placer.place('钟家村路12号')).toMatchObject({ kind: 'building', unitId: '3', building: '1号楼', lng: 114.271 });
    expect(placer.place('武汉市汉阳区建桥街钟家村路12号2单元')).toMatchObject({ kind: 'building', unitId: '3' });
  });

  it('finds a unit by its name; a shared grid name only with its community', () => {
    expect(placer.place('钟家村社区第二网格某小区')).toMatchObject({ kind: 'unit', unitId: '4' });
    expect(placer.place('钟家村社区第一网格')).toMatchObject({ kind: 'unit', unitId: '3' });
    // 钟家村社区 has no boundary of its own: centred on its grids' boxes.
    expect(placer.place('汉阳区钟家村社区')).toMatchObject({ kind: 'unit', unitId: '2', lng: 114.2745, lat: 30.552 });
    // 第一网格 alone names two grids; 西大街社区 has nothing drawn: both fall back to the street.
    expect(placer.place('第一网格')).toMatchObject({ kind: 'source', unitId: '1' });
    expect(placer.place('西大街社区')).toMatchObject({ kind: 'source', unitId: '1' });
    expect(placer.place(null)).toMatchObject({ kind: 'source', unitId: '1', lng: 114.2745 });
  });

  it('places nothing when the receiving unit has nothing drawn', () => {
    const bare = new Placer(units[4]!, [units[4]!, units[5]!], []);
    expect(bare.place('西大街社区第一网格')).toBeNull();
  });
});
