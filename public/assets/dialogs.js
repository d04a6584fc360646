// Modal questions on the one <dialog> of the page: ask for text, confirm, choose.
// <dialog> gives focus trapping, Escape to cancel and the backdrop for free.
import { $, h } from './dom.js';
import { t } from './i18n.js';

function open(title, body, buttons, initialFocus) {
  const dialog = $('dialog');
  $('dialog-title').textContent = title;
  $('dialog-body').replaceChildren(...body);
  // The first button is the default (Enter); CSS shows them right to left.
  $('dialog-buttons').replaceChildren(
    ...buttons.map((b) => h('button', { value: b.value, class: b.class, type: 'submit' }, b.label)),
    h('button', { value: '', type: 'submit', formnovalidate: true }, t('Cancel')),
  );
  dialog.returnValue = '';
  dialog.showModal();
  initialFocus?.focus();
  return new Promise((resolve) => dialog.addEventListener('close', () => resolve(dialog.returnValue), { once: true }));
}

/** A line of text, or null when cancelled. `select` picks the part to preselect. */
export async function ask({ title, label, value = '', ok = 'OK', select }) {
  const input = h('input', { type: 'text', value, 'aria-label': label, required: true, autocomplete: 'off', spellcheck: 'false' });
  const hint = h('label', { class: 'field' }, label, input);
  const wait = open(title, [hint], [{ value: 'ok', label: ok, class: 'primary' }], input);
  const [from, to] = select ?? [0, value.length];
  input.setSelectionRange(from, to);
  const answer = await wait;
  const text = input.value.trim();
  return answer === 'ok' && text ? text : null;
}

export async function confirm({ title, message, ok = 'OK', danger = false }) {
  const answer = await open(title, [h('p', {}, message)], [{ value: 'ok', label: ok, class: danger ? 'danger' : 'primary' }]);
  return answer === 'ok';
}

/** One of `options` ({value,label}), and whether "for all" was ticked; null when cancelled. */
export async function choose({ title, message, options, forAll }) {
  const box = forAll ? h('input', { type: 'checkbox' }) : null;
  const body = [h('p', {}, message)];
  if (box) body.push(h('label', { class: 'check' }, box, forAll));
  const answer = await open(title, body, options);
  return answer ? { value: answer, all: box?.checked ?? false } : null;
}
