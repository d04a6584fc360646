// The context menu (right-click, the Menu key): the action bar's usable buttons, at the pointer.
import { $, h } from './dom.js';

export function initMenu() {
  const menu = $('menu');
  const close = () => {
    if (menu.hidden) return;
    menu.hidden = true;
    $('rows').querySelector('tr[tabindex="0"]')?.focus();
  };
  document.addEventListener('pointerdown', (e) => {
    if (!menu.contains(e.target)) close();
  });
  window.addEventListener('blur', close);
  window.addEventListener('resize', close);
  menu.addEventListener('keydown', (e) => {
    const items = [...menu.querySelectorAll('button')];
    const i = items.indexOf(document.activeElement);
    if (e.key === 'Escape' || e.key === 'Tab') close();
    else if (e.key === 'ArrowDown') items[(i + 1) % items.length]?.focus();
    else if (e.key === 'ArrowUp') items[(i - 1 + items.length) % items.length]?.focus();
    else return;
    e.preventDefault();
  });
  return {
    open(x, y) {
      const usable = [...document.querySelectorAll('#selbar button[data-act]')].filter((b) => !b.hidden && !b.disabled && !b.classList.contains('unavailable'));
      menu.replaceChildren(
        ...usable.map((b) =>
          h('button', { type: 'button', role: 'menuitem', 'data-act': b.dataset.act, class: b.classList.contains('danger') ? 'danger' : null, onclick: () => { menu.hidden = true; b.click(); } }, b.textContent),
        ),
      );
      menu.hidden = false;
      const { width, height } = menu.getBoundingClientRect();
      menu.style.left = `${Math.max(4, Math.min(x, innerWidth - width - 4))}px`;
      menu.style.top = `${Math.max(4, Math.min(y, innerHeight - height - 4))}px`;
      menu.querySelector('button')?.focus();
    },
  };
}
