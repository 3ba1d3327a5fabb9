// Every table's repository over one connection, built once by the composition root (createApp, the server stack)
// and handed to routes and services: they never see the raw connection. The ingest writer keeps its own prepared
// statements on the hot path (ingest/ingestWriter.ts).
import type Database from 'better-sqlite3';
import { createEventsRepo, type EventsRepo } from './events.repo.js';
import { createIterationsRepo, type IterationsRepo } from './iterations.repo.js';
import { createJobsRepo, type JobsRepo } from './jobs.repo.js';
import { createLogSourcesRepo, type LogSourcesRepo } from './logSources.repo.js';
import { createRunsRepo, type RunsRepo } from './runs.repo.js';
import { createValidationsRepo, type ValidationsRepo } from './validations.repo.js';

export interface Repositories {
  runs: RunsRepo;
  iterations: IterationsRepo;
  validations: ValidationsRepo;
  events: EventsRepo;
  jobs: JobsRepo;
  logSources: LogSourcesRepo;
}

export function createRepositories(sqlite: Database.Database): Repositories {
  return {
    runs: createRunsRepo(sqlite),
    iterations: createIterationsRepo(sqlite),
    validations: createValidationsRepo(sqlite),
    events: createEventsRepo(sqlite),
    jobs: createJobsRepo(sqlite),
    logSources: createLogSourcesRepo(sqlite),
  };
}
