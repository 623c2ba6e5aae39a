import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

/** Phone pages live in a `mobile/` folder: their chunks are precached so the field app opens without signal. */
const PHONE_PAGE = /[\\/]pages[\\/].*[\\/]mobile[\\/]/;
/** Files of src/web/public the installed app needs offline. */
const PUBLIC_SHELL = ['/manifest.webmanifest', '/icons/icon-192.png', '/icons/icon-512.png'];

/**
 * Emit the service worker (src/web/pwa/sw.js) as /sw.js with the release's precache list in front:
 * index.html, the entry and its imports, the phone pages' chunks with theirs, their CSS and assets.
 * The release name is a hash of that list and index.html, so every release gets a cache of its own.
 */
function serviceWorker(): Plugin {
  return {
    name: 'linli-sw',
    apply: 'build',
    enforce: 'post',
    generateBundle(_options, bundle) {
      const chunks = new Map<string, { imports: string[]; css: string[] }>();
      const roots: string[] = [];
      for (const item of Object.values(bundle)) {
        if (item.type !== 'chunk') continue;
        const meta = (item as { viteMetadata?: { importedCss: Set<string>; importedAssets: Set<string> } }).viteMetadata;
        chunks.set(item.fileName, { imports: item.imports, css: meta ? [...meta.importedCss, ...meta.importedAssets] : [] });
        if (item.isEntry || (item.isDynamicEntry && item.facadeModuleId && PHONE_PAGE.test(item.facadeModuleId))) roots.push(item.fileName);
      }
      const files = new Set<string>();
      const visit = (name: string) => {
        if (files.has(name)) return;
        files.add(name);
        const c = chunks.get(name);
        if (!c) return;
        for (const css of c.css) files.add(css);
        for (const i of c.imports) visit(i);
      };
      roots.forEach(visit);
      const html = bundle['index.html'];
      if (!html || html.type !== 'asset') throw new Error('linli-sw: index.html is not in the bundle');
      const precache = ['/index.html', ...PUBLIC_SHELL, ...[...files].sort().map((f) => `/${f}`)];
      const release = createHash('sha256').update(JSON.stringify(precache)).update(html.source).digest('hex').slice(0, 16);
      const source = readFileSync(new URL('./src/web/pwa/sw.js', import.meta.url), 'utf8');
      this.emitFile({
        type: 'asset',
        fileName: 'sw.js',
        source: `self.LINLI_RELEASE = ${JSON.stringify(release)};\nself.LINLI_PRECACHE = ${JSON.stringify(precache)};\n${source}`,
      });
    },
  };
}

// The web app lives in src/web and is built into dist/web, where the Fastify server serves it.
// `vite` (dev) proxies the API to a Linli server on port 3000.
export default defineConfig({
  root: 'src/web',
  plugins: [react(), serviceWorker()],
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
