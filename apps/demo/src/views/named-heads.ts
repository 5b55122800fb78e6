// Named heads: the head that does a job, named, with its score on held-out data.
// - Coreference: the shipped checkpoint's heads scored by @attn/inspect's corefScore (the
//   share of held-out sentences whose attention from "it" peaks on the noun it refers to).
// - Induction: a small GPT trained here on successor walks (each row its own random successor
//   map), its heads scored with TransformerLens's induction score (inductionScore) on BOS +
//   random tokens + the same again, a kind of sequence training never shows, and shown against
//   the ceiling a perfect head reaches on the same sequences.
import { attentionRowSvg, headViewSvg } from '@attn/viz';
import type { Checkpoints } from '../checkpoints';
import type { WorkerClient } from '../client';
import { byId, el } from '../dom';
import { describeTaskRun, trainTask } from '../task-training';
import { boxWidth, weightColors } from '../figures';
import { clearOnEdit, ErrorSlot, messageOf, readNumberField, slotFor } from '../form';
import type { InspectReply } from '../inspect-protocol';
import { INSPECT_RULES } from '../inspect-rules';
import type { SharedState } from '../state';
import { attentionInterpolator } from '../theme';

type Coref = Extract<InspectReply, { type: 'corefHeadsResult' }>;
type Induction = Extract<InspectReply, { type: 'inductionResult' }>;

/** Repeated random sequences the induction heads are scored on. */
const INDUCTION_SEQUENCES = 20;

const percent = (x: number) => `${(x * 100).toFixed(1)}%`;

/** A layer × head table of scores, the named head starred; cells shaded by score (0 to 1) with the attention colours. */
export function scoreTable(perHead: number[][], best: { layer: number; head: number }, format: (x: number) => string, caption: string): HTMLTableElement {
  const nHead = perHead[0]?.length ?? 0;
  const table = el('table', { class: 'score-table' }, el('caption', { class: 'visually-hidden' }, caption));
  table.append(el('thead', {}, el('tr', {}, el('th', {}, ''), ...Array.from({ length: nHead }, (_, h) => el('th', { scope: 'col' }, `head ${h}`)))));
  const tbody = el('tbody');
  perHead.forEach((heads, layer) => {
    const tr = el('tr', {}, el('th', { scope: 'row' }, `layer ${layer}`));
    heads.forEach((score, head) => {
      const named = layer === best.layer && head === best.head;
      const td = el('td', { 'data-layer': String(layer), 'data-head': String(head), 'data-value': String(score) }, `${named ? '★ ' : ''}${format(score)}`);
      const { background, color } = weightColors(Math.max(0, Math.min(1, score)));
      td.style.background = background;
      td.style.color = color;
      if (named) td.classList.add('named');
      tr.append(td);
    });
    tbody.append(tr);
  });
  table.append(tbody);
  return table;
}

/**
 * The verdict on an induction head. Both scores are on repeated random tokens, which the model
 * never trained on (it trains on successor walks), at two lengths: a head that scores near the
 * ceiling on both finds the earlier copy of the current token and attends to what followed it.
 */
export function inductionVerdict(r: Pick<Induction, 'score' | 'shorter'>): string {
  const { layer, head, score, ceiling } = r.score;
  const other = r.shorter.perHead[layer][head];
  const named = `Layer ${layer}, head ${head}`;
  const first =
    `${named} has the highest induction score: ${score.toFixed(3)} on ${r.score.sequences} sequences of random tokens repeated after ${r.score.halfLength} tokens (a kind of sequence it never trained on), ` +
    `where a perfect induction head would score ${ceiling.toFixed(3)} (only the repeated half has an earlier copy to look at, so no head can reach 1).`;
  const second = ` On sequences repeated after ${r.shorter.halfLength} tokens it scores ${other.toFixed(3)} (ceiling ${r.shorter.ceiling.toFixed(3)}).`;
  const holds = layer >= 1 && score >= 0.8 * ceiling && other >= 0.8 * r.shorter.ceiling;
  const third = holds
    ? ' It finds the earlier copy of the current token and attends to the token after it: an induction head, reading what the previous-token head in layer 0 wrote.'
    : ' Not an induction head yet: one needs a previous-token head in layer 0 and a head in layer 1 that looks for the token after the earlier copy. ' +
      'With this recipe it forms after a few hundred steps: press Continue to train more.';
  return first + second + third;
}

export interface NamedHeadsView {
  refresh(): void;
  redraw(): void;
}

/** What the view asks of others: open a head in How it works. */
export interface NamedHeadsLinks {
  explain(request: { source: string; text: string; layer: number; head: number }): void;
}

export function setupNamedHeadsView(client: WorkerClient, shared: SharedState, checkpoints: Checkpoints, links: NamedHeadsLinks): NamedHeadsView {
  // ---- coreference ------------------------------------------------------------------------
  const corefForm = byId<HTMLFormElement>('coref-form');
  const sentencesInput = byId<HTMLInputElement>('coref-sentences');
  const corefRun = byId<HTMLButtonElement>('coref-run');
  const corefStatus = byId('coref-status');
  const sentencesError = clearOnEdit(sentencesInput, slotFor('coref-sentences'));
  const corefError = new ErrorSlot(byId('coref-run-error'));
  let coref: Coref | null = null;
  let example = 0;

  function drawExample(): void {
    if (!coref) return;
    const ex = coref.examples[example];
    const { layer, head } = coref.score;
    const box = byId('coref-row');
    box.innerHTML = attentionRowSvg({
      weights: ex.pattern[ex.itIndex],
      labels: ex.tokens,
      queryLabel: 'it',
      title: `Where "it" looks (layer ${layer}, head ${head})`,
      barLength: Math.max(80, Math.min(240, boxWidth(box) - 200)),
      interpolator: attentionInterpolator(),
    });
    byId('coref-example-title').textContent = `Held-out sentence ${example + 1} of ${coref.examples.length}`;
    byId('coref-example-note').textContent = `"${ex.tokens.join(' ')}": "it" refers to the ${ex.tokens[ex.referentIndex]}, not the ${ex.tokens[ex.distractorIndex]}.`;
    byId<HTMLButtonElement>('coref-prev').disabled = example === 0;
    byId<HTMLButtonElement>('coref-next').disabled = example === coref.examples.length - 1;
  }

  async function scoreCoref(): Promise<void> {
    const sentences = readNumberField(sentencesInput, INSPECT_RULES.corefSentences, sentencesError);
    if (sentences === null) {
      sentencesInput.focus();
      return;
    }
    corefRun.disabled = true;
    sentencesInput.disabled = true;
    corefStatus.textContent = 'Loading the coreference checkpoint…';
    try {
      await checkpoints.load('coref');
      corefStatus.textContent = `Scoring every head on ${sentences} held-out sentences…`;
      coref = await client.request({ type: 'corefHeads', sentences });
      const { layer, head, share, perHead } = coref.score;
      byId('coref-result').hidden = false;
      const verdict = byId('coref-verdict');
      verdict.textContent =
        `Layer ${layer}, head ${head} tracks who "it" refers to: on ${coref.score.sentences} held-out sentences (noun pairs never seen together in training) ` +
        `its attention from "it" peaks on the right noun in ${percent(share)} of them. The table shows every head's share.`;
      verdict.dataset.share = String(share);
      byId('coref-table').replaceChildren(scoreTable(perHead, coref.score, percent, 'Share of held-out sentences where each head’s attention from “it” peaks on the referent'));
      example = 0;
      drawExample();
      corefStatus.textContent = '';
      corefError.clear();
    } catch (err) {
      corefStatus.textContent = '';
      corefError.show(messageOf(err));
    } finally {
      corefRun.disabled = false;
      sentencesInput.disabled = false;
    }
  }
  corefForm.addEventListener('submit', (event) => {
    event.preventDefault();
    void scoreCoref();
  });
  byId('coref-explain').onclick = () => {
    if (!coref) return;
    const ex = coref.examples[example];
    links.explain({ source: 'coref', text: ex.tokens.join(' '), layer: coref.score.layer, head: coref.score.head });
  };
  byId('coref-prev').onclick = () => {
    example = Math.max(0, example - 1);
    drawExample();
  };
  byId('coref-next').onclick = () => {
    example = Math.min((coref?.examples.length ?? 1) - 1, example + 1);
    drawExample();
  };

  // ---- induction -----------------------------------------------------------------------------
  const inductionForm = byId<HTMLFormElement>('induction-form');
  const stepsInput = byId<HTMLInputElement>('induction-steps');
  const trainButton = byId<HTMLButtonElement>('induction-train');
  const stopButton = byId<HTMLButtonElement>('induction-stop');
  const inductionStatus = byId('induction-status');
  const stepsError = clearOnEdit(stepsInput, slotFor('induction-steps'));
  const trainError = new ErrorSlot(byId('induction-train-error'));
  let induction: Induction | null = null;
  let trained = 0;
  let training = false;

  function refreshControls(): void {
    stepsInput.disabled = training || shared.training;
    trainButton.disabled = training || shared.training;
    stopButton.disabled = !training;
    trainButton.textContent = trained > 0 ? 'Continue' : 'Train';
  }
  shared.subscribe(refreshControls);

  function drawInduction(): void {
    if (!induction) return;
    const { layer, head } = induction.score;
    const box = byId('induction-view');
    box.innerHTML = headViewSvg({
      heads: [{ weights: induction.layers[layer][head], label: `layer ${layer} head ${head}` }],
      labels: induction.labels,
      title: `Layer ${layer}, head ${head}`,
      rowHeight: 16,
      linkWidth: Math.max(100, Math.min(200, boxWidth(box) - 200)),
      interpolator: attentionInterpolator(),
    });
    box.querySelector('svg')?.setAttribute('role', 'group');
    for (const token of box.querySelectorAll('.token')) token.setAttribute('tabindex', '-1'); // tap to isolate; out of the Tab order
  }

  function drawInductionTables(): void {
    if (!induction) return;
    const format = (x: number) => x.toFixed(3);
    byId('induction-table').replaceChildren(
      el('p', { class: 'hint' }, `Repeated after ${induction.score.halfLength} tokens (ceiling ${induction.score.ceiling.toFixed(3)}):`),
      scoreTable(induction.score.perHead, induction.score, format, `Induction scores, repeat after ${induction.score.halfLength}`),
      el('p', { class: 'hint' }, `Repeated after ${induction.shorter.halfLength} tokens (ceiling ${induction.shorter.ceiling.toFixed(3)}):`),
      scoreTable(induction.shorter.perHead, induction.score, format, `Induction scores, repeat after ${induction.shorter.halfLength}`),
    );
  }

  async function trainInduction(): Promise<void> {
    if (training) return;
    const steps = readNumberField(stepsInput, INSPECT_RULES.taskSteps, stepsError);
    if (steps === null) {
      stepsInput.focus();
      return;
    }
    training = true;
    refreshControls();
    try {
      const done = await trainTask(client, 'induction', trained, steps, inductionStatus);
      trained = done.step;
      byId('induction-about').dataset.model = done.description;
      inductionStatus.textContent = `${describeTaskRun(done)} Scoring the heads…`;
      induction = await client.request({ type: 'inductionHeads', sequences: INDUCTION_SEQUENCES });
      byId('induction-result').hidden = false;
      const verdict = byId('induction-verdict');
      verdict.textContent = inductionVerdict(induction);
      verdict.dataset.score = String(induction.score.score);
      verdict.dataset.ceiling = String(induction.score.ceiling);
      verdict.dataset.shorter = String(induction.shorter.perHead[induction.score.layer][induction.score.head]);
      drawInductionTables();
      drawInduction();
      inductionStatus.textContent = describeTaskRun(done);
      inductionStatus.dataset.steps = String(done.step);
      trainError.clear();
    } catch (err) {
      inductionStatus.textContent = trained > 0 ? `Trained for ${trained} steps.` : '';
      trainError.show(messageOf(err));
    } finally {
      training = false;
      refreshControls();
    }
  }
  inductionForm.addEventListener('submit', (event) => {
    event.preventDefault();
    void trainInduction();
  });
  stopButton.onclick = () => {
    client.request({ type: 'taskStop' }).catch((err) => trainError.show(messageOf(err)));
  };
  refreshControls();

  return {
    refresh: () => {
      if (!coref && !corefRun.disabled) void scoreCoref();
    },
    redraw: () => {
      drawExample();
      drawInduction();
      drawInductionTables();
      if (coref) byId('coref-table').replaceChildren(scoreTable(coref.score.perHead, coref.score, percent, 'Share of held-out sentences where each head’s attention from “it” peaks on the referent'));
    },
  };
}
