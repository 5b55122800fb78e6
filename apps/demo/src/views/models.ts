// The "Your model" view: open a checkpoint directory (pick a folder, pick its files or a
// .zip, or drop any of these on the box), see what it is, and use it: generate with it,
// explore its attention, or, for a character-level checkpoint attn trained, continue
// training it in the Train view exactly where it stopped. The files go to the worker as
// File handles (no copy); it streams the weights one tensor at a time.
import '../models.css';
import type { CheckpointInfo, Checkpoints } from '../checkpoints';
import type { WorkerClient } from '../client';
import { CORPUS_LABELS, loadCorpusText } from '../corpora';
import { byId, el } from '../dom';
import { ErrorSlot, messageOf } from '../form';
import {
  type CheckpointDirectory,
  checkpointDirectory,
  checkZipSize,
  filesOfZip,
  MAX_ZIP_BYTES,
  type OpenedModelInfo,
  type PickedFile,
} from '../model-files';
import { type ModelList, USER_SOURCE } from '../model-list';
import type { Checked } from '../validate';
import { checkFileSize, formatBytes, textFromPaste, textFromUserBytes } from '../validate';
import type { SharedState } from '../state';
import type { Tabs } from '../tabs';
import { sampleSentence, vocabularySize, vocabularyUnit } from '../vocab';
import type { ExploreView } from './explore';
import type { GenerateView } from './generate';
import type { TrainView } from './train';

interface Views {
  tabs: Tabs;
  train: TrainView;
  generate: GenerateView;
  explore: ExploreView;
}

/** "498 MB" */
const megabytes = (bytes: number) => `${(bytes / 1e6).toLocaleString('en', { maximumFractionDigits: bytes < 1e7 ? 2 : 0 })} MB`;

/** Every file under a dropped directory entry, with its path from the dropped item. */
async function filesUnder(entry: FileSystemEntry): Promise<PickedFile[]> {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    return [{ path: entry.fullPath.replace(/^\/+/, ''), blob: file }];
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  const out: PickedFile[] = [];
  // readEntries returns at most 100 entries per call; call until it returns none.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) return out;
    for (const child of batch) out.push(...(await filesUnder(child)));
  }
}

/** A picked or dropped set of files as one checkpoint directory: a lone .zip is unpacked first. */
async function directoryOf(picked: PickedFile[], chosenName: string): Promise<Checked<CheckpointDirectory>> {
  const zips = picked.filter((p) => /\.zip$/i.test(p.path));
  if (zips.length > 0) {
    if (picked.length > 1) return { ok: false, message: `Pick either one .zip or the files of one folder, not both (${zips.length} zip among ${picked.length} files).` };
    const zip = zips[0];
    const name = zip.path.replace(/^.*\//, '');
    const size = checkZipSize(name, zip.blob.size);
    if (!size.ok) return size;
    const files = filesOfZip(new Uint8Array(await zip.blob.arrayBuffer()), name);
    if (!files.ok) return files;
    return checkpointDirectory(files.value, name.replace(/\.zip$/i, ''));
  }
  return checkpointDirectory(picked, chosenName);
}

export function setupModelsView(client: WorkerClient, models: ModelList, shared: SharedState, checkpoints: Checkpoints, views: Views): void {
  const drop = byId('models-drop');
  const folderInput = byId<HTMLInputElement>('models-folder');
  const filesInput = byId<HTMLInputElement>('models-files');
  const progress = byId<HTMLProgressElement>('models-progress');
  const status = byId('models-status');
  const openError = new ErrorSlot(byId('models-open-error'), [folderInput, filesInput]);
  const result = byId('models-result');
  const trainingHint = byId('models-training');
  const continueButton = byId<HTMLButtonElement>('models-continue');
  const textBlock = byId('models-text');
  const textPaste = byId<HTMLTextAreaElement>('models-text-paste');
  const textFile = byId<HTMLInputElement>('models-text-file');
  const continueError = new ErrorSlot(byId('models-continue-error'), [continueButton]);
  let opening = false;
  let resuming = false;
  /** Finished attempts to open a model (tests wait for the next one). */
  let attempts = 0;
  let info: OpenedModelInfo | null = null;
  /** The text to continue on, when the page does not have it (a file of the user's or pasted text). */
  let ownText: { text: string; name: string } | null = null;

  const refresh = () => {
    for (const input of [folderInput, filesInput]) input.disabled = opening || shared.training;
    const training = info?.training;
    continueButton.hidden = !training;
    continueButton.disabled = resuming || shared.training || !training || training.cannotContinue !== null;
  };
  shared.subscribe(refresh);

  // ---- opening ------------------------------------------------------------------------------------
  async function open(picked: PickedFile[], chosenName: string): Promise<void> {
    if (opening) return;
    opening = true;
    refresh();
    status.textContent = `Reading ${chosenName}…`;
    try {
      const dir = await directoryOf(picked, chosenName);
      if (!dir.ok) {
        status.textContent = '';
        openError.show(dir.message);
        return;
      }
      const { name, files } = dir.value;
      forget(); // the worker frees the model it holds before it reads the next
      progress.hidden = false;
      progress.value = 0;
      const reply = await client.request({ type: 'openModel', name, files: Object.fromEntries(files) }, (msg) => {
        if (msg.type !== 'loadProgress') return;
        progress.max = msg.totalBytes;
        progress.value = msg.bytes;
        status.textContent = `Reading the weights of ${name}: ${msg.tensors} of ${msg.totalTensors} tensors (${megabytes(msg.bytes)} of ${megabytes(msg.totalBytes)})…`;
      });
      openError.clear();
      show(reply.info);
    } catch (err) {
      status.textContent = '';
      openError.show(`Could not open ${chosenName}: ${messageOf(err)}`);
    } finally {
      opening = false;
      progress.hidden = true;
      drop.dataset.attempts = String(++attempts);
      refresh();
    }
  }

  folderInput.addEventListener('change', () => {
    const files = [...(folderInput.files ?? [])];
    const root = files[0]?.webkitRelativePath.split('/')[0] ?? 'the folder';
    void open(
      files.map((f) => ({ path: f.webkitRelativePath || f.name, blob: f })),
      root,
    ).finally(() => {
      folderInput.value = ''; // picking the same folder again opens it again
    });
  });
  filesInput.addEventListener('change', () => {
    const files = [...(filesInput.files ?? [])];
    void open(
      files.map((f) => ({ path: f.name, blob: f })),
      files.length === 1 ? files[0].name : 'the picked files',
    ).finally(() => {
      filesInput.value = '';
    });
  });
  drop.addEventListener('dragover', (event) => {
    event.preventDefault();
    drop.classList.add('drag-over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('drag-over'));
  drop.addEventListener('drop', async (event) => {
    event.preventDefault();
    drop.classList.remove('drag-over');
    const items = [...(event.dataTransfer?.items ?? [])].filter((item) => item.kind === 'file');
    const entries = items.map((item) => item.webkitGetAsEntry()).filter((e): e is FileSystemEntry => e !== null);
    try {
      const picked = entries.length > 0 ? (await Promise.all(entries.map(filesUnder))).flat() : [...(event.dataTransfer?.files ?? [])].map((f) => ({ path: f.name, blob: f as Blob }));
      const name = entries.length === 1 ? entries[0].name : 'the dropped files';
      await open(picked, name);
    } catch (err) {
      openError.show(`The dropped items could not be read: ${messageOf(err)}`);
    }
  });

  // ---- what was opened --------------------------------------------------------------------------------
  /** Takes the opened model out of the page (every view's model list, the result card). */
  function forget(): void {
    if (!info) return;
    info = null;
    result.hidden = true;
    byId('models-empty').hidden = false;
    checkpoints.forget(USER_SOURCE);
    models.setUserModel(null); // a view that had it chosen goes back to its first model
  }

  function show(opened: OpenedModelInfo): void {
    info = opened;
    ownText = null;
    textBlock.hidden = true;
    textPaste.value = '';
    continueError.clear();
    const unit = vocabularyUnit(opened.vocabulary);
    const kind = opened.origin === 'hub' ? 'Hugging Face GPT-2' : 'attn checkpoint';
    byId('models-name').textContent = `${opened.name} (${kind})`;
    const facts: Array<[string, string]> = [
      ['shape', `${opened.nLayer} layers × ${opened.nHead} heads, width ${opened.nEmbd}`],
      ['parameters', opened.params.toLocaleString('en')],
      ['context', `${opened.blockSize.toLocaleString('en')} ${unit}s`],
      ['vocabulary', `${vocabularySize(opened.vocabulary).toLocaleString('en')} ${opened.vocabulary.kind === 'byte-bpe' ? 'byte-level BPE tokens' : `${unit}s`}`],
      ['weights', `${opened.dtypes.join(', ')}, ${megabytes(opened.weightBytes)}, read in ${opened.seconds.toFixed(1)} s`],
    ];
    byId('models-facts').replaceChildren(...facts.map(([term, value]) => el('div', {}, el('dt', {}, term), el('dd', {}, value))));
    const training = opened.training;
    if (!training) {
      trainingHint.textContent = 'It holds no training state (training-state.safetensors), so it can be explored and can write, but not continue training here.';
    } else {
      const loss = training.lastLoss === null ? '' : `, last training loss ${training.lastLoss.toFixed(3)}`;
      const val = training.lastValLoss === null ? '' : `, validation loss ${training.lastValLoss.toFixed(3)}`;
      trainingHint.textContent = `Trained for ${training.steps.toLocaleString('en')} steps on ${training.dataName}${loss}${val}.${training.cannotContinue ? ` It cannot continue here: ${training.cannotContinue}.` : ''}`;
    }
    status.textContent = `Opened ${opened.name}.`;
    result.hidden = false;
    byId('models-empty').hidden = true;
    // Every view that reads a model can now choose it.
    const checkpointInfo: CheckpointInfo = {
      name: USER_SOURCE,
      params: opened.params,
      nLayer: opened.nLayer,
      nHead: opened.nHead,
      blockSize: opened.blockSize,
      vocabulary: opened.vocabulary,
      steps: training?.steps ?? null,
      lastLoss: training?.lastLoss ?? null,
      origin: '',
      title: `${opened.name} (${kind})`,
    };
    checkpoints.provide(USER_SOURCE, checkpointInfo);
    models.setUserModel({ name: opened.name, vocabulary: opened.vocabulary, blockSize: opened.blockSize });
    refresh();
  }

  byId('models-generate').onclick = () => {
    views.tabs.show('generate');
    views.generate.choose(USER_SOURCE);
    byId('gen-model').focus();
  };
  byId('models-explore').onclick = () => {
    views.tabs.show('explore');
    void views.explore.open(USER_SOURCE);
    byId('explore-model').focus();
  };

  // ---- continuing training ------------------------------------------------------------------------------
  textPaste.addEventListener('input', () => {
    ownText = textPaste.value === '' ? null : { text: textPaste.value, name: info?.training?.dataName ?? 'pasted text' };
    continueError.clear();
  });
  textFile.addEventListener('change', async () => {
    const chosen = textFile.files?.[0];
    if (!chosen) return;
    const size = checkFileSize(chosen.name, chosen.size);
    const checked = size.ok ? textFromUserBytes(new Uint8Array(await chosen.arrayBuffer()), chosen.name) : size;
    if (!checked.ok) {
      continueError.show(checked.message);
      textFile.value = '';
      return;
    }
    continueError.clear();
    textPaste.value = checked.value as string;
    ownText = { text: checked.value as string, name: chosen.name };
  });

  continueButton.onclick = async () => {
    const training = info?.training;
    if (!info || !training || continueButton.disabled) return;
    const corpus = training.dataName in CORPUS_LABELS ? training.dataName : null;
    let text: string;
    let corpusLabel: string;
    if (corpus) {
      text = await loadCorpusText(corpus);
      corpusLabel = CORPUS_LABELS[corpus].replace(/ \(.*$/, '');
    } else if (ownText) {
      const pasted = textFromPaste(ownText.text);
      if (!pasted.ok) {
        continueError.show(pasted.message);
        return;
      }
      text = pasted.value;
      corpusLabel = training.dataName === 'pasted text' ? 'your pasted text' : training.dataName;
    } else {
      // The page does not have this text: ask for it.
      textBlock.hidden = false;
      byId('models-text-hint').textContent =
        `It learned from ${training.dataName === 'pasted text' ? 'a pasted text' : training.dataName} (${training.textChars.toLocaleString('en')} characters), ` +
        'which this page does not have. Give it the same text, then press Continue training again.';
      textPaste.focus();
      return;
    }
    resuming = true;
    refresh();
    status.textContent = `Continuing ${info.name}…`;
    try {
      const resumed = await client.request({ type: 'resume', text });
      continueError.clear();
      const chars = resumed.vocabulary.kind === 'char' ? resumed.vocabulary.chars : [];
      views.train.adopt({
        info: {
          selection: '',
          corpusLabel,
          configName: 'loaded',
          nLayer: resumed.config.nLayer,
          nHead: resumed.config.nHead,
          params: resumed.params,
          vocabulary: resumed.vocabulary,
          blockSize: resumed.config.blockSize,
          trainChars: resumed.trainChars,
          valChars: resumed.valChars,
          steps: resumed.steps,
          sampleSentence: sampleSentence(text, chars, resumed.config.blockSize),
        },
        corpus: corpus ?? 'own',
        text,
        ownName: ownText?.name ?? corpusLabel,
        config: resumed.config,
        losses: resumed.losses,
        valLosses: resumed.valLosses,
        status:
          `Continued from ${info.name}: trained for ${resumed.steps} steps on ${corpusLabel}` +
          `${resumed.valLosses.length > 0 ? `; validation loss ${(resumed.valLosses.at(-1) as { loss: number }).loss.toFixed(3)}` : ''}. Press Continue to train more.`,
      });
      status.textContent = `${info.name} is the page's model now: continue training it in the Train view.`;
      textBlock.hidden = true;
      views.tabs.show('train');
      byId('train-start').focus();
    } catch (err) {
      status.textContent = '';
      continueError.show(messageOf(err));
    } finally {
      resuming = false;
      refresh();
    }
  };

  byId('models-drop-hint').textContent = `or drop a folder, its files or a .zip (up to ${formatBytes(MAX_ZIP_BYTES)}; folders of any size) on this box`;
  refresh();
}
