// The page's interface text: one catalogue. Keys are the English text ({name} marks a value);
// other languages map them. The language follows navigator.language unless the reader picks one.
const DE = {
  'Sites': 'Sites',
  'Sign in': 'Anmelden',
  'Sign out': 'Abmelden',
  'User name': 'Benutzername',
  'Password': 'Passwort',
  'Filter': 'Filter',
  'Filter by name': 'Nach Namen filtern',
  'New folder': 'Neuer Ordner',
  'Upload': 'Hochladen',
  'Upload folder': 'Ordner hochladen',
  'Open': 'Öffnen',
  'Download': 'Herunterladen',
  'Rename': 'Umbenennen',
  'Move': 'Verschieben',
  'Copy': 'Kopieren',
  'Copy link': 'Link kopieren',
  'Share': 'Teilen',
  'Delete': 'Löschen',
  'Cancel': 'Abbrechen',
  'Name': 'Name',
  'Size': 'Größe',
  'Modified': 'Geändert',
  'Sort by': 'Sortieren nach',
  'Select all': 'Alle auswählen',
  'Select {name}': '{name} auswählen',
  'Clear selection': 'Auswahl aufheben',
  'Nothing selected': 'Nichts ausgewählt',
  '{n} selected': '{n} ausgewählt',
  '{n} items': '{n} Einträge',
  '1 item': '1 Eintrag',
  'read-only': 'schreibgeschützt',
  'Loading…': 'Wird geladen…',
  'This folder is empty.': 'Dieser Ordner ist leer.',
  ' Drop files here or use Upload.': ' Dateien hierher ziehen oder „Hochladen“ nutzen.',
  'No name contains “{text}”.': 'Kein Name enthält „{text}“.',
  'This folder does not exist (any more).': 'Diesen Ordner gibt es nicht (mehr).',
  'Go up to {name}': 'Hinauf zu {name}',
  'Try again': 'Erneut versuchen',
  'Language': 'Sprache',
  'Site “{site}” uses gateway accounts: sign in with the user name and password you were given for this gateway.':
    'Site „{site}“ nutzt Gateway-Konten: Melden Sie sich mit dem Namen und Passwort an, die Sie für dieses Gateway erhalten haben.',
  'Site “{site}” signs you in with your own FTP account.': 'Site „{site}“ meldet Sie mit Ihrem eigenen FTP-Konto an.',
  'Wrong user name or password.': 'Falscher Benutzername oder falsches Passwort.',
  'The FTP server refused this user name or password.': 'Der FTP-Server hat Benutzername oder Passwort abgelehnt.',
  'Move {n} items': '{n} Einträge verschieben',
  'Copy {n} items': '{n} Einträge kopieren',
  'Move “{name}”': '„{name}“ verschieben',
  'Copy “{name}”': '„{name}“ kopieren',
  'Move here': 'Hierher verschieben',
  'Copy here': 'Hierher kopieren',
  'Or type a folder (relative to {path})': 'Oder einen Ordner eingeben (relativ zu {path})',
  'Delete {n} items?': '{n} Einträge löschen?',
  'Replace?': 'Ersetzen?',
  'Replace': 'Ersetzen',
  'Skip': 'Überspringen',
  'Grid': 'Raster',
  'List': 'Liste',
  'Edit': 'Bearbeiten',
  'Save': 'Speichern',
  'Saved.': 'Gespeichert.',
  'Hide': 'Einklappen',
  'Show': 'Anzeigen',
  'Close': 'Schließen',
  'Done': 'Fertig',
  'Create': 'Anlegen',
  'Folder name': 'Ordnername',
  'New name': 'Neuer Name',
  'My share links': 'Meine Freigabelinks',
  'Revoke': 'Widerrufen',
  'Create link': 'Link erstellen',
  'Kind': 'Art',
  'Expires': 'Läuft ab',
  'Never': 'Nie',
  '1 hour': '1 Stunde',
  '1 day': '1 Tag',
  '7 days': '7 Tage',
  '30 days': '30 Tage',
  'Password (optional)': 'Passwort (optional)',
  'Download limit (optional)': 'Höchstzahl Downloads (optional)',
  'This cannot be undone.': 'Das lässt sich nicht rückgängig machen.',
  'Folders are deleted with everything in them. This cannot be undone.': 'Ordner werden mit ihrem ganzen Inhalt gelöscht. Das lässt sich nicht rückgängig machen.',
  'Pick the files': 'Dateien wählen',
  'Forget them': 'Verwerfen',
  'Up to {size} per file': 'Bis {size} pro Datei',
  'Sign in to {site}': 'Bei {site} anmelden',
  'Signing in…': 'Anmeldung…',
  'Enter your user name.': 'Bitte den Benutzernamen eingeben.',
  'All sites': 'Alle Sites',
  'No folders here.': 'Hier gibt es keine Ordner.',
  'Folders': 'Ordner',
  'You may not open this folder.': 'Sie dürfen diesen Ordner nicht öffnen.',
};

const CATALOGUES = { de: DE };
const pick = () => {
  try {
    const chosen = localStorage.getItem('ftpgate-lang');
    if (chosen) return chosen;
  } catch {}
  return (navigator.language || 'en').slice(0, 2).toLowerCase();
};
export let lang = CATALOGUES[pick()] ? pick() : 'en';

/** The text for `key` in the reader's language, with {name} values filled in (as text). */
export function t(key, values = {}) {
  const text = CATALOGUES[lang]?.[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, k) => String(values[k] ?? ''));
}

/** Translate the static page: data-i18n (text), data-i18n-label (aria-label), data-i18n-ph (placeholder). */
export function translatePage(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-label]')) el.setAttribute('aria-label', t(el.dataset.i18nLabel));
  for (const el of root.querySelectorAll('[data-i18n-ph]')) el.placeholder = t(el.dataset.i18nPh);
  document.documentElement.lang = lang;
}

/** Switch language (remembered in this browser) and reload so every text follows. */
export function setLang(code) {
  try {
    localStorage.setItem('ftpgate-lang', code);
  } catch {}
  location.reload();
}
export const LANGS = { en: 'English', de: 'Deutsch' };
