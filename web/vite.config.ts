import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  plugins: [react()],
  // The app chunk is React, React Router, TanStack Query and socket.io-client, fetched after the
  // entry has already sent the run's /series request (web/src/main.tsx): splitting it further would not make the
  // first chart sooner.
  build: { chunkSizeWarningLimit: 900 },
  // `npm run dev -w @trainboard/web` against a server on its default port (TRAINBOARD_PORT=3000).
  server: { proxy: { '/api': 'http://127.0.0.1:3000', '/socket.io': { target: 'ws://127.0.0.1:3000', ws: true } } },
});
