/*
 * 供热应急指挥平台 · what ticks in the browser on the overview and the wall (issue 15): the hours
 * without heat with their 24-hour badges, and the wall's clock. The server sends timestamps (Unix
 * seconds in data attributes) and its own time (data-server-now), so a phone whose clock is wrong still
 * counts from the server's clock; nothing here asks the server anything.
 *
 *   <span data-live-hours data-start="…" [data-end="…"] [data-estimate="…"] data-long="≥24h"
 *         data-near="近24h"><span data-live-value>…</span> h<span data-live-badge>…</span></span>
 *   <span data-live-clock data-server-now="…"><time>YYYY-MM-DD HH:MM</time></span>
 *
 * Hours (DOMAIN.md §3): restored − start once restored, else max(now, estimate) − start. Badges as the
 * server draws them: ≥ 24 h (附件4) red, ≥ 20 h amber. Plain ES2017, no build step, no global.
 */
(function () {
  'use strict';

  var offset = null; // server time − browser time, in milliseconds

  function serverNow() {
    if (offset === null) {
      var el = document.querySelector('[data-server-now]');
      var at = el ? Number(el.getAttribute('data-server-now')) : NaN;
      offset = isFinite(at) && at > 0 ? at * 1000 - Date.now() : 0;
    }
    return Date.now() + offset;
  }

  function seconds(el, name) {
    var v = el.getAttribute(name);
    return v ? Number(v) : null;
  }

  function badge(cls, text) {
    var span = document.createElement('span');
    span.className = 'badge ' + cls;
    span.textContent = text;
    return span;
  }

  function tickHours(el, now) {
    var start = seconds(el, 'data-start');
    if (start === null) return;
    var end = seconds(el, 'data-end');
    if (end === null) {
      var estimate = seconds(el, 'data-estimate');
      end = Math.max(now / 1000, estimate === null ? 0 : estimate);
    }
    var hours = Math.max(Math.floor(end - start), 0) / 3600;
    var value = el.querySelector('[data-live-value]');
    var text = (Math.round(hours * 10) / 10).toFixed(1);
    if (value && value.textContent !== text) value.textContent = text;
    var box = el.querySelector('[data-live-badge]');
    if (!box) return;
    var kind = hours >= 24 ? 'long' : hours >= 20 ? 'near' : '';
    if (box.getAttribute('data-kind') === kind) return;
    box.setAttribute('data-kind', kind);
    box.textContent = '';
    if (kind) {
      box.appendChild(document.createTextNode(' '));
      box.appendChild(badge(kind === 'long' ? 'text-bg-danger' : 'text-bg-warning', el.getAttribute('data-' + kind)));
    }
  }

  function pad(n) {
    return (n < 10 ? '0' : '') + n;
  }

  // The wall's clock, in China Standard Time (UTC+8, no daylight saving) like the server's pages.
  function tickClock(el, now) {
    var t = new Date(now + 8 * 3600 * 1000);
    var text = t.getUTCFullYear() + '-' + pad(t.getUTCMonth() + 1) + '-' + pad(t.getUTCDate()) + ' ' +
      pad(t.getUTCHours()) + ':' + pad(t.getUTCMinutes());
    var time = el.querySelector('time') || el;
    if (time.textContent !== text) {
      time.textContent = text;
      if (time.setAttribute) time.setAttribute('datetime', new Date(now).toISOString());
    }
  }

  function tick() {
    var now = serverNow();
    document.querySelectorAll('[data-live-hours]').forEach(function (el) { tickHours(el, now); });
    document.querySelectorAll('[data-live-clock]').forEach(function (el) { tickClock(el, now); });
  }

  function boot() {
    tick();
    window.setInterval(tick, 1000);
    document.body.addEventListener('htmx:afterSettle', tick);
    document.body.addEventListener('htmx:oobAfterSwap', tick);
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', boot);
  } else {
    boot();
  }
})();
