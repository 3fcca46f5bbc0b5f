import { describe, expect, it } from 'vitest';
import { ColumnNames, sampleColumns, sampleRow, type ResultSample } from '../../../../broker/recording/result-sample.js';
import { dataRow, field, rowDescription } from '../../../support/row-bytes.js';

describe('result sample', () => {
  it('keeps column names and the first rows as text, cut at the limits', () => {
    const sample: ResultSample = { rows: [] };
    sampleColumns(sample, rowDescription([field({ name: 'id' }), field({ name: 'note' })]), 'utf8');
    const limits = { rows: 2, chars: 4 };
    sampleRow(sample, dataRow(['1', 'héllo wörld']), limits, 'utf8');
    sampleRow(sample, dataRow(['2', null]), limits, 'utf8');
    sampleRow(sample, dataRow(['3', 'x']), limits, 'utf8');
    expect(sample).toEqual({ columns: ['id', 'note'], rows: [['1', 'héll…'], ['2', null]], truncated: true });
  });

  it('decodes a repeated RowDescription once per session, and again when the bytes or the encoding change', () => {
    const names = new ColumnNames();
    const first = rowDescription([field({ name: 'abalance' })]);
    const a = names.of(first, 'utf8');
    expect(a).toEqual(['abalance']);
    // Same bytes in another buffer (the next chunk): the same names, not decoded again.
    expect(names.of(Buffer.from(first), 'utf8')).toBe(a);
    // The cached copy is the session's own: reusing the chunk it came from changes nothing.
    first.fill(0, 7);
    expect(names.of(rowDescription([field({ name: 'abalance' })]), 'utf8')).toBe(a);
    expect(names.of(rowDescription([field({ name: 'bid' })]), 'utf8')).toEqual(['bid']);
    const latin = rowDescription([field({ name: 'caf\u00e9' })]);
    const asUtf8 = names.of(latin, 'utf8');
    expect(names.of(latin, 'single-byte')).not.toBe(asUtf8);
  });

  it('uses the session cache for a sample only when the sample takes columns at all', () => {
    const names = new ColumnNames();
    const frame = rowDescription([field({ name: 'n' })]);
    const one: ResultSample = { rows: [] };
    const two: ResultSample = { rows: [] };
    sampleColumns(one, frame, 'utf8', names);
    sampleColumns(two, frame, 'utf8', names);
    expect(two.columns).toBe(one.columns);
    // A second result of the same statement is not sampled: it only marks the sample incomplete.
    sampleColumns(one, rowDescription([field({ name: 'm' })]), 'utf8', names);
    expect(one).toEqual({ columns: ['n'], rows: [], truncated: true });
  });
});
