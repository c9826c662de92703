import { describe, expect, it } from 'vitest';
import { formatSseComment, formatSseMessage, formatSseRetry, SSE_HEADERS } from '../../src/realtime/index.js';

describe('formatSseMessage', () => {
  it('writes data alone as one data line and a blank line', () => {
    expect(formatSseMessage({ data: 'hello' })).toBe('data: hello\n\n');
  });

  it('writes id, event and data in that order, byte for byte', () => {
    expect(formatSseMessage({ id: '42', event: 'session.revoked', data: '{"type":"session.revoked"}' })).toBe(
      'id: 42\nevent: session.revoked\ndata: {"type":"session.revoked"}\n\n',
    );
  });

  it('splits multi-line data into one data line per line, whatever the line ending', () => {
    expect(formatSseMessage({ data: 'a\nb\r\nc\rd' })).toBe('data: a\ndata: b\ndata: c\ndata: d\n\n');
  });

  it('keeps empty lines of data, so the browser rebuilds the same text', () => {
    expect(formatSseMessage({ data: '' })).toBe('data: \n\n');
    expect(formatSseMessage({ data: 'a\n\nb\n' })).toBe('data: a\ndata: \ndata: b\ndata: \n\n');
  });

  it('a data line that looks like a field stays data', () => {
    expect(formatSseMessage({ data: 'x\nevent: evil\nid: 9' })).toBe('data: x\ndata: event: evil\ndata: id: 9\n\n');
  });

  it('an empty id is written (it resets the browser’s last event id)', () => {
    expect(formatSseMessage({ id: '', data: 'x' })).toBe('id: \ndata: x\n\n');
  });

  it.each(['1\n2', '1\r2', '1\r\n', '\n'])('refuses a line break in the id (%j)', (id) => {
    expect(() => formatSseMessage({ id, data: 'x' })).toThrow(/id/);
  });

  it('refuses NUL in the id (browsers ignore such an id)', () => {
    expect(() => formatSseMessage({ id: '1\u00002', data: 'x' })).toThrow(/id/);
  });

  it.each(['a\nb', 'a\rb', 'ping\r\ndata: forged'])('refuses a line break in the event name (%j)', (event) => {
    expect(() => formatSseMessage({ event, data: 'x' })).toThrow(/event/);
  });
});

describe('other SSE frames', () => {
  it('a comment is one line starting with a colon', () => {
    expect(formatSseComment('ping')).toBe(': ping\n\n');
    expect(formatSseComment('a\nb\r\nc')).toBe(': a b c\n\n');
  });

  it('retry is whole, non-negative milliseconds', () => {
    expect(formatSseRetry(3000)).toBe('retry: 3000\n\n');
    expect(formatSseRetry(1500.9)).toBe('retry: 1500\n\n');
    expect(formatSseRetry(-5)).toBe('retry: 0\n\n');
  });

  it('the stream headers forbid caching, transformation and proxy buffering', () => {
    expect(SSE_HEADERS).toEqual({
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-store, no-transform',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
  });
});
