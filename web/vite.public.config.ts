// The public page's own bundle (/p-assets/public.js): one ES module, no hash (the page names it; the server serves
// it with a short cache), no React and no dashboard code. `npm run build` builds it after the dashboard, into
// web/dist/p-assets/ (the dashboard's build empties web/dist first).
import { defineConfig } from 'vite';

export default defineConfig({
  publicDir: false,
  build: {
    outDir: 'dist/p-assets',
    emptyOutDir: true,
    target: 'es2020',
    sourcemap: false,
    modulePreload: false,
    rollupOptions: {
      input: 'src/public/main.ts',
      output: { format: 'es', entryFileNames: 'public.js', codeSplitting: false },
    },
  },
});
