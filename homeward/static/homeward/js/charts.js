// Charts and the province map of the research dashboards, drawn with the vendored ECharts from the JSON that
// the page carries next to each table. The table is the figure of record: without JavaScript it is all there is,
// and a hidden ("x") or small ("<5") count is never drawn.
(function () {
  "use strict";
  var FONT = '"Noto Sans Lao", "Noto Sans Thai", "Noto Sans", system-ui, sans-serif';
  var PALETTE = ["#1d70b8", "#d4351c", "#00703c", "#f47738", "#4c2c92", "#b58840", "#28a197", "#912b88", "#505a5f"];
  var charts = [];

  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }
  function read(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  function base() {
    return {
      color: PALETTE,
      animation: false,
      textStyle: { fontFamily: FONT, fontSize: 13 },
      // Rich-text tooltips are drawn inside the chart: no HTML, so nothing for the content security policy to refuse.
      tooltip: { renderMode: "richText", confine: true },
      grid: { containLabel: true, left: 8, right: 24, top: 48, bottom: 8 }
    };
  }
  function axisChart(spec) {
    var o = base();
    var category = { type: "category", data: spec.categories, axisLabel: { hideOverlap: true } };
    var value = { type: "value", minInterval: 1 };
    if (spec.x_title) { category.name = spec.x_title; category.nameLocation = "middle"; category.nameGap = 28; }
    o.legend = { type: "scroll", top: 0 };
    o.tooltip.trigger = "axis";
    if (spec.horizontal) {
      category.inverse = true;
      category.axisLabel.width = 180;
      category.axisLabel.overflow = "truncate";
      o.xAxis = value; o.yAxis = category;
    } else {
      o.xAxis = category; o.yAxis = value;
    }
    o.series = spec.series.map(function (s) {
      return { name: s.name, type: spec.type, data: s.data, stack: spec.stack ? "total" : undefined, connectNulls: false };
    });
    if (spec.series.length < 2) { o.legend.show = false; o.grid.top = 16; }
    return o;
  }
  function sankey(spec, width) {
    var o = base();
    // Destination labels sit to the right of the last column: leave them room, and cut long ones short.
    var room = Math.max(90, Math.min(200, Math.round(width * 0.3)));
    var names = {};
    var nodes = [];
    // Origins and destinations are separate columns even when a name could appear in both.
    var links = spec.links.map(function (l) {
      var target = l.target + "\u200b";
      [l.source, target].forEach(function (n) { if (!names[n]) { names[n] = true; nodes.push({ name: n }); } });
      return { source: l.source, target: target, value: l.value };
    });
    o.tooltip.trigger = "item";
    o.series = [{ type: "sankey", data: nodes, links: links, nodeAlign: "left", emphasis: { focus: "adjacency" },
      left: 4, right: room, top: 8, bottom: 8,
      lineStyle: { color: "gradient", opacity: 0.4 },
      label: { fontFamily: FONT, width: room - 8, overflow: "truncate" } }];
    return o;
  }
  function pie(spec) {
    var o = base();
    o.tooltip.trigger = "item";
    o.legend = { type: "scroll", bottom: 0 };
    o.series = [{ type: "pie", radius: ["30%", "60%"], center: ["50%", "45%"], data: spec.data,
      label: { fontFamily: FONT, overflow: "break", width: 140 } }];
    return o;
  }
  function option(spec, width) {
    if (spec.type === "sankey") { return sankey(spec, width); }
    if (spec.type === "pie") { return pie(spec); }
    return axisChart(spec);
  }
  function draw(el, opt) {
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption(opt);
    charts.push(chart);
  }
  function drawMaps(els) {
    if (!els.length) { return; }
    fetch(els[0].getAttribute("data-geojson"), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (geojson) {
        window.echarts.registerMap("lao", geojson);
        els.forEach(function (el) {
          var spec = read(el.getAttribute("data-map"));
          if (!spec) { return; }
          var none = el.getAttribute("data-none");
          var values = spec.data.map(function (d) { return d.value; }).filter(function (v) { return v !== null; });
          var o = base();
          o.tooltip.trigger = "item";
          o.tooltip.formatter = function (p) {
            return p.data ? p.data.label + ": " + (p.data.value === null ? none : p.data.shown) : "";
          };
          o.visualMap = { type: "continuous", min: values.length ? Math.min.apply(null, values) : 0,
            max: values.length ? Math.max.apply(null, values) : 1, left: 0, bottom: 0, calculable: true,
            inRange: { color: ["#dbe9f6", "#1d70b8", "#0b3b66"] }, textStyle: { fontFamily: FONT } };
          o.series = [{ type: "map", map: "lao", nameProperty: "code", roam: false,
            itemStyle: { areaColor: "#f3f2f1", borderColor: "#505a5f" },
            emphasis: { label: { show: false }, itemStyle: { areaColor: "#ffdd00" } },
            data: spec.data.map(function (d) { return { name: d.code, value: d.value, label: d.name, shown: d.shown }; }) }];
          draw(el, o);
        });
      });
  }
  ready(function () {
    if (!window.echarts) { return; }
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var spec = read(el.getAttribute("data-chart"));
      if (spec) { draw(el, option(spec, el.clientWidth)); }
    });
    drawMaps(Array.prototype.slice.call(document.querySelectorAll("[data-map]")));
    var pending = null;
    window.addEventListener("resize", function () {
      clearTimeout(pending);
      pending = setTimeout(function () { charts.forEach(function (c) { c.resize(); }); }, 150);
    });
  });
})();
