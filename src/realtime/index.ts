export type { RealtimeBus, RealtimeListener } from './bus.js';
export { createMemoryBus } from './bus.js';
export type { NewRealtimeEvent, RealtimeEvent, RealtimeEventData, RealtimeKind } from './events.js';
export { eventsAfter, isFor, lastRevocationFor, recordRealtimeEvents } from './events.js';
export { SESSION_ENDED_MESSAGES, sessionEndedMessage } from './messages.js';
export { realtimeRoutes } from './routes.js';
export { formatSseComment, formatSseMessage, formatSseRetry, SSE_HEADERS } from './sse.js';
export { StreamHub } from './stream-hub.js';
