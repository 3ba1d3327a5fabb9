export * from './log/events.js';
