/* Draws the statistics charts from the JSON blocks the page carries (tables stay as fallback). */
(function () {
  "use strict";
  if (!window.echarts) return;
  var colour = "#8b1a1a";
  var script = document.currentScript;
  function data(key) {
    var el = document.getElementById(key);
    return el ? JSON.parse(el.textContent) : [];
  }
  function option(kind, rows) {
    var labels = rows.map(function (r) { return r[0]; });
    var values = rows.map(function (r) { return r[1]; });
    if (kind === "pie") {
      return { tooltip: { trigger: "item" }, series: [{ type: "pie", radius: ["35%", "70%"],
        data: rows.map(function (r) { return { name: r[0], value: r[1] }; }) }] };
    }
    if (kind === "funnel") {
      return { tooltip: { trigger: "item" }, series: [{ type: "funnel", sort: "none", left: "10%", width: "80%",
        label: { formatter: "{b}：{c}" },
        data: rows.map(function (r) { return { name: r[0], value: r[1] }; }) }] };
    }
    if (kind === "hbar") {
      return { tooltip: {}, grid: { left: 140, right: 20, top: 10, bottom: 20 },
        yAxis: { type: "category", data: labels.slice().reverse(), axisLabel: { width: 130, overflow: "truncate" } },
        xAxis: { type: "value" }, series: [{ type: "bar", data: values.slice().reverse(), itemStyle: { color: colour } }] };
    }
    return { tooltip: {}, grid: { left: 50, right: 20, top: 10, bottom: 40 },
      xAxis: { type: "category", data: labels }, yAxis: { type: "value" }, dataZoom: [{ type: "inside" }],
      series: [{ type: "bar", data: values, itemStyle: { color: colour } }] };
  }
  function mapOption(rows) {
    var max = Math.max.apply(null, rows.map(function (r) { return r[1]; }).concat([1]));
    return { tooltip: { trigger: "item", formatter: function (p) { return p.name + "：" + (p.value || 0); } },
      visualMap: { min: 0, max: max, left: "left", bottom: 10, calculable: true, inRange: { color: ["#fbeaea", colour] } },
      series: [{ type: "map", map: "china", roam: true, data: rows.map(function (r) { return { name: r[0], value: r[1] }; }) }] };
  }
  function draw() {
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var key = el.getAttribute("data-chart"), kind = el.getAttribute("data-kind");
    var chart = echarts.init(el);
    window.addEventListener("resize", function () { chart.resize(); });
    if (kind !== "map") { chart.setOption(option(kind, data(key))); return; }
    var url = script && script.getAttribute("data-china-map");
    fetch(url).then(function (r) { return r.json(); }).then(function (geo) {
      echarts.registerMap("china", geo);
      chart.setOption(mapOption(data(key)));
    });
  });
  }
  // Wagtail puts extra_js in <head>: wait for the chart containers.
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
