// The text each view starts a model on: the shipped checkpoints' own examples (sentences
// they read whole and where they have something to show), the page model's sentence from its
// own training text, and for a model the user opened a sentence its vocabulary reads. Known
// without loading the model, so a view sets it at once when the model is chosen.
import { PAGE_SOURCE, USER_SOURCE } from './model-list';
import type { ModelView } from './preview';
import type { PageModelInfo } from './state';
import { vocabularySentence } from './vocab';

/** What the text is for: a prompt to continue, or a sentence to look inside. */
export type ExampleUse = 'generate' | 'sampling' | 'attention' | 'explain';

const COREF_IT = 'the trophy did not fit in the suitcase because too big was it';

/** The shipped checkpoints' examples, by use. */
const SHIPPED: Record<string, Record<ExampleUse, string>> = {
  shakespeare: { generate: 'ROMEO:', sampling: 'To be, or not to b', attention: 'To be, or not to be, that is the question.', explain: 'To be, or not to be' },
  // "it" refers to the trophy: the next word names it (sampling), one head finds it (attention, explain).
  coref: { generate: 'the ball did not fit in the', sampling: COREF_IT, attention: 'the ball did not fit in the cupboard because too tall was it', explain: COREF_IT },
};

/** The text to start `source` on for `use`, or null when there is none (no such model yet). */
export function exampleText(source: string, use: ExampleUse, page: PageModelInfo | null, user: ModelView | null): string | null {
  if (source === PAGE_SOURCE) return page?.sampleSentence ?? null;
  if (source === USER_SOURCE) return user ? vocabularySentence(user.vocabulary, user.blockSize) : null;
  return SHIPPED[source]?.[use] ?? null;
}
