import { makeIdNumber, makePhone, MOBILE_PREFIXES, type Gender } from './id-number.js';
import type { Random } from './random.js';

/**
 * Plausible but fictitious residents for the demo households: common surnames, given names that fit
 * the generation, families whose ages hang together, ID numbers and phones that are format-valid and
 * belong to nobody.
 */

export type Relation = '户主' | '配偶' | '子女' | '父母' | '其他';
export type ResidenceType = 'registered' | 'floating';
export type Usage = 'owner_occupied' | 'rented' | 'vacant';

export interface PlannedResident {
  name: string;
  gender: Gender;
  birthDate: string;
  idNumber: string;
  phone: string | null;
  relation: Relation;
  residenceType: ResidenceType;
}

/** Ages are counted at the end of this year, so that every birth date lies in the past. */
export const REFERENCE_YEAR = 2025;

// The hundred commonest surnames, commonest first.
const SURNAMES = [...'王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤'];
const SURNAME_WEIGHTS = SURNAMES.map((s, i) => [s, 1 / (i + 6)] as const);

// Given names by the decade people were born in, as they were fashionable then.
const GIVEN: Record<'older' | 'middle' | 'young', Record<Gender, readonly string[]>> = {
  older: {
    male: ['建国', '建华', '国强', '志强', '德华', '卫国', '振华', '学军', '福生', '长青', '保国', '金山', '桂林', '春生', '永清', '文斌', '庆丰', '家明', '新民', '汉生'],
    female: ['秀英', '桂英', '秀兰', '玉兰', '桂兰', '凤英', '淑珍', '玉珍', '翠兰', '素珍', '美华', '冬梅', '月娥', '爱华', '凤珍', '秀珍', '菊香', '金凤', '春兰', '巧云'],
  },
  middle: {
    male: ['伟', '强', '军', '勇', '斌', '涛', '磊', '鹏', '杰', '辉', '建军', '海涛', '晓东', '志刚', '俊', '浩', '明', '亮', '峰', '刚', '文华', '红兵', '剑', '波'],
    female: ['芳', '敏', '静', '丽', '娟', '艳', '霞', '燕', '玲', '婷', '红', '萍', '晓燕', '丽娟', '雪梅', '海燕', '慧', '琳', '春燕', '金玲', '莉', '文静', '小红', '丹'],
  },
  young: {
    male: ['浩然', '子轩', '宇航', '俊杰', '梓豪', '一鸣', '思远', '博文', '浩宇', '宇轩', '睿', '昊天', '泽宇', '嘉豪', '天佑', '明轩', '子墨', '晨阳', '煜', '皓轩'],
    female: ['欣怡', '梓涵', '诗涵', '雨桐', '可馨', '子萱', '思琪', '佳怡', '紫萱', '梦瑶', '雨欣', '语嫣', '一诺', '若曦', '婉清', '静怡', '心怡', '梓萱', '芷若', '安琪'],
  },
};

function givenName(rnd: Random, gender: Gender, birthYear: number): string {
  const era = birthYear < 1966 ? 'older' : birthYear < 1990 ? 'middle' : 'young';
  return rnd.pick(GIVEN[era][gender]);
}

export function surname(rnd: Random): string {
  return rnd.weighted(SURNAME_WEIGHTS);
}

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function birthDateFor(rnd: Random, age: number): string {
  const year = REFERENCE_YEAR - age;
  const month = rnd.int(1, 12);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const day = rnd.int(1, month === 2 && leap ? 29 : DAYS[month - 1]!);
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/**
 * Makes the people of a district: keeps the ID numbers it hands out unique.
 * `addressCode` is the district's six-digit code, the first part of every ID number.
 */
export class PeopleFactory {
  private readonly ids = new Set<string>();
  private readonly phones = new Set<string>();

  constructor(private readonly rnd: Random, private readonly addressCode: string) {}

  private idNumber(birthDate: string, gender: Gender): string {
    for (;;) {
      const id = makeIdNumber(this.addressCode, birthDate, gender, this.rnd.int(0, 499));
      if (!this.ids.has(id)) {
        this.ids.add(id);
        return id;
      }
    }
  }

  private phone(age: number): string | null {
    if (age < 16 || !this.rnd.chance(age > 75 ? 0.6 : 0.92)) return null;
    for (;;) {
      const phone = makePhone(this.rnd.pick(MOBILE_PREFIXES), this.rnd.int(0, 99_999_999));
      if (!this.phones.has(phone)) {
        this.phones.add(phone);
        return phone;
      }
    }
  }

  person(p: { family?: string; gender: Gender; age: number; relation: Relation; residenceType: ResidenceType }): PlannedResident {
    const age = Math.max(0, Math.min(99, Math.round(p.age)));
    const birthDate = birthDateFor(this.rnd, age);
    return {
      name: (p.family ?? surname(this.rnd)) + givenName(this.rnd, p.gender, REFERENCE_YEAR - age),
      gender: p.gender,
      birthDate,
      idNumber: this.idNumber(birthDate, p.gender),
      phone: this.phone(age),
      relation: p.relation,
      residenceType: p.residenceType,
    };
  }

  /** The people living in one household: none when vacant; a family when owned; tenants when rented. */
  household(usage: Usage): PlannedResident[] {
    const rnd = this.rnd;
    if (usage === 'vacant') return [];
    const other = (g: Gender): Gender => (g === 'male' ? 'female' : 'male');
    if (usage === 'rented') {
      const floating = rnd.chance(0.8) ? 'floating' : 'registered';
      const g = rnd.chance(0.6) ? 'male' : 'female';
      const headAge = rnd.int(21, 45);
      const family = surname(rnd);
      const people = [this.person({ family, gender: g, age: headAge, relation: '户主', residenceType: floating })];
      const kind = rnd.weighted([['alone', 4], ['couple', 3], ['family', 2], ['shared', 2]] as const);
      if (kind === 'couple' || kind === 'family') {
        people.push(this.person({ gender: other(g), age: headAge + rnd.int(-4, 4), relation: '配偶', residenceType: floating }));
      }
      if (kind === 'family') {
        const kids = rnd.int(1, 2);
        for (let i = 0; i < kids; i++) {
          people.push(this.person({ family, gender: rnd.chance(0.5) ? 'male' : 'female', age: rnd.int(0, Math.max(0, headAge - 24)), relation: '子女', residenceType: floating }));
        }
      }
      if (kind === 'shared') {
        const mates = rnd.int(1, 2);
        for (let i = 0; i < mates; i++) people.push(this.person({ gender: g, age: rnd.int(20, 35), relation: '其他', residenceType: rnd.chance(0.85) ? 'floating' : 'registered' }));
      }
      return people;
    }
    const kind = rnd.weighted([
      ['nobody', 2], ['single', 7], ['elderly_alone', 8], ['elderly_couple', 18], ['young_couple', 10],
      ['nuclear', 35], ['three_generations', 15], ['couple_adult_child', 5],
    ] as const);
    if (kind === 'nobody') return []; // owned, lived in, but nobody registered here yet
    const reg = (): ResidenceType => (rnd.chance(0.96) ? 'registered' : 'floating');
    const headAge = {
      single: rnd.int(22, 60), elderly_alone: rnd.int(66, 92), elderly_couple: rnd.int(60, 86), young_couple: rnd.int(24, 36),
      nuclear: rnd.int(30, 55), three_generations: rnd.int(32, 52), couple_adult_child: rnd.int(48, 62),
    }[kind];
    const g: Gender = kind === 'elderly_alone' ? (rnd.chance(0.65) ? 'female' : 'male') : kind === 'single' ? (rnd.chance(0.55) ? 'male' : 'female') : (rnd.chance(0.75) ? 'male' : 'female');
    const family = surname(rnd);
    const people = [this.person({ family, gender: g, age: headAge, relation: '户主', residenceType: reg() })];
    if (kind === 'single' || kind === 'elderly_alone') return people;
    const spouseFamily = surname(rnd);
    people.push(this.person({ family: spouseFamily, gender: other(g), age: headAge + rnd.int(-5, 3), relation: '配偶', residenceType: reg() }));
    const childFamily = g === 'male' ? family : spouseFamily; // children take their father's surname
    if (kind === 'nuclear' || kind === 'three_generations') {
      const kids = rnd.weighted([[1, 6], [2, 3]] as const);
      for (let i = 0; i < kids; i++) {
        people.push(this.person({ family: childFamily, gender: rnd.chance(0.52) ? 'male' : 'female', age: rnd.int(Math.max(0, headAge - 38), Math.max(0, headAge - 24)), relation: '子女', residenceType: reg() }));
      }
    }
    if (kind === 'couple_adult_child') {
      people.push(this.person({ family: childFamily, gender: rnd.chance(0.5) ? 'male' : 'female', age: rnd.int(headAge - 32, headAge - 24), relation: '子女', residenceType: reg() }));
    }
    if (kind === 'three_generations') {
      // A widowed parent of the head, some of them registered elsewhere.
      const parentAge = Math.min(95, headAge + rnd.int(24, 32));
      const parentGender: Gender = rnd.chance(0.6) ? 'female' : 'male';
      people.push(this.person({ family: parentGender === 'male' ? family : undefined, gender: parentGender, age: parentAge, relation: '父母', residenceType: rnd.chance(0.7) ? 'registered' : 'floating' }));
    }
    return people.slice(0, 5);
  }
}
