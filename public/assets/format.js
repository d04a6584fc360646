// How sizes, dates and kinds of file are shown.
import { t } from './i18n.js';
const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

export function humanSize(bytes) {
  let n = bytes;
  let i = 0;
  while (n >= 1024 && i < UNITS.length - 1) {
    n /= 1024;
    i++;
  }
  const digits = i === 0 ? 0 : n < 10 ? 1 : 0;
  return `${n.toLocaleString(undefined, { maximumFractionDigits: digits, minimumFractionDigits: digits })} ${UNITS[i]}`;
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
export const humanDate = (iso) => (iso ? dateFormat.format(new Date(iso)) : '');

const KINDS = {
  image: /\.(png|jpe?g|gif|webp|avif|bmp|ico)$/i,
  audio: /\.(mp3|ogg|oga|opus|wav|flac|m4a|aac)$/i,
  video: /\.(mp4|webm|ogv|mov|m4v)$/i,
  pdf: /\.pdf$/i,
  text: /\.(txt|md|markdown|csv|tsv|log|json|ya?ml|toml|ini|conf|cfg|xml|html?|css|s?js|mjs|cjs|ts|tsx|jsx|py|rb|go|rs|c|h|cc|cpp|hpp|java|kt|swift|php|pl|sh|bash|zsh|sql|diff|patch|env|gitignore|dockerfile|makefile|properties|rst|tex|srt|vtt)$/i,
  archive: /\.(zip|tar|gz|tgz|bz2|xz|7z|rar|zst)$/i,
};

/** 'directory' | 'image' | 'audio' | 'video' | 'pdf' | 'text' | 'archive' | 'file' | 'symlink' */
export function kindOf(entry) {
  if (entry.type !== 'file') return entry.type;
  for (const [kind, pattern] of Object.entries(KINDS)) if (pattern.test(entry.name)) return kind;
  return /^(readme|license|makefile|dockerfile)$/i.test(entry.name) ? 'text' : 'file';
}

export const KIND_LABELS = {
  directory: t('Folder'), symlink: t('Link'), image: t('Image'), audio: t('Audio'), video: t('Video'), pdf: 'PDF', text: t('Text'), archive: t('Archive'), file: t('File'),
};
export const previewable = (kind) => ['image', 'audio', 'video', 'pdf', 'text'].includes(kind);
