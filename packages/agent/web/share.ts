import { ShareSession } from './share-session.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const form = $<HTMLFormElement>('form');
const tokenInput = $<HTMLInputElement>('token');
const nameInput = $<HTMLInputElement>('name');
const stateEl = $('state');
const errorEl = $('error');

// A link may carry the token (`/share?token=…`); the name is remembered for the next visit.
tokenInput.value = new URLSearchParams(location.search).get('token') ?? localStorage.getItem('vaahshare.token') ?? '';
nameInput.value = localStorage.getItem('vaahshare.name') ?? `guest@browser-${Math.random().toString(36).slice(2, 6)}`;

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
    form.hidden = false;
    session = null;
  }
}

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  errorEl.hidden = true;
  let stream: MediaStream;
  try {
    stream = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: 10 }, audio: false });
  } catch (err) {
    return showError(`No screen was shared (${(err as Error).message}). Click the button again and pick a screen or window.`);
  }
  localStorage.setItem('vaahshare.token', tokenInput.value.trim());
  localStorage.setItem('vaahshare.name', nameInput.value.trim());
  form.hidden = true;
  $('live').hidden = false;
  $<HTMLVideoElement>('preview').srcObject = stream;
  showState('connecting', 'connecting to the server…');
  session = new ShareSession(stream, tokenInput.value.trim(), nameInput.value.trim(), { state: showState, error: showError });
});

$('stop').addEventListener('click', () => void session?.stop());
window.addEventListener('pagehide', () => session?.closeNow());
