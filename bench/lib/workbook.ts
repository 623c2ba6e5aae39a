/**
 * The 居民 import workbook at scale, written with exceljs's streaming writer (memory stays flat): rows of
 * plausible people with unique, valid ID numbers, spread over `buildings` buildings (named 1栋 … N栋, two
 * entrances 1单元/2单元 each, 18 floors, 4 flats a floor). Used by scripts/import-100k.ts and the import
 * benchmark (bench/run.ts), which also COPY the same rows (residentRow) as their raw baseline.
 */
import ExcelJS from 'exceljs';
import { idCheckChar } from '../../src/shared/validation/id-number.js';

const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤';
const GIVEN = '伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红建国志强春梅海燕文博子涵浩然欣怡梓萱宇轩';

export const WORKBOOK_HEADERS = ['姓名*', '身份证号码*', '性别', '出生日期', '联系电话', '民族', '政治面貌', '与户主关系', '户籍类型', '楼栋*', '单元', '房号*', '迁入日期', '标签'] as const;

export interface ResidentRowValues {
  name: string;
  idNumber: string;
  phone: string;
  ethnicity: string;
  political: string;
  relation: string;
  residence: string;
  building: string;
  entrance: string;
  room: string;
  movedIn: string;
  tags: string | null;
}

/**
 * Row i of the workbook. `region` (6 digits) starts the ID numbers and `serialBase` (100–899) their
 * sequence numbers, so that two workbooks of one run do not collide with each other or with generated people.
 */
export function residentRow(i: number, buildings: number, opts: { region?: string; serialBase?: number } = {}): ResidentRowValues {
  const region = opts.region ?? '420105';
  const serialBase = opts.serialBase ?? 100;
  // Unique ID numbers: a birth date from 1940 on, and a sequence number per 25 000 people.
  const birth = new Date(Date.UTC(1940, 0, 1) + (i % 25_000) * 86_400_000);
  const ymd = birth.toISOString().slice(0, 10).replace(/-/g, '');
  const first17 = `${region}${ymd}${String(serialBase + Math.floor(i / 25_000)).padStart(3, '0')}`;
  const floor = 1 + (i % 18);
  return {
    name: SURNAMES[i % SURNAMES.length]! + GIVEN[(i * 7) % GIVEN.length]! + (i % 3 ? GIVEN[(i * 13) % GIVEN.length]! : ''),
    idNumber: first17 + idCheckChar(first17),
    phone: `139${String(i).padStart(8, '0')}`,
    ethnicity: i % 20 ? '汉族' : '回族',
    political: i % 9 ? '群众' : '中共党员',
    relation: i % 4 ? '子女' : '户主',
    residence: i % 6 ? '户籍' : '流动',
    building: `${1 + (i % buildings)}栋`,
    entrance: `${1 + (Math.floor(i / buildings) % 2)}单元`,
    room: `${String(floor).padStart(2, '0')}0${1 + (Math.floor(i / (buildings * 2)) % 4)}`,
    movedIn: '2015-03-01',
    tags: i % 7 === 0 ? '独居' : i % 11 === 0 ? '高龄、退役军人' : null,
  };
}

/** Write `rows` residents to `file` (sheet 居民, the import template's columns). */
export async function writeResidentWorkbook(file: string, rows: number, buildings: number, opts: { region?: string; serialBase?: number } = {}): Promise<void> {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useSharedStrings: true, useStyles: true });
  const ws = wb.addWorksheet('居民');
  ws.addRow([...WORKBOOK_HEADERS]).commit();
  for (let i = 0; i < rows; i++) {
    const r = residentRow(i, buildings, opts);
    ws.addRow([
      r.name, r.idNumber, null, null, r.phone, r.ethnicity, r.political, r.relation, r.residence,
      r.building, r.entrance, r.room, r.movedIn, r.tags,
    ]).commit();
  }
  ws.commit();
  await wb.commit();
}
