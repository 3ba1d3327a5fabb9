// Every table's repository over one connection, built once by the composition root (createApp, the server stack)
// and handed to routes and services: they never see the raw connection. The ingest writer keeps its own prepared
// statements on the hot path (ingest/ingestWriter.ts).
import type Database from 'better-sqlite3';
import { createApiTokensRepo, type ApiTokensRepo } from './apiTokens.repo.js';
import { createAuditRepo, type AuditRepo } from './audit.repo.js';
import { createClustersRepo, type ClustersRepo } from './clusters.repo.js';
import { createEventsRepo, type EventsRepo } from './events.repo.js';
import { createIncidentsRepo, type IncidentsRepo } from './incidents.repo.js';
import { createIterationsRepo, type IterationsRepo } from './iterations.repo.js';
import { createJobsRepo, type JobsRepo } from './jobs.repo.js';
import { createLeaseRepo, type LeaseRepo } from './lease.repo.js';
import { createLoginLinksRepo, type LoginLinksRepo } from './loginLinks.repo.js';
import { createLogSourcesRepo, type LogSourcesRepo } from './logSources.repo.js';
import { createPublicationsRepo, type PublicationsRepo } from './publications.repo.js';
import { createRunActionsRepo, type RunActionsRepo } from './runActions.repo.js';
import { createRunControlRepo, type RunControlRepo } from './runControl.repo.js';
import { createRunsRepo, type RunsRepo } from './runs.repo.js';
import { createSeriesRepo, type SeriesRepo } from './series.repo.js';
import { createSessionsRepo, type SessionsRepo } from './sessions.repo.js';
import { createSettingsRepo, type SettingsRepo } from './settings.repo.js';
import { createUsersRepo, type UsersRepo } from './users.repo.js';
import { createValidationsRepo, type ValidationsRepo } from './validations.repo.js';

export interface Repositories {
  runs: RunsRepo;
  iterations: IterationsRepo;
  /** The reads of the per-run series cache (server/src/series). */
  series: SeriesRepo;
  validations: ValidationsRepo;
  events: EventsRepo;
  jobs: JobsRepo;
  logSources: LogSourcesRepo;
  clusters: ClustersRepo;
  runControl: RunControlRepo;
  runActions: RunActionsRepo;
  lease: LeaseRepo;
  users: UsersRepo;
  sessions: SessionsRepo;
  apiTokens: ApiTokensRepo;
  loginLinks: LoginLinksRepo;
  audit: AuditRepo;
  settings: SettingsRepo;
  /** Runs published at /p/<slug> (issue 12). */
  publications: PublicationsRepo;
  /** The live detectors' incidents (issue 15) and the committed rows that feed them. */
  incidents: IncidentsRepo;
  /**
   * Runs `fn` in one SQLite transaction (nested calls become savepoints): a mutation's effect and its audit row
   * commit together or not at all. `fn` must be synchronous: no awaits inside (run commands outside, then record).
   */
  transaction<T>(fn: () => T): T;
}

export function createRepositories(sqlite: Database.Database): Repositories {
  return {
    runs: createRunsRepo(sqlite),
    iterations: createIterationsRepo(sqlite),
    series: createSeriesRepo(sqlite),
    validations: createValidationsRepo(sqlite),
    events: createEventsRepo(sqlite),
    jobs: createJobsRepo(sqlite),
    logSources: createLogSourcesRepo(sqlite),
    clusters: createClustersRepo(sqlite),
    runControl: createRunControlRepo(sqlite),
    runActions: createRunActionsRepo(sqlite),
    lease: createLeaseRepo(sqlite),
    users: createUsersRepo(sqlite),
    sessions: createSessionsRepo(sqlite),
    apiTokens: createApiTokensRepo(sqlite),
    loginLinks: createLoginLinksRepo(sqlite),
    audit: createAuditRepo(sqlite),
    settings: createSettingsRepo(sqlite),
    publications: createPublicationsRepo(sqlite),
    incidents: createIncidentsRepo(sqlite),
    transaction: <T>(fn: () => T): T => sqlite.transaction(fn)(),
  };
}
