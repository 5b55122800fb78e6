// The attn web demo: the hero's three actions, the tabs, and the views wired to
// the training worker.
import { Checkpoints } from './checkpoints';
import { WorkerClient } from './client';
import { byId } from './dom';
import { ErrorSlot, messageOf } from './form';
import { ModelList } from './model-list';
import { SharedState } from './state';
import { Tabs } from './tabs';
import { onThemeChange } from './theme';
import { setupEmbeddingsView } from './views/embeddings';
import { setupExplainView } from './views/explain';
import { setupExploreView } from './views/explore';
import { setupGenerateView } from './views/generate';
import { setupModelsView } from './views/models';
import { setupSavePanel } from './views/save';
import { setupNamedHeadsView } from './views/named-heads';
import { setupSamplingView } from './views/sampling';
import { setupSeq2SeqView } from './views/seq2seq';
import { setupTrainView } from './views/train';

const client = new WorkerClient(new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' }));
const shared = new SharedState();
const checkpoints = new Checkpoints(client);
const tabs = new Tabs(byId('views'));
/** The models every view can choose: shipped, trained in the page, opened in Your model. */
const models = new ModelList();

const train = setupTrainView(client, shared);
const generate = setupGenerateView(client, models, shared, checkpoints);
const explore = setupExploreView(client, models, shared, checkpoints);
setupSavePanel(client, shared);
setupModelsView(client, models, shared, checkpoints, { tabs, train, generate, explore });
// The views that look inside a trained model (their numbers come from @attn/inspect in the worker).
const sampling = setupSamplingView(client, models, shared, checkpoints);
const namedHeads = setupNamedHeadsView(client, shared, checkpoints, {
  explain: (request) => {
    tabs.show('explain');
    byId('views').scrollIntoView({ block: 'start' });
    void explain?.open(request);
  },
});
const embeddings = setupEmbeddingsView(client, models, shared, checkpoints);
const seq2seq = setupSeq2SeqView(client, shared);

// A worker that fails to load has no request to answer: say so where the engine is shown.
client.onFailure((message) => {
  const badge = byId('engine-badge');
  badge.textContent = 'Engine: failed to start';
  badge.dataset.engine = 'failed';
  new ErrorSlot(byId('engine-choices-error')).show(`The training worker failed: ${message}`);
});

const explainerError = new ErrorSlot(byId('explainer-error'));
let explain: ReturnType<typeof setupExplainView> | null = null;
try {
  explain = setupExplainView(client, models, shared, checkpoints);
} catch (err) {
  explainerError.show(messageOf(err));
}

tabs.onShow((view) => {
  if (view === 'generate') generate.refresh();
  if (view === 'explore') explore.refresh();
  if (view === 'sampling') sampling.refresh();
  if (view === 'heads') namedHeads.refresh();
  if (view === 'embeddings') embeddings.refresh();
  if (view === 'explain') explain?.refresh();
});
onThemeChange(() => {
  explore.redraw();
  for (const view of [sampling, namedHeads, embeddings, seq2seq, explain]) view?.redraw();
});

// The hero: each button opens its view and runs it with the current settings.
const actions: Record<string, () => Promise<void>> = { train: train.start, generate: generate.start, explore: explore.start };
for (const button of document.querySelectorAll<HTMLButtonElement>('.hero-actions [data-action]')) {
  const view = button.dataset.action as string;
  button.onclick = () => {
    tabs.show(view);
    byId('views').scrollIntoView({ block: 'start', behavior: 'smooth' });
    void actions[view]();
  };
}

const initial = location.hash.slice(1);
tabs.show(tabs.has(initial) ? initial : 'train');
