/*
 * 供热应急指挥平台 · what ticks in the browser on the overview and the wall (issue 15): the hours
 * without heat with their 24-hour badges, and the wall's clock. The server sends timestamps (Unix
 * seconds in data attributes) and its own time (data-server-now), so a phone whose clock is wrong still
 * counts from the server's clock; nothing here asks the server anything.
 *
 *   <span data-live-hours data-start="…" [data-end="…"] [data-estimate="…"] data-long="已满24小时"
 *         data-estimated="预计超过24小时" data-near="近24h"><span data-live-value>…</span> h
 *         <span data-live-badge data-kind="…">…</span></span>
 *   <span data-live-clock data-server-now="…"><time>YYYY-MM-DD HH:MM</time></span>
 *
 * Hours (DOMAIN §6): the elapsed outage, restored − start once restored, else now − start; the estimate
 * only decides the "预计超过24小时" badge and is printed apart by the server. Plain ES2017, no build step, no global.
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

  // DOMAIN §6 "Hours without heat": the number is the elapsed outage (restored − start, or now − start),
  // never the estimate; the badge says on what the 24 h criterion (附件4) rests: elapsed ≥ 24 h
  // "已满24小时" red, else an estimate ≥ 24 h after the start "预计超过24小时" amber, else elapsed ≥ 20 h
  // "近24h" amber. The server draws the same (command/dashboard.py hours_badge).
  function badgeKind(hours, restored, estimateHours) {
    if (hours >= 24) return 'long';
    if (restored) return '';
    if (estimateHours !== null && estimateHours >= 24) return 'estimated';
    return hours >= 20 ? 'near' : '';
  }

  function tickHours(el, now) {
    var start = seconds(el, 'data-start');
    if (start === null) return;
    var end = seconds(el, 'data-end');
    var restored = end !== null;
    if (!restored) end = now / 1000;
    var hours = Math.max(Math.floor(end - start), 0) / 3600;
    var estimate = restored ? null : seconds(el, 'data-estimate');
    var estimateHours = estimate === null ? null : (estimate - start) / 3600;
    var value = el.querySelector('[data-live-value]');
    var text = (Math.floor(hours * 10) / 10).toFixed(1);
    if (value && value.textContent !== text) value.textContent = text;
    var box = el.querySelector('[data-live-badge]');
    if (!box) return;
    var kind = badgeKind(hours, restored, estimateHours);
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
