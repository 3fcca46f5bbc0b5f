import { describe, expect, it } from 'vitest';
import { CoalescingWriter } from '../../../../broker/proxy/coalescing-writer.js';

describe('coalescing writer', () => {
  it('writes adjacent views of one chunk as one buffer, byte-exact', () => {
    const chunk = Buffer.from('AAAABBBBCCCCDDDD');
    const out: Buffer[] = [];
    const w = new CoalescingWriter((b) => out.push(b));
    w.write(chunk.subarray(0, 4));
    w.write(chunk.subarray(4, 8));
    w.write(chunk.subarray(8, 12));
    w.flush();
    expect(out.map(String)).toEqual(['AAAABBBBCCCC']);
  });

  it('breaks the run at a gap, at another buffer, and keeps order', () => {
    const chunk = Buffer.from('AAAABBBBCCCCDDDD');
    const other = Buffer.from('xx');
    const out: Buffer[] = [];
    const w = new CoalescingWriter((b) => out.push(b));
    w.write(chunk.subarray(0, 4));
    w.write(chunk.subarray(8, 12)); // skipped BBBB (a dropped frame)
    w.write(other);
    w.write(chunk.subarray(12, 16));
    w.write(Buffer.alloc(0));
    w.flush();
    w.flush();
    expect(out.map(String)).toEqual(['AAAA', 'CCCC', 'xx', 'DDDD']);
  });
});
