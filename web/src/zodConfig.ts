// Zod compiles object parsers with `new Function` unless told not to, and probes for it as soon as a schema is
// built — a violation of the server's CSP (`script-src 'self'`, no 'unsafe-eval') on every page that imports a shared
// schema. Imported first by mountApp.tsx (the entry chunk builds no schema), before any module that builds one.
import { config } from 'zod';

config({ jitless: true });
