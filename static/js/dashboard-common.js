/*
 * 供热应急指挥平台 · the life of an ECharts widget on a page, shared by dashboard-map.js and
 * dashboard-charts.js (load this file first).
 *
 * Plain ES2017, no build step. The only global is window.ycWidgets:
 *   ycWidgets.register(kind) -> {init(root), forEach(fn(state))}
 *   ycWidgets.escapeHtml(s), ycWidgets.reducedMotion()
 * kind: {
 *   attr: 'data-yc-map',             elements with this attribute, whose value is the JSON config
 *   prefix: 'yc-map',                class names of the fallback: <prefix>-fallback-wrap, <prefix>-note
 *   height: '420px',                 height given to an element that has none
 *   invalid: '地图数据无效',          note shown when the JSON is bad
 *   parse(raw) -> cfg | null,        cfg.dark and cfg.renderer ('canvas' | 'svg') are read here
 *   ready(cfg) -> bool,              ECharts and whatever else is needed are loaded
 *   option(cfg, state) -> option,    the ECharts option (state.el is the element)
 *   label(cfg) -> string,            aria-label of the chart (role="img")
 *   fallback(wrap, cfg, state),      fills the fallback (a list, a table) when the chart cannot be drawn
 *   optional: created(chart, state)  once per ECharts instance (event handlers);
 *             rendered(state, cfg)   after each setOption;
 *             stale(state) -> bool   on resize: draw again rather than only resize.
 * }
 * For each element a state {el, chart, cfg, mode: 'chart' | 'fallback', ...}; the element gets
 * data-yc-state="chart" | "fallback". The element's content is replaced; nothing here throws into
 * the page. Draws again when the attribute changes, initialises new elements after htmx swaps, resizes
 * with the window and with the element, and clears the charts out of htmx's history snapshot.
 */
(function () {
  'use strict';

  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }

  function reducedMotion() {
    try {
      return !!(window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches);
    } catch (e) {
      return false;
    }
  }

  function isVisible(el) {
    return el.getClientRects().length > 0 && el.clientWidth > 0;
  }

  // A fallback that scrolls inside its element must be reachable by keyboard.
  function syncScrollFocus(wrap) {
    if (!wrap || !wrap.isConnected) return;
    if (wrap.scrollHeight > wrap.clientHeight + 1 || wrap.scrollWidth > wrap.clientWidth + 1) {
      wrap.setAttribute('tabindex', '0');
    } else {
      wrap.removeAttribute('tabindex');
    }
  }

  function register(kind) {
    const SEL = '[' + kind.attr + ']';
    const states = new Map(); // element -> state

    function teardown(state, keepState) {
      if (state.chart) {
        try { state.chart.dispose(); } catch (e) { /* already gone */ }
        state.chart = null;
      }
      state.root = null;
      if (state.ownHeight) {
        state.el.style.height = '';
        state.ownHeight = false;
      }
      if (state.ownRole) {
        state.el.removeAttribute('role');
        state.ownRole = false;
      }
      if (state.ownLabel) {
        state.el.removeAttribute('aria-label');
        state.ownLabel = false;
      }
      if (!keepState) {
        if (state.mo) state.mo.disconnect();
        if (state.ro) state.ro.disconnect();
        states.delete(state.el);
      }
    }

    function setAria(state, text) {
      const el = state.el;
      if (!el.hasAttribute('role') || state.ownRole) {
        el.setAttribute('role', 'img');
        state.ownRole = true;
      }
      if (!el.hasAttribute('aria-label') || state.ownLabel) {
        el.setAttribute('aria-label', text);
        state.ownLabel = true;
      }
    }

    // The page's own role="img" (and its label) would hide the fallback from assistive technology:
    // set aside while the fallback shows, put back for the chart.
    function stashImgRole(state) {
      const el = state.el;
      if (!state.stash && el.getAttribute('role') === 'img') {
        state.stash = { label: el.getAttribute('aria-label') };
        el.removeAttribute('role');
        el.removeAttribute('aria-label');
      }
    }

    function restoreImgRole(state) {
      if (!state.stash) return;
      state.el.setAttribute('role', 'img');
      if (state.stash.label !== null) state.el.setAttribute('aria-label', state.stash.label);
      state.stash = null;
    }

    function renderFallback(state, cfg, note) {
      teardown(state, true);
      const el = state.el;
      stashImgRole(state);
      el.textContent = '';
      // Scrolls inside an element of fixed height; Bootstrap's dark colours for a dark panel.
      const wrap = document.createElement('div');
      wrap.className = kind.prefix + '-fallback-wrap';
      wrap.style.maxHeight = '100%';
      wrap.style.overflow = 'auto';
      if (cfg && cfg.dark) {
        wrap.setAttribute('data-bs-theme', 'dark');
        wrap.className += ' text-body';
      }
      if (note) {
        const p = document.createElement('p');
        p.className = kind.prefix + '-note small text-body-secondary mb-1';
        p.textContent = note;
        wrap.appendChild(p);
      }
      if (cfg) kind.fallback(wrap, cfg, state);
      el.appendChild(wrap);
      syncScrollFocus(wrap);
      state.root = wrap;
      state.mode = 'fallback';
      el.setAttribute('data-yc-state', 'fallback');
    }

    function renderChart(state, cfg) {
      const el = state.el;
      const theme = cfg.dark ? 'dark' : null;
      if (state.chart && (state.theme !== theme || state.renderer !== cfg.renderer || !el.contains(state.root))) {
        teardown(state, true);
      }
      if (!state.chart) {
        if (state.mode === 'fallback' || !state.root) el.textContent = '';
        if (el.clientHeight === 0) {
          el.style.height = kind.height;
          state.ownHeight = true;
        }
        const chart = window.echarts.init(el, theme, { renderer: cfg.renderer, locale: 'ZH' });
        state.chart = chart;
        state.theme = theme;
        state.renderer = cfg.renderer;
        state.root = el.lastElementChild;
        if (kind.created) kind.created(chart, state);
      } else {
        // A tooltip left open would be re-shown by ECharts after the update from a disposed view.
        state.chart.dispatchAction({ type: 'hideTip' });
        state.chart.resize();
      }
      state.chart.setOption(kind.option(cfg, state), { notMerge: true });
      if (kind.rendered) kind.rendered(state, cfg);
      restoreImgRole(state);
      setAria(state, kind.label(cfg));
      state.mode = 'chart';
      el.setAttribute('data-yc-state', 'chart');
    }

    function render(state) {
      const el = state.el;
      const cfg = kind.parse(el.getAttribute(kind.attr));
      state.pending = false;
      state.cfg = cfg;
      if (!cfg) {
        renderFallback(state, null, kind.invalid);
        return;
      }
      if (!kind.ready(cfg)) {
        renderFallback(state, cfg, '');
        return;
      }
      if (!isVisible(el)) {
        // Hidden (e.g. a collapsed panel): draw once it gets a size.
        state.pending = true;
        return;
      }
      try {
        renderChart(state, cfg);
      } catch (e) {
        try {
          renderFallback(state, cfg, '');
        } catch (e2) { /* give up quietly */ }
      }
    }

    function relayout(state) {
      if (state.pending) {
        render(state);
      } else if (state.chart) {
        if (kind.stale && kind.stale(state)) render(state);
        else state.chart.resize();
      } else if (state.mode === 'fallback') {
        syncScrollFocus(state.root);
      }
    }

    function setup(el) {
      let state = states.get(el);
      if (state) {
        // Content swapped out from under us (e.g. an innerHTML swap into the element): rebuild.
        if (state.pending || !state.root || !el.contains(state.root)) render(state);
        return;
      }
      state = { el: el, chart: null, root: null, mode: null, pending: false, cfg: null };
      states.set(el, state);
      // A copy of a rendered element (htmx history snapshot) carries ECharts' marker: start clean.
      if (el.hasAttribute('_echarts_instance_')) {
        el.removeAttribute('_echarts_instance_');
        el.textContent = '';
      }
      if (window.MutationObserver) {
        state.mo = new MutationObserver(function () { render(state); });
        state.mo.observe(el, { attributes: true, attributeFilter: [kind.attr] });
      }
      if (window.ResizeObserver) {
        state.ro = new ResizeObserver(function () { relayout(state); });
        state.ro.observe(el);
      }
      render(state);
    }

    function cleanup() {
      Array.from(states.values()).forEach(function (state) {
        if (!state.el.isConnected) teardown(state, false);
      });
    }

    function init(root) {
      try {
        cleanup();
        const scope = root && typeof root.querySelectorAll === 'function' ? root : document;
        const els = [];
        if (scope.nodeType === 1 && scope.matches(SEL)) els.push(scope);
        scope.querySelectorAll(SEL).forEach(function (el) { els.push(el); });
        els.forEach(function (el) {
          try {
            setup(el);
          } catch (e) { /* one bad element must not stop the others */ }
        });
      } catch (e) { /* never throw into the page */ }
    }

    let scanQueued = false;
    function scheduleScan() {
      if (scanQueued) return;
      scanQueued = true;
      Promise.resolve().then(function () {
        scanQueued = false;
        init(document);
      });
    }

    let resizeQueued = false;
    function onResize() {
      if (resizeQueued) return;
      resizeQueued = true;
      (window.requestAnimationFrame || setTimeout)(function () {
        resizeQueued = false;
        states.forEach(function (state) {
          try {
            relayout(state);
          } catch (e) { /* ignore */ }
        });
      });
    }

    // htmx saves the body's HTML for the back button: save it without live charts.
    function beforeHistorySave() {
      Array.from(states.values()).forEach(function (state) {
        teardown(state, false);
        restoreImgRole(state);
        state.el.textContent = '';
        state.el.removeAttribute('data-yc-state');
        state.el.removeAttribute('_echarts_instance_');
      });
    }

    function boot() {
      const body = document.body;
      ['htmx:afterSwap', 'htmx:oobAfterSwap', 'htmx:afterSettle', 'htmx:historyRestore', 'htmx:load']
        .forEach(function (name) { body.addEventListener(name, scheduleScan); });
      body.addEventListener('htmx:beforeHistorySave', beforeHistorySave);
      window.addEventListener('resize', onResize);
      // A script (the map file) loaded after this one: retry the fallbacks once everything has loaded.
      window.addEventListener('load', function () {
        states.forEach(function (state) {
          if (state.mode === 'fallback') render(state);
        });
        init(document);
      });
      init(document);
    }

    if (document.readyState === 'loading') {
      document.addEventListener('DOMContentLoaded', boot);
    } else {
      boot();
    }

    return {
      init: init,
      forEach: function (fn) {
        Array.from(states.values()).forEach(function (state) {
          try {
            fn(state);
          } catch (e) { /* one bad element must not stop the others */ }
        });
      },
    };
  }

  window.ycWidgets = { register: register, escapeHtml: escapeHtml, reducedMotion: reducedMotion };
})();
