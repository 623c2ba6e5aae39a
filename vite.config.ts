import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The web app lives in src/web and is built into dist/web, where the Fastify server serves it.
// `vite` (dev) proxies the API to a Linli server on port 3000.
export default defineConfig({
  root: 'src/web',
  plugins: [react()],
  build: {
    outDir: '../../dist/web',
    emptyOutDir: true,
    // antd and ECharts are large; pages load lazily, and the vendor chunks are cached between releases.
    chunkSizeWarningLimit: 1600,
  },
  server: {
    host: '127.0.0.1',
    proxy: {
      '/api': 'http://127.0.0.1:3000',
      '/healthz': 'http://127.0.0.1:3000',
    },
  },
});
