import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App.js';
import { startOutbox } from './pwa/outbox.js';
import { registerServiceWorker } from './pwa/register.js';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

// What waits on the phone is sent now and whenever the signal returns.
startOutbox();

// The service worker (built by vite.config.ts) lets the installed app open without signal.
if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  window.addEventListener('load', () => registerServiceWorker());
}
