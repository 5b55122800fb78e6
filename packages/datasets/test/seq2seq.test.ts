import { describe, expect, it } from 'vitest';
import { dateTask, daysInMonth, encodeSeq2Seq, MONTHS, reversalTask, sortingTask } from '../src/index';

describe('seq2seq tasks', () => {
  it('reversal reverses, within the length bounds', () => {
    const task = reversalTask({ minLength: 3, maxLength: 6 });
    const examples = task.generate(300, 1);
    const lengths = new Set(examples.map((e) => e.source.length));
    expect([...lengths].sort()).toEqual([3, 4, 5, 6]);
    for (const e of examples) expect(e.target).toBe([...e.source].reverse().join(''));
    expect(reversalTask({ minLength: 3, maxLength: 6 }).generate(300, 1)).toEqual(examples);
  });

  it('sorting sorts by alphabet order (hand-checked and against a generic sort)', () => {
    const task = sortingTask({ alphabet: 'zyx' });
    for (const e of task.generate(200, 2)) {
      const rank = (c: string) => 'zyx'.indexOf(c);
      expect(e.target).toBe([...e.source].sort((p, q) => rank(p) - rank(q)).join(''));
    }
    expect(sortingTask().generate(1, 0)[0].target).toMatch(/^0*1*2*3*4*5*6*7*8*9*$/);
  });

  it('dates translate to ISO 8601, checked with JavaScript Date', () => {
    const task = dateTask();
    for (const e of task.generate(2000, 3)) {
      const [day, month, year] = e.source.split(' ');
      const m = MONTHS.indexOf(month as (typeof MONTHS)[number]);
      expect(m).toBeGreaterThanOrEqual(0);
      const d = new Date(Date.UTC(Number(year), m, Number(day)));
      // A day that does not exist would roll over into the next month.
      expect(d.getUTCMonth()).toBe(m);
      expect(d.toISOString().slice(0, 10)).toBe(e.target);
    }
    expect(daysInMonth(2024, 2)).toBe(29);
    expect(daysInMonth(1900, 2)).toBe(28);
    expect(daysInMonth(2000, 2)).toBe(29);
    expect(daysInMonth(2026, 11)).toBe(30);
  });

  it('vocabularies start with <pad>, <bos>, <eos> and cover every example', () => {
    for (const task of [reversalTask(), sortingTask(), dateTask()]) {
      expect(task.vocabulary.tokens.slice(0, 3)).toEqual(['<pad>', '<bos>', '<eos>']);
      for (const e of task.generate(200, 4)) {
        const ids = encodeSeq2Seq(e, task.vocabulary);
        expect(ids.target[0]).toBe(1);
        expect(ids.target.at(-1)).toBe(2);
        expect(task.vocabulary.decode(ids.source).join('')).toBe(e.source);
        expect(task.vocabulary.decode(ids.target.subarray(1, -1)).join('')).toBe(e.target);
      }
    }
    expect(encodeSeq2Seq({ source: '23 November 2026', target: '2026-11-23' }, dateTask().vocabulary).target).toHaveLength(12);
  });

  it('rejects bad settings', () => {
    expect(() => reversalTask({ alphabet: 'aa' })).toThrow(/reverse task: alphabet must be non-empty without repeated/);
    expect(() => sortingTask({ minLength: 5, maxLength: 2 })).toThrow(/sort task: need integers 1 <= minLength <= maxLength/);
    expect(() => dateTask({ minYear: 2000, maxYear: 1999 })).toThrow(/date task/);
    expect(() => reversalTask().vocabulary.id('x')).toThrow("Vocabulary: unknown token 'x'");
  });
});
