import { isPlainHttpToAnotherMachine } from '@vaahshare/protocol/transport';
import { checkToken, ShareSession } from './share-session.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const form = $<HTMLFormElement>('form');
const tokenInput = $<HTMLInputElement>('token');
const nameInput = $<HTMLInputElement>('name');
const stateEl = $('state');
const errorEl = $('error');
const shareButton = $<HTMLButtonElement>('share');

// A link may carry the token (`/share?token=…`); the name is remembered for the next visit.
tokenInput.value = new URLSearchParams(location.search).get('token') ?? localStorage.getItem('vaahshare.token') ?? '';
nameInput.value = localStorage.getItem('vaahshare.name') ?? `guest@browser-${Math.random().toString(36).slice(2, 6)}`;

// Plain http:// from another machine: sharing waits for the person's explicit, visible opt-in.
const insecureBox = $<HTMLInputElement>('insecure');
const plainHttp = isPlainHttpToAnotherMachine(location.origin);
$('plain-http').hidden = !plainHttp;
const allowSharing = () => (shareButton.disabled = plainHttp && !insecureBox.checked);
insecureBox.addEventListener('change', allowSharing);
allowSharing();

let session: ShareSession | null = null;

function showError(message: string) {
  errorEl.textContent = message;
  errorEl.hidden = false;
}

function showState(state: string, detail: string) {
  stateEl.dataset.state = state;
  stateEl.textContent = state;
  $('detail').textContent = detail;
  if (state === 'stopped') {
    // Back to the form, with the reason (if any) right above it rather than under an empty preview.
    form.hidden = false;
    $('live').hidden = true;
    $<HTMLVideoElement>('preview').srcObject = null;
    session = null;
  }
}

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  errorEl.hidden = true;
  const token = tokenInput.value.trim();
  shareButton.disabled = true;
  shareButton.textContent = 'Checking the token…';
  const refused = await checkToken(token);
  allowSharing();
  shareButton.textContent = 'Choose a screen and share';
  if (refused) {
    tokenInput.focus();
    return showError(refused);
  }
  let stream: MediaStream;
  try {
    stream = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: 10 }, audio: false });
  } catch (err) {
    return showError(`No screen was shared (${(err as Error).message}). Click the button again and pick a screen or window.`);
  }
  localStorage.setItem('vaahshare.token', token);
  localStorage.setItem('vaahshare.name', nameInput.value.trim());
  form.hidden = true;
  $('live').hidden = false;
  $<HTMLVideoElement>('preview').srcObject = stream;
  showState('connecting', 'connecting to the server…');
  session = new ShareSession(stream, token, nameInput.value.trim(), { state: showState, error: showError });
});

$('stop').addEventListener('click', () => void session?.stop());
window.addEventListener('pagehide', () => session?.closeNow());
