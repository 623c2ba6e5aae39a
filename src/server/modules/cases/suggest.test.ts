import { describe, expect, it } from 'vitest';
import { NaiveBayes, TfIdfKnn, tokenize } from './suggest.js';
import { caseTexts } from '../../demo/case-texts.js';

describe('tokenize', () => {
  it('gives Han unigrams and bigrams within a run, ASCII words lowercased, no digits or punctuation', () => {
    expect(tokenize('井盖丢了！')).toEqual(['井', '井盖', '盖', '盖丢', '丢', '丢了', '了']);
    expect(tokenize('3栋 LED屏，太亮')).toEqual(['栋', 'led', '屏', '太', '太亮', '亮']);
    expect(tokenize('１２３ ，。!?')).toEqual([]);
    // A run is cut at punctuation: no bigram across it.
    expect(tokenize('垃圾，臭')).not.toContain('圾臭');
  });
});

const examples = [
  ['小区门口垃圾堆积没人清理', 'garbage'], ['路边垃圾很多很臭', 'garbage'], ['垃圾桶满了溢出来', 'garbage'],
  ['消防通道乱停车', 'parking'], ['车停在人行道上', 'parking'], ['小区门口乱停车堵路', 'parking'],
  ['工地晚上施工噪音大', 'noise'], ['广场舞音乐太吵', 'noise'], ['楼下酒吧很吵睡不着', 'noise'],
] as const;

describe.each([
  ['naive Bayes', () => new NaiveBayes()],
  ['TF-IDF kNN', () => new TfIdfKnn(3)],
])('%s', (_name, make) => {
  it('knows nothing before training', () => {
    const m = make();
    expect(m.predict('垃圾')).toEqual([]);
    expect(m.size).toBe(0);
  });

  it('predicts the top k labels, sorted, with confidences in (0, 1] summing to at most 1 (exactly 1 over all labels)', () => {
    const m = make();
    for (const [text, label] of examples) m.add(text, label);
    expect(m.size).toBe(9);
    expect(m.labels().sort()).toEqual(['garbage', 'noise', 'parking']);
    const top = m.predict('楼下垃圾好几天没人清', 3);
    expect(top.map((p) => p.label)[0]).toBe('garbage');
    expect(top).toHaveLength(3);
    for (let i = 1; i < top.length; i++) expect(top[i - 1]!.confidence).toBeGreaterThanOrEqual(top[i]!.confidence);
    expect(top.reduce((s, p) => s + p.confidence, 0)).toBeCloseTo(1, 9);
    expect(m.predict('楼下垃圾好几天没人清', 2).reduce((s, p) => s + p.confidence, 0)).toBeLessThan(1);
    expect(m.predict('有车停在消防通道')[0]!.label).toBe('parking');
    expect(m.predict('晚上太吵了')[0]!.label).toBe('noise');
  });

  it('learns incrementally: a new example changes the answer', () => {
    const m = make();
    for (const [text, label] of examples) m.add(text, label);
    expect(m.labels()).not.toContain('lift');
    for (const t of ['电梯坏了', '电梯困人', '电梯停运好几天']) m.add(t, 'lift');
    expect(m.predict('单元电梯又坏了')[0]!.label).toBe('lift');
  });

  it('learns the generated categories well beyond chance', () => {
    const data = caseTexts(11, 1500);
    const m = make();
    for (const e of data.slice(0, 1200)) m.add(e.text, e.code);
    const test = data.slice(1200);
    const top1 = test.filter((e) => m.predict(e.text, 1)[0]!.label === e.code).length / test.length;
    const top3 = test.filter((e) => m.predict(e.text, 3).some((p) => p.label === e.code)).length / test.length;
    expect(top1).toBeGreaterThan(0.5); // 47 classes: chance is 2 %
    expect(top3).toBeGreaterThan(top1);
  });
});

describe('naive Bayes', () => {
  it('falls back to the priors on a text of unknown words', () => {
    const m = NaiveBayes.train([{ text: '垃圾', label: 'a' }, { text: '垃圾堆', label: 'a' }, { text: '停车', label: 'b' }]);
    const p = m.predict('xyz 天气', 2);
    expect(p[0]).toMatchObject({ label: 'a' });
    expect(p[0]!.confidence).toBeCloseTo(2 / 3, 9);
  });
});
