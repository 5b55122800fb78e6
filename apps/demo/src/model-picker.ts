// The model select of a view, as every view that reads a model uses it: its options come from
// the page's one model list (model-list.ts: the shipped checkpoints, the page's model, the
// opened model); choosing one loads it when need be (shipped checkpoints are fetched once, see
// checkpoints.ts), says what it is under the select, and shows a failure in the select's own
// error slot. Views ask for `current` (or `require()` before running).
import { type Checkpoints, describeCheckpoint } from './checkpoints';
import { byId } from './dom';
import { messageOf, slotFor } from './form';
import { type BindOptions, type ModelList, PAGE_SOURCE, USER_SOURCE } from './model-list';
import type { ModelView } from './preview';
import type { SharedState } from './state';

/** The chosen model, as the views need it. */
export interface PickedModel extends ModelView {
  /** What the worker calls it: 'page', 'user' or a shipped checkpoint's name. */
  source: string;
  nLayer: number;
  nHead: number;
}

export const NO_PAGE_MODEL = 'No model has been trained in this page yet: train one in the Train view first, or pick another model.';

export class ModelPicker {
  readonly select: HTMLSelectElement;
  current: PickedModel | null = null;
  private readonly info: HTMLElement;
  private readonly error;
  private loads = 0;

  /**
   * The select `#<id>` with its description `#<id>-info` and error slot `#<id>-error`, filled from
   * `list`. `onPageModel` runs after the page's model changed (trained further, or replaced) while it
   * is chosen and not training: the view then reloads what it shows.
   */
  constructor(
    id: string,
    list: ModelList,
    private readonly shared: SharedState,
    private readonly checkpoints: Checkpoints,
    options: BindOptions & { onPageModel?: () => void } = {},
  ) {
    this.select = byId<HTMLSelectElement>(id);
    this.info = byId(`${id}-info`);
    this.error = slotFor(id);
    list.bind(this.select, options);
    shared.subscribe(() => {
      if (this.select.value !== PAGE_SOURCE || shared.training) return;
      if (options.onPageModel) options.onPageModel();
      else void this.refresh();
    });
  }

  /** The page's model, when it has trained at least one step. */
  private pageModel(): PickedModel | null {
    const model = this.shared.pageModel;
    if (!model || model.steps === 0) return null;
    return { source: PAGE_SOURCE, vocabulary: model.vocabulary, blockSize: model.blockSize, nLayer: model.nLayer, nHead: model.nHead };
  }

  /** Loads the selected model (if need be) and describes it; null when it cannot be used (its error shows, or it is no model). */
  async refresh(): Promise<PickedModel | null> {
    const source = this.select.value;
    const mine = ++this.loads; // a later choice wins over a slower earlier load
    this.current = null;
    if (source === PAGE_SOURCE) {
      const model = this.shared.pageModel;
      this.current = this.pageModel();
      this.info.textContent =
        this.current && model ? `Trained in this page on ${model.corpusLabel} for ${model.steps} steps; reads ${model.blockSize} characters at a time.` : NO_PAGE_MODEL;
      this.error.clear();
      return this.current;
    }
    if (!this.checkpoints.knows(source)) {
      // Not a model (How it works' seed example): the view describes it.
      this.error.clear();
      return null;
    }
    this.info.textContent = 'Loading…';
    try {
      const info = await this.checkpoints.load(source);
      if (mine !== this.loads) return this.current;
      this.current = { source, vocabulary: info.vocabulary, blockSize: info.blockSize, nLayer: info.nLayer, nHead: info.nHead };
      this.info.textContent = describeCheckpoint(info);
      this.error.clear();
    } catch (err) {
      if (mine !== this.loads) return this.current;
      this.info.textContent = '';
      this.error.show(messageOf(err));
    }
    return this.current;
  }

  /** The model to run now: loads it when need be; shows why not (and focuses the select) when there is none. */
  async require(): Promise<PickedModel | null> {
    const model = this.current?.source === this.select.value ? this.current : await this.refresh();
    if (!model && this.select.value === PAGE_SOURCE) {
      this.error.show(NO_PAGE_MODEL);
      this.select.focus();
    }
    return model;
  }

  /** What a status line calls the chosen model: "the page’s model", "your model", "the coref checkpoint". */
  describe(): string {
    const source = this.select.value;
    return source === PAGE_SOURCE ? 'the page’s model' : source === USER_SOURCE ? 'your model' : `the ${source} checkpoint`;
  }

  /** Clears the select's error (a run succeeded). */
  clearError(): void {
    this.error.clear();
  }
}
