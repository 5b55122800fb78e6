// The one list of models every view that reads a model chooses from: the checkpoints shipped
// with the page, the model trained in this page, and the model opened in Your model (while
// there is one). Each view binds its select once; the list writes the options, and when the
// opened model comes, goes or is replaced it updates every select, so a model opened once is
// a choice everywhere. A select whose chosen model went away (or was replaced) gets a
// 'change' event, so its view loads what is chosen now.
import { el } from './dom';
import type { ModelView } from './preview';

/** What the worker calls the model the user opened. */
export const USER_SOURCE = 'user';
/** What the worker calls the model trained in this page. */
export const PAGE_SOURCE = 'page';

/** One entry of a model select. */
export interface ModelChoice {
  /** The worker's name for it: a shipped checkpoint's name, 'page' or 'user'. */
  source: string;
  label: string;
}

/** The checkpoints under public/models/, as the selects name them. */
export const SHIPPED_MODELS: readonly ModelChoice[] = [
  { source: 'shakespeare', label: 'Shakespeare, characters (shipped, trained by the CLI)' },
  { source: 'coref', label: 'Coreference language, words (shipped, trained by the CLI)' },
];

export interface BindOptions {
  /** Shipped checkpoints to list first, in this order (the view's default model is the first option). */
  first?: readonly string[];
  /** Entries before the models (How it works: the seed documents' example). */
  before?: readonly ModelChoice[];
}

interface Bound {
  select: HTMLSelectElement;
  options: BindOptions;
}

export class ModelList {
  private readonly bound: Bound[] = [];
  /** The opened model's label ("Your model: gpt2"), or null when none is open. */
  private user: string | null = null;
  /** The opened model's vocabulary and context (the views pick a sentence it reads), or null. */
  userModel: ModelView | null = null;

  /** The entries of a select bound with `options`, in order. */
  choices(options: BindOptions = {}): ModelChoice[] {
    const first = options.first ?? [];
    const shipped = [...SHIPPED_MODELS].sort((a, b) => rank(first, a.source) - rank(first, b.source));
    const out = [...(options.before ?? []), ...shipped, { source: PAGE_SOURCE, label: 'The model trained in this page' }];
    if (this.user !== null) out.push({ source: USER_SOURCE, label: this.user });
    return out;
  }

  /** Fills `select` with the models and keeps it up to date. */
  bind(select: HTMLSelectElement, options: BindOptions = {}): void {
    this.bound.push({ select, options });
    this.fill({ select, options });
  }

  /**
   * The opened model changed: `opened` is the new one (its name, vocabulary and context), or
   * null when none is open any more. Selects that had the opened model chosen are told (a 'change' event), since what
   * they show belongs to a model that is gone.
   */
  setUserModel(opened: (ModelView & { name: string }) | null): void {
    this.user = opened === null ? null : `Your model: ${opened.name}`;
    this.userModel = opened && { vocabulary: opened.vocabulary, blockSize: opened.blockSize };
    for (const bound of this.bound) {
      const hadUser = bound.select.value === USER_SOURCE;
      this.fill(bound);
      if (hadUser) bound.select.dispatchEvent(new Event('change'));
    }
  }

  private fill({ select, options }: Bound): void {
    const chosen = select.value;
    const choices = this.choices(options);
    select.replaceChildren(...choices.map((c) => el('option', { value: c.source }, c.label)));
    // Keep the choice while it is listed; otherwise the first entry (the view's default).
    select.value = choices.some((c) => c.source === chosen) ? chosen : choices[0].source;
  }
}

function rank(first: readonly string[], source: string): number {
  const i = first.indexOf(source);
  return i < 0 ? first.length : i;
}
