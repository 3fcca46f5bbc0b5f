/** The three recent-activity feeds: blocked statements, masked results, sessions. */
import type { PanelState } from '../../extension/panel/protocol.js';
import { h } from './dom.js';
import { clock, plural, truncate } from './format.js';

function feed(id: string, title: string, empty: string, items: HTMLElement[]): HTMLElement {
  return h(
    'section',
    { id, 'aria-labelledby': `${id}-title` },
    h('h2', { id: `${id}-title` }, `${title} `, h('span', { class: 'count' }, String(items.length))),
    h('ul', { class: 'feed' }, ...(items.length ? items : [h('li', { class: 'empty' }, empty)])),
  );
}

/** A hint may be added to blocked events by newer brokers; show it when it is a string. */
function hintOf(x: object): string | undefined {
  const hint = (x as { hint?: unknown }).hint;
  return typeof hint === 'string' && hint ? hint : undefined;
}

export function blockedSection(list: PanelState['blocked']): HTMLElement {
  const items = list.map((b) => {
    const hint = hintOf(b);
    return h(
      'li',
      { class: 'entry' },
      h('div', { class: 'entry-head' }, h('span', { class: 'badge blocked' }, 'blocked'), h('span', { class: 'rule' }, b.rule), h('span', { class: 'conn' }, b.connection), h('time', { datetime: b.at }, clock(b.at))),
      h('pre', { class: 'sql' }, h('code', {}, truncate(b.sql))),
      h('p', {}, b.explanation),
      hint && h('p', { class: 'hint' }, h('span', { class: 'hint-label' }, 'Hint: '), hint),
    );
  });
  return feed('blocked', 'Blocked', 'No statements blocked.', items);
}

export function maskedSection(list: PanelState['masked']): HTMLElement {
  const items = list.map((m) =>
    h(
      'li',
      { class: 'entry' },
      h('div', { class: 'entry-head' }, h('span', { class: 'badge masked' }, 'masked'), h('span', { class: 'conn' }, m.connection), h('time', { datetime: m.at }, clock(m.at))),
      h('p', {}, `${plural(m.values, 'value')} masked in `, ...m.columns.flatMap((c, i) => [i ? ', ' : '', h('code', {}, c)])),
      h('p', { class: 'muted' }, `rules: ${m.rules.join(', ') || '—'}`),
    ),
  );
  return feed('masked', 'Masked', 'No masked results.', items);
}

export function sessionsSection(list: PanelState['sessions']): HTMLElement {
  const items = list.map((s) =>
    h(
      'li',
      { class: 'entry row' },
      h('span', { class: `badge ${s.state}` }, s.state),
      h('span', { class: 'conn' }, s.connection),
      h('code', { class: 'muted' }, s.sessionId.slice(0, 12)),
      s.reason && h('span', { class: 'muted' }, s.reason),
      h('time', { datetime: s.at }, clock(s.at)),
    ),
  );
  return feed('sessions', 'Recent sessions', 'No sessions yet.', items);
}
