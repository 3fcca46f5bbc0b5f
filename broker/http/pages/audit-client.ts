/**
 * The replay pages' script, appended to the page script (same nonce). It keeps `#audit-live`
 * current: `/audit/stream` (Server-Sent Events) names each visible session that started,
 * ended, had a statement refused, a result masked or an approval event, and the script then
 * fetches the region again as server-rendered HTML (`data-fragment`, same origin, escaped like
 * the page). On the search page (`data-live="list"`) any such session refreshes the list; on
 * the timeline of an open session (`data-live="session"`) only that session does. Allowed
 * statements are not events, so an open session's timeline is also fetched every 5 s while the
 * tab is visible, until the fragment says the session ended. Plain ES2017, no build step.
 */
export const AUDIT_SCRIPT = `
(function () {
  'use strict';
  var root = document.getElementById('audit-live');
  if (!root || typeof EventSource === 'undefined' || typeof fetch === 'undefined') return;
  var mode = root.getAttribute('data-live');
  if (mode !== 'list' && mode !== 'session') return;
  var url = root.getAttribute('data-fragment');
  var watched = root.getAttribute('data-session');
  var live = document.getElementById('live');
  function status(on, text) { if (live) { live.classList.toggle('on', on); live.textContent = text; } }
  var timer = null, busy = false, again = false, stopped = false, poll = null;
  function open() {
    var s = document.getElementById('session-state');
    return !s || s.getAttribute('data-active') === '1';
  }
  function stop(text) {
    stopped = true;
    es.close();
    if (poll) clearInterval(poll);
    status(false, text);
  }
  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    fetch(url, { credentials: 'same-origin', headers: { accept: 'text/html' } })
      .then(function (res) {
        if (res.status === 401) { stop('Signed out — reload the page'); return null; }
        return res.ok ? res.text() : null;
      })
      .then(function (text) {
        if (text === null || stopped) return;
        root.innerHTML = text;
        if (mode === 'session' && !open()) stop('Session ended');
      })
      .catch(function () {})
      .then(function () {
        busy = false;
        if (again && !stopped) { again = false; later(0); }
      });
  }
  function later(ms) {
    if (timer !== null || stopped) return;
    timer = setTimeout(function () { timer = null; refresh(); }, ms);
  }
  var es = new EventSource('/audit/stream');
  es.addEventListener('open', function () { if (!stopped) status(true, 'Live'); });
  es.addEventListener('error', function () {
    if (!stopped) status(false, es.readyState === 2 ? 'Live updates stopped — reload the page' : 'Reconnecting…');
  });
  es.addEventListener('session', function (ev) {
    var d = JSON.parse(ev.data);
    // A burst of events (a session starting and refusing at once) costs one fetch.
    if (mode === 'list') later(400);
    else if (d.id === watched) later(150);
  });
  if (mode === 'session') {
    poll = setInterval(function () {
      if (document.visibilityState === 'visible' && open()) later(0);
    }, 5000);
  }
  window.addEventListener('pagehide', function () { es.close(); });
})();
`;
