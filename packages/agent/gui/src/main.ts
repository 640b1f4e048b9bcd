import Aura from '@primeuix/themes/aura';
import 'primeicons/primeicons.css';
import PrimeVue from 'primevue/config';
import { createApp } from 'vue';
import '../../../dashboard/src/theme.css';
import App from './App.vue';
import './styles.css';

// The dashboard's look: PrimeVue with the Aura preset, light.
createApp(App)
  .use(PrimeVue, { theme: { preset: Aura, options: { darkModeSelector: false } } })
  .mount('#app');
