/*
 * 供热应急指挥平台 · dashboard charts (bar / line / pie) on ECharts 5.
 *
 * Plain ES2017, no build step. Load after ECharts and dashboard-common.js (which runs the element's
 * life: htmx swaps, resizing, history snapshots, aria), e.g.
 *   <script src="vendor/echarts-5.6.0/echarts.min.js" defer></script>
 *   <script src="js/dashboard-common.js" defer></script>
 *   <script src="js/dashboard-charts.js" defer></script>
 *
 * Markup: <div data-yc-chart='{"type": "bar", "title": "近7日事件", "categories": ["3日", "4日"],
 *                               "series": [{"name": "新增", "data": [2, 5]}], "unit": "起", "dark": false}'></div>
 *   type: "bar" | "line" | "pie" (pie uses the first series, one value per category; data items may
 *   also be {"name": ..., "value": ...}).
 *   optional: "horizontal": true (bar), "stack": true (bar/line), "area": true (line),
 *   "colors": ["#..."], "renderer": "canvas" | "svg", "label": aria-label text.
 * The element's content is replaced. Without ECharts (or with bad JSON) a small <table> is shown;
 * nothing here throws. Re-renders when data-yc-chart changes, initialises new elements after htmx
 * swaps, resizes with the window and with the element (dashboard-common.js). Global: window.ycCharts = {init}.
 */
(function () {
  'use strict';

  if (!window.ycWidgets) return; // dashboard-common.js did not load

  const ATTR = 'data-yc-chart';
  const TYPES = ['bar', 'line', 'pie'];
  const PALETTE = ['#2e86de', '#f46036', '#2bb673', '#f2c14e', '#8e6cd8', '#d7263d', '#17a2b8', '#7f8c8d'];
  const DEFAULT_HEIGHT = '300px';

  const escapeHtml = window.ycWidgets.escapeHtml;
  const reducedMotion = window.ycWidgets.reducedMotion;

  function num(v) {
    if (v === null || v === undefined || v === '') return null;
    const n = Number(v);
    return isFinite(n) ? n : null;
  }

  function fmt(v, unit) {
    if (v === null || v === undefined || v === '-' || (typeof v === 'number' && !isFinite(v))) return '—';
    const n = typeof v === 'number' ? v : Number(v);
    const s = isFinite(n) ? n.toLocaleString('zh-CN', { maximumFractionDigits: 2 }) : String(v);
    return unit ? s + ' ' + unit : s;
  }

  function parseConfig(raw) {
    let cfg = null;
    try {
      cfg = JSON.parse(raw || '');
    } catch (e) {
      cfg = null;
    }
    if (!cfg || typeof cfg !== 'object' || Array.isArray(cfg)) return null;
    const categories = (Array.isArray(cfg.categories) ? cfg.categories : []).map(function (c) {
      return c == null ? '' : String(c);
    });
    const series = (Array.isArray(cfg.series) ? cfg.series : [])
      .filter(function (s) { return s && typeof s === 'object'; })
      .map(function (s, i) {
        const data = (Array.isArray(s.data) ? s.data : []).map(function (d) {
          if (d && typeof d === 'object' && !Array.isArray(d)) {
            return { name: d.name == null ? '' : String(d.name), value: num(d.value) };
          }
          return num(d);
        });
        return { name: s.name == null ? '系列' + (i + 1) : String(s.name), data: data, color: s.color || null };
      });
    return {
      type: TYPES.indexOf(cfg.type) !== -1 ? cfg.type : 'bar',
      title: cfg.title == null ? '' : String(cfg.title),
      categories: categories,
      series: series,
      unit: cfg.unit == null ? '' : String(cfg.unit),
      dark: !!cfg.dark,
      horizontal: !!cfg.horizontal,
      stack: !!cfg.stack,
      area: !!cfg.area,
      colors: Array.isArray(cfg.colors) && cfg.colors.length ? cfg.colors.map(String) : null,
      renderer: cfg.renderer === 'svg' ? 'svg' : 'canvas',
      label: typeof cfg.label === 'string' ? cfg.label : '',
    };
  }

  // Pie: [{name, value}] from the first series (objects, or values paired with the categories).
  function pieData(cfg) {
    const s = cfg.series[0];
    if (!s) return [];
    return s.data.map(function (d, i) {
      if (d && typeof d === 'object') return { name: d.name || cfg.categories[i] || '', value: d.value };
      return { name: cfg.categories[i] == null ? '' : cfg.categories[i], value: d };
    });
  }

  function valueOf(d) {
    return d && typeof d === 'object' ? d.value : d;
  }

  function isEmpty(cfg) {
    return !cfg.series.some(function (s) {
      return s.data.some(function (d) { return valueOf(d) !== null; });
    });
  }

  function summary(cfg) {
    if (cfg.label) return cfg.label;
    const head = cfg.title || '统计图';
    let parts;
    if (cfg.type === 'pie') {
      parts = [pieData(cfg).map(function (d) { return d.name + ' ' + fmt(d.value, cfg.unit); }).join('，')];
    } else {
      parts = cfg.series.map(function (s) {
        const items = cfg.categories.map(function (c, i) { return c + ' ' + fmt(valueOf(s.data[i]), cfg.unit); });
        return (cfg.series.length > 1 ? s.name + '：' : '') + items.join('，');
      });
    }
    const body = parts.filter(Boolean).join('；');
    return body ? head + '：' + body : head + '：暂无数据';
  }

  function cell(tag, text, scope) {
    const c = document.createElement(tag);
    c.textContent = text;
    if (scope) c.setAttribute('scope', scope);
    return c;
  }

  // Without ECharts: a small table of the same numbers.
  function fallback(wrap, cfg) {
    const table = document.createElement('table');
    table.className = 'table table-sm caption-top yc-chart-fallback mb-0';
    if (cfg.title) table.appendChild(cell('caption', cfg.title));
    const thead = document.createElement('thead');
    const hr = document.createElement('tr');
    hr.appendChild(cell('th', '类别', 'col'));
    const tbody = document.createElement('tbody');
    const unitSuffix = cfg.unit ? '（' + cfg.unit + '）' : '';
    if (cfg.type === 'pie') {
      hr.appendChild(cell('th', (cfg.series[0] ? cfg.series[0].name : '数值') + unitSuffix, 'col'));
      pieData(cfg).forEach(function (d) {
        const tr = document.createElement('tr');
        tr.appendChild(cell('th', d.name, 'row'));
        tr.appendChild(cell('td', fmt(d.value, '')));
        tbody.appendChild(tr);
      });
    } else {
      cfg.series.forEach(function (s) { hr.appendChild(cell('th', s.name + unitSuffix, 'col')); });
      cfg.categories.forEach(function (c, i) {
        const tr = document.createElement('tr');
        tr.appendChild(cell('th', c, 'row'));
        cfg.series.forEach(function (s) { tr.appendChild(cell('td', fmt(valueOf(s.data[i]), ''))); });
        tbody.appendChild(tr);
      });
    }
    thead.appendChild(hr);
    table.appendChild(thead);
    table.appendChild(tbody);
    wrap.appendChild(table);
  }

  // Category labels that would not fit side by side on a horizontal axis of this width.
  function isCrowded(cfg, width) {
    if (cfg.type === 'pie' || (cfg.type === 'bar' && cfg.horizontal)) return false;
    const chars = cfg.categories.reduce(function (sum, c) { return sum + c.length + 1; }, 0);
    return chars * 13 > Math.max(width - 80, 0);
  }

  function buildOption(cfg, width) {
    const dark = cfg.dark;
    const text = dark ? '#e6edf3' : '#1d2630';
    const muted = dark ? '#aab6c3' : '#5a6b7b';
    const split = dark ? '#3a4552' : '#e3e8ee';
    const unit = cfg.unit;
    const multi = cfg.series.length > 1;
    const top = (cfg.title ? 34 : 8) + (multi && cfg.type !== 'pie' ? 26 : 0);
    const palette = cfg.colors || PALETTE;

    const option = {
      backgroundColor: 'transparent',
      animation: !reducedMotion(),
      color: palette,
      textStyle: { color: text },
      tooltip: {
        confine: true,
        backgroundColor: dark ? '#1f2630' : '#ffffff',
        borderColor: dark ? '#4a5562' : '#d6dde6',
        textStyle: { color: text },
      },
    };
    if (cfg.title) {
      option.title = { text: cfg.title, left: 0, top: 0, textStyle: { fontSize: 15, fontWeight: 'bold', color: text } };
    }

    if (cfg.type === 'pie') {
      const data = pieData(cfg);
      option.tooltip.trigger = 'item';
      option.tooltip.formatter = function (p) {
        return escapeHtml(p.name) + '：' + escapeHtml(fmt(p.value, unit)) + '（' + p.percent + '%）';
      };
      // The slice labels name the categories; a legend only for a few of them.
      if (data.length <= 6) {
        option.legend = { type: 'scroll', bottom: 0, left: 'center', textStyle: { color: muted } };
      }
      option.series = [{
        type: 'pie',
        name: cfg.series[0] ? cfg.series[0].name : '',
        radius: ['38%', '62%'],
        center: ['50%', data.length <= 6 ? (cfg.title ? '52%' : '47%') : (cfg.title ? '55%' : '50%')],
        avoidLabelOverlap: true,
        itemStyle: { borderColor: dark ? '#1b222b' : '#ffffff', borderWidth: 2 },
        label: {
          color: text,
          formatter: function (p) { return p.name + '\n' + fmt(p.value, unit); },
        },
        // Zero slices have no area: no label or label line for them.
        data: data.map(function (d) {
          return d.value ? d : Object.assign({}, d, { label: { show: false }, labelLine: { show: false } });
        }),
      }];
    } else {
      const allInts = cfg.series.every(function (s) {
        return s.data.every(function (d) { const v = valueOf(d); return v === null || Number.isInteger(v); });
      });
      const horizontal = cfg.type === 'bar' && cfg.horizontal;
      const n = cfg.categories.length;
      // Up to 16 categories: show every label (tilted when they would not fit side by side); more: skip some.
      const crowded = isCrowded(cfg, width);
      const catLabel = n <= 16
        ? { color: muted, interval: 0, rotate: crowded ? 35 : 0 }
        : { color: muted, hideOverlap: true };
      const catAxis = {
        type: 'category',
        data: cfg.categories,
        axisLabel: catLabel,
        axisLine: { lineStyle: { color: dark ? '#5b6877' : '#9aa8b6' } },
        axisTick: { alignWithLabel: true },
      };
      const valAxis = {
        type: 'value',
        name: unit,
        nameTextStyle: { color: muted },
        minInterval: allInts ? 1 : 0,
        axisLabel: { color: muted },
        splitLine: { lineStyle: { color: split } },
      };
      option.tooltip.trigger = 'axis';
      option.tooltip.axisPointer = { type: cfg.type === 'bar' ? 'shadow' : 'line' };
      option.tooltip.valueFormatter = function (v) { return fmt(v, unit); };
      if (multi) option.legend = { top: cfg.title ? 30 : 0, left: 'center', textStyle: { color: muted } };
      option.grid = {
        left: 8, right: horizontal ? 56 : 16, top: top + (unit && !horizontal ? 18 : 0), bottom: 8, containLabel: true,
      };
      option.xAxis = horizontal ? valAxis : catAxis;
      option.yAxis = horizontal ? Object.assign({}, catAxis, { inverse: true }) : valAxis;
      option.series = cfg.series.map(function (s) {
        const item = {
          type: cfg.type,
          name: s.name,
          data: s.data.map(valueOf),
          emphasis: { focus: 'series' },
        };
        if (s.color) item.itemStyle = { color: s.color };
        if (cfg.stack) item.stack = 'total';
        if (cfg.type === 'bar') {
          item.barMaxWidth = 36;
          item.label = {
            show: !multi || cfg.stack ? cfg.categories.length <= 16 : false,
            position: cfg.stack ? 'inside' : (horizontal ? 'right' : 'top'),
            color: cfg.stack ? '#ffffff' : text,
            formatter: function (p) { return p.value === null || p.value === 0 && cfg.stack ? '' : fmt(p.value, ''); },
          };
        } else {
          item.symbolSize = 6;
          item.connectNulls = false;
          if (cfg.area) item.areaStyle = { opacity: 0.15 };
        }
        return item;
      });
    }

    if (isEmpty(cfg)) {
      if (option.xAxis) option.xAxis.show = false;
      if (option.yAxis) option.yAxis.show = false;
      option.graphic = [{
        type: 'text', left: 'center', top: 'middle', silent: true,
        style: { text: '暂无数据', fill: muted, fontSize: 14 },
      }];
    }
    return option;
  }

  const widgets = window.ycWidgets.register({
    attr: ATTR,
    prefix: 'yc-chart',
    height: DEFAULT_HEIGHT,
    invalid: '图表数据无效',
    parse: parseConfig,
    ready: function () {
      const ec = window.echarts;
      return !!(ec && typeof ec.init === 'function');
    },
    option: function (cfg, state) { return buildOption(cfg, state.el.clientWidth); },
    label: summary,
    fallback: fallback,
    rendered: function (state, cfg) { state.crowded = isCrowded(cfg, state.el.clientWidth); },
    // Tilted category labels come and go with the width: draw again when that changes.
    stale: function (state) { return !!state.cfg && isCrowded(state.cfg, state.el.clientWidth) !== state.crowded; },
  });

  window.ycCharts = { init: widgets.init };
})();
