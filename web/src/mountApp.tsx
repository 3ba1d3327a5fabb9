// Renders the app: loaded by main.tsx as its own chunk, after the run page's series request has been sent.
import './zodConfig.js';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryClientProvider } from '@tanstack/react-query';
import { BrowserRouter } from 'react-router';
import { App } from './App.js';
import { createQueryClient } from './data/queryClient.js';

export function mountApp(): void {
  const root = document.getElementById('root');
  if (!root) throw new Error('index.html has no #root element');
  // useTransitions={false}: a URL change (a slider drag, a zoom) renders at once, as the controlled inputs expect,
  // and the URL is written synchronously, so useView's setter always reads the current one.
  createRoot(root).render(
    <StrictMode>
      <QueryClientProvider client={createQueryClient()}>
        <BrowserRouter useTransitions={false}>
          <App />
        </BrowserRouter>
      </QueryClientProvider>
    </StrictMode>,
  );
}
