import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

// The agent serves its window under /<secret>/: every asset is addressed relative to the page.
export default defineConfig({
  base: './',
  plugins: [vue()],
  build: { target: 'es2022', assetsInlineLimit: 0, outDir: '../dist/gui', emptyOutDir: true },
});
