import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  plugins: [react()],
  // The app chunk is React, recharts, React Router and TanStack Query (~810 kB, ~245 kB gzipped), fetched after the
  // entry has already sent the run's /series request (web/src/main.tsx): splitting it further would not make the
  // first chart sooner.
  build: { chunkSizeWarningLimit: 900 },
  // `npm run dev -w @trainboard/web` against a server on its default port (TRAINBOARD_PORT=3000).
  server: { proxy: { '/api': 'http://127.0.0.1:3000', '/socket.io': { target: 'ws://127.0.0.1:3000', ws: true } } },
});
