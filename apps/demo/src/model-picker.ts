// A model select for the views that look inside a model: the shipped checkpoints (fetched
// once, see checkpoints.ts) or the model trained in this page. It says what the chosen model
// is under the select, and shows a load failure in the select's own error slot.
import { type Checkpoints, describeCheckpoint } from './checkpoints';
import type { ErrorSlot } from './form';
import { messageOf } from './form';
import type { ModelView } from './preview';
import { CONFIGS } from './protocol';
import type { SharedState } from './state';

/** The chosen model, as the views need it. */
export interface PickedModel extends ModelView {
  /** What the worker calls it: 'page' or a checkpoint's name. */
  source: string;
  nLayer: number;
  nHead: number;
}

export const NO_PAGE_MODEL = 'No model has been trained in this page yet: train one in the Train view first, or pick a shipped model.';

export class ModelPicker {
  current: PickedModel | null = null;
  private loads = 0;

  constructor(
    readonly select: HTMLSelectElement,
    private readonly info: HTMLElement,
    private readonly error: ErrorSlot,
    private readonly shared: SharedState,
    private readonly checkpoints: Checkpoints,
  ) {}

  /** The page's model, when it has trained at least one step. */
  private pageModel(): PickedModel | null {
    const model = this.shared.pageModel;
    if (!model || model.steps === 0) return null;
    const config = CONFIGS[model.configName];
    return { source: 'page', vocabulary: model.vocabulary, blockSize: model.blockSize, nLayer: config.nLayer, nHead: config.nHead };
  }

  /** Loads the selected model (if need be) and describes it; null when it cannot be used (its error shows). */
  async refresh(): Promise<PickedModel | null> {
    const source = this.select.value;
    const mine = ++this.loads; // a later choice wins over a slower earlier load
    this.current = null;
    if (source === 'page') {
      const model = this.shared.pageModel;
      this.current = this.pageModel();
      this.info.textContent =
        this.current && model ? `Trained in this page on ${model.corpusLabel} for ${model.steps} steps; reads ${model.blockSize} characters at a time.` : NO_PAGE_MODEL;
      this.error.clear();
      return this.current;
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
    const model = this.current ?? (await this.refresh());
    if (!model && this.select.value === 'page') {
      this.error.show(NO_PAGE_MODEL);
      this.select.focus();
    }
    return model;
  }
}
