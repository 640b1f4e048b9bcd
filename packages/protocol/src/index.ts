export * from './ids.js';
export * from './agent-events.js';
export * from './dashboard-events.js';
export * from './models.js';
export * from './rest.js';
export * from './events.js';
export * from './api.js';
export * from './agent-downloads.js';
