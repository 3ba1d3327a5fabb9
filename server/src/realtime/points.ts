// The iteration rows as the dashboard receives them moved to the iterations repository (db/iterations.repo.ts).
// This path stays only for publisher.ts, which is being reworked in parallel (replay paging); import from the
// repository in new code.
export { COLUMN_OF, fieldValue, lastRowId, parseExtra, POINT_COLUMNS, rowsAfter, storedValue, toLivePoint, type PointRow } from '../db/iterations.repo.js';
