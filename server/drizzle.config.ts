// drizzle-kit settings: `npm run db:generate -w @trainboard/server` writes a new SQL migration into
// src/db/migrations/ after a change to src/db/schema.ts. Migrations are committed and never edited after merge.
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'sqlite',
  schema: './src/db/schema.ts',
  out: './src/db/migrations',
});
