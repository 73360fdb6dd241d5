/* The dashboard's charts, drawn with ECharts from the "dashboard-data" JSON script: reported
 * and closed cases by day and by week, and the top categories. Charts follow the page width. */
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var BRAND = "#c0262d", CLOSED = "#2563eb";
  var charts = [];

  function draw(id, option) {
    var element = document.getElementById(id);
    if (!element) { return; }
    var chart = window.echarts.init(element, null, { renderer: "svg" });
    chart.setOption(Object.assign({
      animation: false,
      grid: { left: 36, right: 12, top: 32, bottom: 28, containLabel: true },
      tooltip: { trigger: "axis" },
      textStyle: { fontFamily: "Noto Sans CJK SC, Noto Sans SC, sans-serif" }
    }, option));
    charts.push(chart);
  }

  function series(reported, closed, type) {
    return [
      { name: data.labels.reported, type: type, data: reported, itemStyle: { color: BRAND }, showSymbol: false },
      { name: data.labels.closed, type: type, data: closed, itemStyle: { color: CLOSED }, showSymbol: false }
    ];
  }

  draw("chart-daily", {
    legend: { top: 0 },
    xAxis: { type: "category", data: data.days.map(function (day) { return day.slice(5); }) },
    yAxis: { type: "value", minInterval: 1 },
    series: series(data.dailyReported, data.dailyClosed, "line")
  });
  draw("chart-weekly", {
    legend: { top: 0 },
    xAxis: { type: "category", data: data.weeks.map(function (day) { return day.slice(5); }) },
    yAxis: { type: "value", minInterval: 1 },
    series: series(data.weeklyReported, data.weeklyClosed, "bar")
  });
  draw("chart-categories", {
    tooltip: { trigger: "item" },
    grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", data: data.categories.slice().reverse() },
    series: [{ type: "bar", data: data.categoryCounts.slice().reverse(), itemStyle: { color: BRAND } }]
  });

  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
})();
