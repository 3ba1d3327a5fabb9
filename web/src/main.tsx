// Entry: sends a run page's series request first, then loads the app (most of the code) as a separate chunk, so
// the server answers while the browser parses React. The theme is set here, before that chunk loads,
// so a remembered light theme does not open on a dark flash.
import { prefetchSeries } from './seriesPrefetch.js';
import { rememberedTheme, resolveTheme } from './theme.js';
import './styles.css';

document.documentElement.dataset.theme = resolveTheme(window.location.search, rememberedTheme());
prefetchSeries(window.location);
void import('./mountApp.js').then((m) => m.mountApp());
