// "Download checkpoint" under the loss curve: the page's model as the checkpoint
// directory `attn train --out DIR` writes (config.json, model.safetensors,
// attn-tokenizer.json, training-state.safetensors), zipped with fflate into a folder of
// the checkpoint's name, and each file as its own link too.
import type { WorkerClient } from '../client';
import { byId, el } from '../dom';
import { ErrorSlot, messageOf } from '../form';
import { type SavedCheckpoint, zipCheckpoint } from '../model-files';
import type { SharedState } from '../state';
import { formatBytes } from '../validate';

/** Object URLs of the last save, revoked when the next one replaces them. */
let urls: string[] = [];

/** Starts a download of `bytes` as `name`. */
function download(url: string, name: string): void {
  const link = el('a', { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
}

export function setupSavePanel(client: WorkerClient, shared: SharedState): void {
  const button = byId<HTMLButtonElement>('save-zip');
  const error = new ErrorSlot(byId('save-zip-error'), [button]);
  const result = byId('save-result');
  const status = byId('save-status');
  const list = byId('save-files');
  let saving = false;
  /** The model and step of the last save: the links go when the model moves on. */
  let saved: { selection: string; steps: number } | null = null;

  const refresh = () => {
    const model = shared.pageModel;
    if (saved && (model?.selection !== saved.selection || model.steps !== saved.steps)) {
      result.hidden = true;
      saved = null;
    }
    button.disabled = saving || shared.training || !model || model.steps === 0;
    button.title = !model || model.steps === 0 ? 'Train the model first' : shared.training ? 'Stop training first' : '';
  };
  shared.subscribe(refresh);
  refresh();

  function show(checkpoint: SavedCheckpoint, zip: Uint8Array): void {
    for (const url of urls) URL.revokeObjectURL(url);
    const zipName = `${checkpoint.name}.zip`;
    const zipUrl = URL.createObjectURL(new Blob([zip as Uint8Array<ArrayBuffer>], { type: 'application/zip' }));
    urls = [zipUrl];
    list.replaceChildren(
      ...[{ name: zipName, url: zipUrl, size: zip.length }, ...checkpoint.files.map((f) => {
        const url = URL.createObjectURL(new Blob([f.bytes]));
        urls.push(url);
        return { name: f.name, url, size: f.bytes.byteLength };
      })].map((f) => el('li', {}, el('a', { href: f.url, download: f.name, 'data-file': f.name }, f.name), ' ', el('span', { class: 'muted' }, formatBytes(f.size)))),
    );
    status.textContent = `Saved at step ${checkpoint.steps} (${zipName} is downloading). The zip, and its files one by one:`;
    status.dataset.steps = String(checkpoint.steps);
    result.hidden = false;
    download(zipUrl, zipName);
  }

  button.onclick = async () => {
    if (button.disabled) return;
    saving = true;
    refresh();
    try {
      const { checkpoint } = await client.request({ type: 'saveCheckpoint' });
      show(checkpoint, zipCheckpoint(checkpoint));
      saved = { selection: shared.pageModel?.selection ?? '', steps: checkpoint.steps };
      error.clear();
    } catch (err) {
      error.show(messageOf(err));
    } finally {
      saving = false;
      refresh();
    }
  };
}
