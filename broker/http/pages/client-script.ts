/**
 * The page's only script, sent inline with the response's CSP nonce. It does two things:
 * countdowns (`[data-expires]`, worded by `data-label`/`data-done` when it is not an expiry, such
 * as the end of an access grant), and live updates from `/approvals/stream` (Server-Sent Events,
 * same origin): statements into `#inbox`, access requests into `#access-inbox`. Rows arrive as HTML the server rendered with the same escaping as the
 * page itself; the CSP (no inline scripts or handlers without the nonce) is a second barrier.
 * Plain ES2017 so any current browser runs it without a build step.
 */
export const CLIENT_SCRIPT = `
(function () {
  'use strict';
  var body = document.body;
  var view = body.getAttribute('data-view');
  function pad(n) { return n < 10 ? '0' + n : String(n); }
  function left(ms, label, done) {
    if (ms <= 0) return done;
    var s = Math.floor(ms / 1000), d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    if (d > 0) return label + ' in ' + d + 'd ' + h + 'h';
    if (h > 0) return label + ' in ' + h + 'h ' + pad(m) + 'm';
    return label + ' in ' + m + 'm ' + pad(s % 60) + 's';
  }
  function tick() {
    var els = document.querySelectorAll('[data-expires]');
    for (var i = 0; i < els.length; i++) {
      var ms = Date.parse(els[i].getAttribute('data-expires')) - Date.now();
      els[i].textContent = left(ms, els[i].getAttribute('data-label') || 'expires', els[i].getAttribute('data-done') || 'expired');
      els[i].classList.toggle('soon', ms < 120000);
    }
  }
  tick();
  setInterval(tick, 1000);

  if ((view !== 'inbox' && view !== 'detail') || typeof EventSource === 'undefined') return;
  var live = document.getElementById('live');
  function status(on, text) { if (live) { live.classList.toggle('on', on); live.textContent = text; } }
  var es = new EventSource('/approvals/stream');
  es.addEventListener('open', function () { status(true, 'Live'); });
  es.addEventListener('error', function () {
    status(false, es.readyState === 2 ? 'Live updates stopped — reload the page' : 'Reconnecting…');
  });
  es.addEventListener('approval', function (ev) {
    var data = JSON.parse(ev.data);
    if (view === 'inbox') inbox(data, 'inbox'); else detail(data);
  });
  es.addEventListener('access', function (ev) {
    var data = JSON.parse(ev.data);
    if (view === 'inbox') inbox(data, 'access-inbox'); else detail(data);
  });
  window.addEventListener('pagehide', function () { es.close(); });

  function size(id) { var l = document.getElementById(id); return l ? l.children.length : 0; }
  function inbox(d, listId) {
    var list = document.getElementById(listId);
    if (!list) return;
    var existing = document.getElementById('row-' + d.id);
    if (d.state !== 'pending' || !d.row) {
      if (existing) existing.remove();
    } else {
      var tpl = document.createElement('template');
      tpl.innerHTML = d.row;
      var li = tpl.content.firstElementChild;
      if (existing) existing.replaceWith(li);
      else {
        list.insertBefore(li, list.firstChild);
        li.classList.add('fresh');
        setTimeout(function () { li.classList.remove('fresh'); }, 4000);
      }
    }
    var group = document.getElementById('access-group');
    if (group) group.hidden = size('access-inbox') === 0;
    var n = size('inbox') + size('access-inbox');
    var empty = document.getElementById('empty');
    if (empty) empty.hidden = n > 0;
    var count = document.getElementById('pending-count');
    if (count) { count.textContent = String(n); count.hidden = n === 0; }
    tick();
  }

  function detail(d) {
    if (d.id !== body.getAttribute('data-id')) return;
    var notice = document.getElementById('notice');
    if (!notice) return;
    notice.querySelector('[data-state]').textContent = d.state;
    notice.classList.add('show');
  }
})();
`;
