// Entry: sends a run page's series request first, then loads the app (most of the code) as a separate chunk, so
// the server answers while the browser parses React and recharts.
import { prefetchSeries } from './seriesPrefetch.js';
import './styles.css';

prefetchSeries(window.location);
void import('./mountApp.js').then((m) => m.mountApp());
