// The host's capped, per-call log and the call's deadline.

import { log as hostLog, deadlineMs as hostDeadlineMs } from 'beep:connector/host@0.2.0';

const emit = (level) => (...parts) =>
  hostLog(level, parts.map((p) => (typeof p === 'string' ? p : safeJson(p))).join(' '));

function safeJson(v) {
  try {
    return JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? x.toString() : x));
  } catch {
    return String(v);
  }
}

export const log = {
  trace: emit('trace'),
  debug: emit('debug'),
  info: emit('info'),
  warn: emit('warn'),
  error: emit('error'),
};

/** Milliseconds left before this call's deadline. */
export function deadlineMs() {
  return Number(hostDeadlineMs());
}
