import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';
import { precompress } from './build/precompress.js';

// `npm run dev:dashboard` serves the sources with hot reload and forwards the API and sockets to a running server.
const server = process.env.VAAHSHARE_SERVER ?? 'http://localhost:3000';

export default defineConfig({
  plugins: [vue(), precompress()],
  server: {
    proxy: {
      '/api': server,
      '/socket.io': { target: server, ws: true },
    },
  },
  build: { target: 'es2022', assetsInlineLimit: 0 },
});
