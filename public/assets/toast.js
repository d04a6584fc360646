// Short messages in a polite live region: screen readers hear them too.
import { $ } from './dom.js';

let timer;
export function notify(message, error = false) {
  const toast = $('toast');
  toast.textContent = message;
  toast.classList.toggle('error', error);
  toast.classList.add('visible');
  clearTimeout(timer);
  timer = setTimeout(() => toast.classList.remove('visible'), error ? 8000 : 4000);
}
