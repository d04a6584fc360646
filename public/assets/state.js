// What the page is showing, shared by its modules.
export const state = {
  sites: [],
  /** site name -> { user } for browser sign-ins */
  signedIn: {},
  site: null,
  path: '/',
  entries: [],
  sort: { key: 'name', dir: 1 },
  filter: '',
  /** name of the selected entry in the current folder */
  selected: null,
};

export const siteInfo = (name = state.site) => state.sites.find((s) => s.name === name);
export const writable = () => !siteInfo()?.readOnly;
/** Gateway accounts can make share links (the gateway keeps no FTP password for them). */
export const sharable = () => siteInfo()?.auth === 'accounts';
export const selectedEntry = () => state.entries.find((e) => e.name === state.selected) ?? null;
