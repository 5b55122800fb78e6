// Errors next to the control that caused them: each control (or group) has its
// own error slot right below it, marked aria-invalid while it shows a message,
// and cleared by the next success of that control.
import { byId } from './dom';
import { checkNumber, type NumberRule } from './validate';

export class ErrorSlot {
  constructor(
    readonly element: HTMLElement,
    private readonly controls: HTMLElement[] = [],
  ) {
    this.clear();
  }

  show(message: string): void {
    this.element.textContent = message;
    this.element.hidden = false;
    for (const control of this.controls) control.setAttribute('aria-invalid', 'true');
  }

  clear(): void {
    this.element.textContent = '';
    this.element.hidden = true;
    for (const control of this.controls) control.removeAttribute('aria-invalid');
  }

  get message(): string {
    return this.element.hidden ? '' : (this.element.textContent ?? '');
  }
}

/** The error slot `#<id>-error` of control `#<id>` (linked by aria-describedby in index.html). */
export function slotFor(id: string, ...more: string[]): ErrorSlot {
  return new ErrorSlot(byId(`${id}-error`), [byId(id), ...more.map((m) => byId(m))]);
}

/** An Error's message, or the value as text. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Clears `slot` whenever `input` is edited: a corrected value no longer shows the old complaint. */
export function clearOnEdit(input: HTMLInputElement, slot: ErrorSlot): ErrorSlot {
  input.addEventListener('input', () => slot.clear());
  return slot;
}

/** Reads a number input against its rule; shows the problem in its slot and returns null, or clears the slot. */
export function readNumberField(input: HTMLInputElement, rule: NumberRule, slot: ErrorSlot): number | null {
  const checked = checkNumber(input.value, rule, input.validity.badInput);
  if (!checked.ok) {
    slot.show(checked.message);
    return null;
  }
  slot.clear();
  return checked.value;
}
