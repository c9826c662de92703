import { describe, expect, it } from 'vitest';
import { resumeFrom } from '../../src/realtime/stream-endpoint.js';

describe('where a stream resumes (read below Fastify, as its query parser would)', () => {
  it('Last-Event-ID first, else ?lastEventId= given once; anything but 1–15 digits is none', () => {
    const url = '/api/realtime/stream';
    expect(resumeFrom('42', `${url}?lastEventId=7`)).toBe(42);
    expect(resumeFrom(undefined, `${url}?lastEventId=7`)).toBe(7);
    expect(resumeFrom(undefined, `${url}?x=1&lastEventId=7&y=2`)).toBe(7);
    expect(resumeFrom(undefined, url)).toBe(0);
    // Repeated, the query value is a list to Fastify: not an id.
    expect(resumeFrom(undefined, `${url}?lastEventId=7&lastEventId=8`)).toBe(0);
    for (const bad of ['-1', '1e3', ' 5', '0x10', '1234567890123456', ''])
      expect([bad, resumeFrom(bad, url)]).toEqual([bad, 0]);
    expect(resumeFrom(['1', '2'], url)).toBe(0);
    expect(resumeFrom(undefined, `${url}?lastEventId=%35`)).toBe(5);
  });
});
