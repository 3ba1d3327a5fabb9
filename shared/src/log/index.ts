// The log parser's public API.
export * from './events.js';
export { createLogParser } from './parser.js';
export { eventToJson, eventFromJson } from './json.js';
export { summarizeEvents, emptySummary, withStats, formatSummary, type LogSummary } from './summary.js';
