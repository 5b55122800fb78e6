// The typed text as the model will read it: each piece marked (read, not in the
// vocabulary, outside the context) in a preview under the input, and one
// sentence reporting what is left out.
import { analyseText, describeLeftOut, type TextAnalysis, type VocabularyInfo, vocabularyUnit } from './vocab';

export interface ModelView {
  vocabulary: VocabularyInfo;
  blockSize: number;
}

/** Marks `text` in `preview` and writes the report; clears both when `model` is null. */
export function showPreview(preview: HTMLElement, report: HTMLElement, text: string, model: ModelView | null): TextAnalysis | null {
  preview.replaceChildren();
  report.textContent = '';
  if (!model) return null;
  const analysis = analyseText(text, model.vocabulary, model.blockSize);
  preview.dataset.kind = model.vocabulary.kind; // byte-level BPE pieces are shaded one by one (models.css)
  for (const piece of analysis.pieces) {
    if (piece.status === 'gap') {
      preview.append(piece.text);
      continue;
    }
    const span = document.createElement('span');
    span.className = `mark mark-${piece.status}`;
    span.textContent = piece.text;
    span.dataset.status = piece.status;
    preview.append(span);
  }
  const unit = vocabularyUnit(model.vocabulary);
  const leftOut = describeLeftOut(analysis, model.vocabulary, model.blockSize);
  report.textContent = `The model reads ${analysis.ids.length} ${unit}${analysis.ids.length === 1 ? '' : 's'} of at most ${model.blockSize}.${leftOut ? ` ${leftOut}` : ''}`;
  report.dataset.unknown = String(analysis.unknownCount);
  report.dataset.beyond = String(analysis.beyondCount);
  return analysis;
}
