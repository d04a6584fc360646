// What the page is showing, shared by its modules.
export const state = {
  sites: [],
  /** site name -> { user } for browser sign-ins */
  signedIn: {},
  /** site name -> the caller's rights there (GET /api/v1/sites/{site}/access) */
  access: {},
  site: null,
  path: '/',
  entries: [],
  sort: { key: 'name', dir: 1 },
  filter: '',
  /** the row with the keyboard cursor (and the anchor of Shift ranges) */
  selected: null,
  /** names of the selected entries in the current folder */
  marked: new Set(),
  /** the folder could not be listed (missing, refused): no upload or new folder there */
  broken: false,
};

export const siteInfo = (name = state.site) => state.sites.find((s) => s.name === name);
export const accessInfo = (name = state.site) => state.access[name];
/** Writes work: neither the site nor the signed-in account is read-only. */
export const writable = () => !siteInfo()?.readOnly && !accessInfo()?.readOnly;
/** Share links work on this site (gateway accounts); else accessInfo().share.reason says why. */
export const sharable = () => accessInfo()?.share?.available ?? siteInfo()?.auth === 'accounts';
const selectedEntry = () => state.entries.find((e) => e.name === state.selected) ?? null;
/** The selected entries, in the current folder's order of names. */
export const markedEntries = () => state.entries.filter((e) => state.marked.has(e.name));
