// The views as tabs (WAI-ARIA tabs pattern): one view shows at a time, arrow keys
// move between tabs, and the address keeps the view (#train, #generate, ...) so a
// link or a reload opens it. Later views (embeddings, encoder-decoder) add a tab
// and a panel in index.html.
import { byId } from './dom';

export class Tabs {
  private readonly tabs: HTMLButtonElement[];
  private readonly listeners = new Set<(view: string) => void>();
  current = '';

  constructor(tablist: HTMLElement) {
    this.tabs = [...tablist.querySelectorAll<HTMLButtonElement>('[role="tab"]')];
    for (const [i, tab] of this.tabs.entries()) {
      tab.onclick = () => this.show(this.viewOf(tab));
      tab.onkeydown = (event) => {
        const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
        const jump = event.key === 'Home' ? 0 : event.key === 'End' ? this.tabs.length - 1 : -1;
        if (step === 0 && jump === -1) return;
        event.preventDefault();
        const target = this.tabs[jump >= 0 ? jump : (i + step + this.tabs.length) % this.tabs.length];
        this.show(this.viewOf(target));
        target.focus();
      };
    }
    window.addEventListener('hashchange', () => {
      const view = location.hash.slice(1);
      if (this.has(view)) this.show(view);
    });
  }

  get views(): string[] {
    return this.tabs.map((tab) => this.viewOf(tab));
  }

  has(view: string): boolean {
    return this.views.includes(view);
  }

  /** Shows `view`'s panel and hides the others. */
  show(view: string): void {
    if (!this.has(view)) throw new Error(`demo: no view named "${view}" (views: ${this.views.join(', ')})`);
    for (const tab of this.tabs) {
      const selected = this.viewOf(tab) === view;
      tab.setAttribute('aria-selected', String(selected));
      tab.tabIndex = selected ? 0 : -1;
      byId(tab.getAttribute('aria-controls') as string).hidden = !selected;
      // When the tab row is wider than the screen it scrolls: keep the chosen tab in sight.
      if (selected) {
        const row = tab.parentElement as HTMLElement;
        const left = tab.getBoundingClientRect().left - row.getBoundingClientRect().left + row.scrollLeft;
        if (left < row.scrollLeft) row.scrollLeft = left;
        else if (left + tab.offsetWidth > row.scrollLeft + row.clientWidth) row.scrollLeft = left + tab.offsetWidth - row.clientWidth;
      }
    }
    if (this.current === view) return;
    this.current = view;
    if (location.hash !== `#${view}`) history.replaceState(null, '', `#${view}`);
    for (const listener of this.listeners) listener(view);
  }

  onShow(listener: (view: string) => void): void {
    this.listeners.add(listener);
  }

  private viewOf(tab: HTMLElement): string {
    return (tab.getAttribute('aria-controls') as string).replace(/^view-/, '');
  }
}
