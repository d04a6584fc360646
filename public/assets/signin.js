// The sign-in form for pass-through sites. The password goes to the gateway once; the
// browser keeps only an HttpOnly session cookie (nothing in localStorage).
import { api } from './api.js';
import { $, show } from './dom.js';
import { state } from './state.js';

let onSignedIn = () => {};

export function initSignIn(signedIn, signedOut) {
  onSignedIn = signedIn;
  $('signin-form').addEventListener('submit', submit);
  $('btn-signout').addEventListener('click', async () => {
    try {
      await api.signOut(state.site);
    } finally {
      delete state.signedIn[state.site];
      signedOut();
    }
  });
}

export function showSignIn(site, reason) {
  $('signin-title').textContent = `Sign in to ${site}`;
  $('signin-intro').textContent = reason ?? `Site “${site}” uses your own FTP account.`;
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
    error.textContent = 'Enter your user name.';
    show(error, true);
    return $('signin-user').focus();
  }
  const button = $('signin-submit');
  button.disabled = true;
  button.textContent = 'Signing in…';
  try {
    await api.signIn(site, user, $('signin-password').value);
    $('signin-password').value = '';
    state.signedIn[site] = { user };
    onSignedIn(site);
  } catch (err) {
    error.textContent = err.status === 401 ? 'The FTP server refused this user name or password.' : `Sign-in failed: ${err.message}`;
    show(error, true);
    $('signin-password').focus();
  } finally {
    button.disabled = false;
    button.textContent = 'Sign in';
  }
}
