// What the views share: the model trained in this page (if any) and whether it
// is training. The train view writes it; generate and explore read it.
import type { VocabularyInfo } from './vocab';

export interface PageModelInfo {
  /** Which text and size it was made for (see views/train.ts selectionKey). */
  selection: string;
  /** "Shakespeare", "Austen's Emma", or the uploaded file's name. */
  corpusLabel: string;
  configName: string;
  /** Its shape (the views that look inside it list its layers and heads). */
  nLayer: number;
  nHead: number;
  params: number;
  vocabulary: VocabularyInfo;
  blockSize: number;
  trainChars: number;
  valChars: number;
  /** Optimiser steps taken so far (what the worker reported last). */
  steps: number;
  /** A sentence from its own text that fits its context, for the explorer. */
  sampleSentence: string;
}

type Listener = () => void;

export class SharedState {
  pageModel: PageModelInfo | null = null;
  training = false;
  private readonly listeners = new Set<Listener>();

  /** Calls `listener` after every change. */
  subscribe(listener: Listener): void {
    this.listeners.add(listener);
  }

  update(change: Partial<Pick<SharedState, 'pageModel' | 'training'>>): void {
    Object.assign(this, change);
    for (const listener of this.listeners) listener();
  }
}
