// The sign-in form for pass-through sites. The password goes to the gateway once; the
// browser keeps only an HttpOnly session cookie (nothing in localStorage).
import { api } from './api.js';
import { $, show } from './dom.js';
import { t } from './i18n.js';
import { siteInfo, state } from './state.js';

let onSignedIn = () => {};

export function initSignIn(signedIn, signedOut) {
  onSignedIn = signedIn;
  $('signin-form').addEventListener('submit', submit);
  $('btn-signout').addEventListener('click', async () => {
    try {
      await api.signOut(state.site);
    } finally {
      delete state.signedIn[state.site];
      delete state.access[state.site];
      signedOut();
    }
  });
}

export function showSignIn(site, reason) {
  const accounts = siteInfo(site)?.auth === 'accounts';
  $('signin-title').textContent = t('Sign in to {site}', { site });
  // Worded for the kind of site: a gateway account, or the reader's own FTP account.
  $('signin-intro').textContent =
    reason ??
    (accounts
      ? t('Site “{site}” uses gateway accounts: sign in with the user name and password you were given for this gateway.', { site })
      : t('Site “{site}” signs you in with your own FTP account.', { site }));
  $('signin-form').dataset.kind = accounts ? 'accounts' : 'ftp';
  $('signin-form').dataset.site = site;
  $('signin-password').value = '';
  show($('signin-error'), false);
  $('signin-user').focus();
}

async function submit(e) {
  e.preventDefault();
  const site = e.target.dataset.site;
  const user = $('signin-user').value.trim();
  const error = $('signin-error');
  if (!user) {
    error.textContent = t('Enter your user name.');
    show(error, true);
    return $('signin-user').focus();
  }
  const button = $('signin-submit');
  button.disabled = true;
  button.textContent = t('Signing in…');
  try {
    await api.signIn(site, user, $('signin-password').value);
    $('signin-password').value = '';
    state.signedIn[site] = { user };
    onSignedIn(site);
  } catch (err) {
    const refused = e.target.dataset.kind === 'accounts' ? t('Wrong user name or password.') : t('The FTP server refused this user name or password.');
    error.textContent = err.status === 401 ? refused : err.status === 429 ? t('Too many failed sign-ins: wait a while and try again.') : `${t('Sign-in failed')}: ${err.message}`;
    show(error, true);
    $('signin-password').focus();
  } finally {
    button.disabled = false;
    button.textContent = t('Sign in');
  }
}
