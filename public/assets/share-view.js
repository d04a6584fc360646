// A share link's preview page (src/shares/page.ts): ←/→ and a horizontal swipe follow the
// page's Previous/Next links, Escape goes back to the folder. No other script runs there.
const follow = (rel) => {
  const link = document.querySelector(`a[rel="${rel}"]`);
  if (link) location.href = link.href;
};
document.addEventListener('keydown', (e) => {
  if (e.altKey || e.ctrlKey || e.metaKey || e.target.closest?.('video, audio, input, textarea')) return;
  if (e.key === 'ArrowLeft') follow('prev');
  else if (e.key === 'ArrowRight') follow('next');
  else if (e.key === 'Escape') follow('up');
});
let start = null;
document.addEventListener('touchstart', (e) => (start = e.touches.length === 1 ? e.touches[0] : null), { passive: true });
document.addEventListener('touchend', (e) => {
  const end = e.changedTouches[0];
  if (!start || !end) return;
  const dx = end.clientX - start.clientX;
  const dy = end.clientY - start.clientY;
  if (Math.abs(dx) > 60 && Math.abs(dx) > 2 * Math.abs(dy)) follow(dx < 0 ? 'next' : 'prev');
  start = null;
});
