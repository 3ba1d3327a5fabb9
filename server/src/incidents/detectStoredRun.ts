// Incidents of a run whose rows are all on disk already: an imported log (`trainboard import`). Nothing follows it,
// so the live service never sees it; this replays its committed rows through the same detectors, with the times the
// import stored (the log's own clock), ticks once at the last time as `trainboard detect` does, and stores what was
// found by key — so an imported run shows the incidents `trainboard detect` prints for its file, and importing the
// rest of a growing file later updates them instead of adding new ones.
import type { Incident } from '@trainboard/shared/detect/incident';
import type { Repositories } from '../db/repositories.js';
import { advance, clipPage, feedItems, pageFull } from './feed.js';
import { PAGE_ROWS } from './incidents.service.js';
import { createRunDetection } from './runDetection.js';

export function detectStoredRun(
  repos: Pick<Repositories, 'incidents'>,
  runId: number,
  nowMs: number = Date.now(),
): Incident[] {
  const detection = createRunDetection();
  let cursor = { iterationId: 0, validationId: 0, eventId: 0 };
  for (;;) {
    const page = clipPage(repos.incidents.feedPage(runId, cursor, PAGE_ROWS), PAGE_ROWS);
    detection.observe(feedItems(page));
    cursor = advance(cursor, page);
    if (!pageFull(page, PAGE_ROWS)) break;
  }
  const last = detection.lastTimeMs();
  if (last !== null) detection.tick(last);
  const found = detection.incidents();
  for (const incident of found) {
    const jobId = incident.evidence.find((e) => e.jobId)?.jobId ?? null;
    repos.incidents.upsert({ runId, incident, jobId, nowMs });
  }
  return found;
}
