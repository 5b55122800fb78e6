// An explained attention head as terminal text: the six steps, each with its numbers
// (vectors cut to their first values, matrices to their top-left corner), then a table of
// score, scaled score and weight per key, and the output.
import { type HeadExplanation, type MatrixExcerpt, stepNames } from '@attn/inspect';
import { cell, fixed, tokenText, vector } from './text-table.js';

function matrix(m: MatrixExcerpt): string[] {
  const lines = [`   ${m.label}: [${m.shape.join(' × ')}]${m.moreRows || m.moreColumns ? ', top-left corner:' : ''}`];
  for (const row of m.values) lines.push(`     ${row.map((x) => cell(fixed(x), 7, 'right')).join('')}${m.moreColumns ? '  …' : ''}`);
  if (m.moreRows) lines.push('       …');
  return lines;
}

export function formatExplanation(e: HeadExplanation): string {
  const names = stepNames(e.tokens);
  const where = e.source === 'checkpoint' ? `layer ${e.layer}, head ${e.head} of the checkpoint` : e.source;
  const lines = [`One attention head (${where}), query = "${tokenText(e.query, 20)}" (position ${e.queryIndex})`];
  const labelWidth = Math.min(28, Math.max(...e.steps.flatMap((s) => s.rows.map(([l]) => Array.from(l).length)), 4));
  for (const step of e.steps) {
    lines.push('', step.title, `   ${step.why}`);
    for (const [label, values] of step.rows) lines.push(`   ${cell(label, labelWidth)}  ${vector(values)}`);
    for (const m of step.matrices ?? []) lines.push(...matrix(m));
    if (step.id === 'softmax') {
      // The per-key table: a score, the scaled score and the weight for every key the query sees.
      const width = Math.max(4, ...e.keys.map((j) => Array.from(tokenText(names[j], 16)).length));
      lines.push('   per key:');
      for (const [i, j] of e.keys.entries()) {
        lines.push(`   ${cell(tokenText(names[j], 16), width)}  score ${cell(fixed(e.scores[i]), 6, 'right')}  scaled ${cell(fixed(e.scaledScores[i]), 6, 'right')}  weight ${fixed(e.weights[i])}`);
      }
    }
  }
  const top = e.weights.indexOf(Math.max(...e.weights));
  lines.push('', `output = sum of weight × V = ${vector(e.output)}`);
  lines.push(`"${tokenText(names[e.queryIndex], 20)}" attends most to "${tokenText(names[e.keys[top]], 20)}" (${(e.weights[top] * 100).toFixed(0)}%).`);
  return lines.join('\n');
}
