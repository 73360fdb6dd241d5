/* The big screen: fetches "analytics/screen" now and every `refresh` seconds (no reload) and
 * fills the headline figures, today's counts, the 30-day trend, the ranking and the top
 * categories; the grid map turns to the next headline figure every `rotate` seconds. A failed
 * fetch keeps the last data on the screen and shows the "offline" mark until one succeeds.
 * Configuration comes from the "screen-config" JSON script, messages from data-msg-* of
 * #screen. #screen's data-refreshes counts the successful updates (tests read it). */
(function () {
  "use strict";
  var maps = window.WanggeMaps;
  var figureMaps = window.WanggeFigureMap;
  var screen = document.getElementById("screen");
  var config = maps && maps.readJSON("screen-config");
  if (!screen || !config || !figureMaps) { return; }
  var messages = screen.dataset;
  var offline = document.getElementById("screen-offline");
  var updated = screen.querySelector("[data-field='updated']");
  var charts = {};
  var refreshes = 0;

  // --- Numbers ---------------------------------------------------------------------------
  function changeText(item) {
    if (item.change === null || item.change === undefined) { return ""; }
    var arrow = item.trend === "up" ? "▲ " : item.trend === "down" ? "▼ " : "＝ ";
    var size = Math.abs(item.change);
    var amount = item.kind === "rate" ? messages.msgPoints.replace("__n__", size.toFixed(1))
      : item.kind === "hours" ? size.toFixed(1) : String(Math.round(size));
    return arrow + amount;
  }

  function fillHeadline(headline) {
    headline.forEach(function (item) {
      var tile = screen.querySelector(".kpi[data-key='" + item.key + "']");
      if (!tile) { return; }
      tile.querySelector("[data-field='shown']").textContent = item.value === null ? "—" : item.shown;
      var change = tile.querySelector("[data-field='change']");
      change.textContent = changeText(item);
      change.classList.toggle("better", item.is_better === true);
      change.classList.toggle("worse", item.is_better === false);
    });
  }

  function fillCounts(counts) {
    Object.keys(counts).forEach(function (key) {
      var tile = screen.querySelector(".kpi[data-count='" + key + "']");
      if (!tile) { return; }
      tile.querySelector("[data-field='count']").textContent = counts[key].toLocaleString();
    });
    var closed = screen.querySelector(".kpi[data-count='reported'] [data-field='closed']");
    if (closed) { closed.textContent = messages.msgClosed + " " + counts.closed.toLocaleString(); }
    screen.querySelector(".kpi[data-count='overdue_now']").classList.toggle("alarm", counts.overdue_now > 0);
  }

  // --- Charts (ECharts, dark) --------------------------------------------------------------
  function chart(id) {
    if (!window.echarts) { return null; }
    if (!charts[id]) {
      var element = document.getElementById(id);
      if (!element) { return null; }
      charts[id] = window.echarts.init(element, "dark", { renderer: "svg" });
    }
    return charts[id];
  }

  var BASE = {
    backgroundColor: "transparent",
    animation: false,
    textStyle: { fontFamily: "Noto Sans CJK SC, Noto Sans SC, sans-serif", fontSize: 14 }
  };

  function drawTrend(trend) {
    var target = chart("screen-trend-chart");
    if (!target) { return; }
    target.setOption(Object.assign({}, BASE, {
      legend: { top: 0, textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis" },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: trend.days.map(function (day) { return day.slice(5); }) },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: messages.msgReported, type: "line", data: trend.reported, showSymbol: false,
          lineStyle: { width: 3 }, itemStyle: { color: "#f87171" }, areaStyle: { opacity: 0.15 } },
        { name: messages.msgClosed, type: "line", data: trend.closed, showSymbol: false,
          lineStyle: { width: 3 }, itemStyle: { color: "#60a5fa" } }
      ]
    }), true);
    document.getElementById("screen-trend-chart").dataset.drawn = "true";
  }

  function drawCategories(categories) {
    var empty = document.getElementById("screen-categories-empty");
    var element = document.getElementById("screen-categories-chart");
    empty.hidden = categories.length > 0;
    empty.textContent = messages.msgNoCategories;
    element.hidden = !categories.length;
    var target = chart("screen-categories-chart");
    if (!target || !categories.length) { return; }
    var top = categories.slice(0, 8).reverse();
    target.setOption(Object.assign({}, BASE, {
      tooltip: { trigger: "item" },
      grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: top.map(function (c) { return c.name; }) },
      series: [{ type: "bar", barMaxWidth: 28, data: top.map(function (c) { return c.count; }), itemStyle: { color: "#f59e0b" },
        label: { show: true, position: "right", color: "#e2e8f0" } }]
    }), true);
  }

  // --- Ranking -----------------------------------------------------------------------------
  function cell(text, className) {
    var td = document.createElement("td");
    if (className) { td.className = className; }
    td.textContent = text;
    return td;
  }

  function fillRanking(ranked, ranking) {
    var body = document.getElementById("screen-ranking");
    var empty = document.getElementById("screen-ranking-empty");
    body.textContent = "";
    ranking.slice(0, 12).forEach(function (row) {
      var tr = document.createElement("tr");
      tr.appendChild(cell(row.name));
      tr.appendChild(cell(row.reported.toLocaleString(), "num"));
      ranked.forEach(function (figure) { tr.appendChild(cell(row.figures[figure.key], "num")); });
      body.appendChild(tr);
    });
    empty.hidden = ranking.length > 0;
    empty.textContent = messages.msgNoRanking;
  }

  // --- The map, turning through the headline figures ---------------------------------------
  var mapElement = document.getElementById("screen-map");
  var legend = document.getElementById("screen-legend");
  var mapTitle = screen.querySelector("[data-field='map-figure']");
  var map = null, layer = null, drawn = false, turn = 0;

  function mapUrl(key, outlines) {
    return config.mapUrl + "?" + figureMaps.query({
      unit: config.unit, figure: key, outlines: outlines ? "" : "false"
    });
  }

  function loadMap() {
    if (!window.L || !mapElement) { return Promise.resolve(); }
    if (!map) {
      map = maps.createMap(mapElement, { zoomControl: false, attributionControl: false, maxZoom: 19 });
      layer = new figureMaps.FigureLayer(map, { dark: true });
    }
    var key = config.rotation[turn % config.rotation.length];
    var figure = config.figures[key];
    return maps.getJSON(mapUrl(key, !drawn)).then(function (answer) {
      if (!drawn) {
        drawn = layer.draw(answer, figure) > 0;
      } else {
        layer.update(answer, figure);
      }
      mapTitle.textContent = figure.label;
      figureMaps.writeLegend(legend, layer.scale, messages.msgNoValue);
      mapElement.dataset.figure = key;
      mapElement.dataset.ready = "true";
    });
  }

  // --- Refreshing ----------------------------------------------------------------------------
  function clock(date) {
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return two(date.getHours()) + ":" + two(date.getMinutes()) + ":" + two(date.getSeconds());
  }

  function refresh() {
    var data = maps.getJSON(config.dataUrl + "?" + figureMaps.query({ unit: config.unit }))
      .then(function (answer) {
        screen.querySelector("[data-field='unit']").textContent = answer.unit_name;
        fillHeadline(answer.headline);
        fillCounts(answer.counts);
        drawTrend(answer.trend);
        drawCategories(answer.categories);
        fillRanking(answer.ranked, answer.ranking);
      });
    return Promise.all([data, loadMap()]).then(function () {
      refreshes += 1;
      var now = new Date();
      updated.textContent = clock(now);
      updated.setAttribute("datetime", now.toISOString());
      offline.hidden = true;
      screen.dataset.offline = "false";
      screen.dataset.refreshes = String(refreshes);
    }).catch(function () {
      offline.hidden = false;
      screen.dataset.offline = "true";
    });
  }

  function rotate() {
    turn += 1;
    loadMap().catch(function () {
      offline.hidden = false;
      screen.dataset.offline = "true";
    });
  }

  // --- Full screen -------------------------------------------------------------------------
  var full = document.getElementById("screen-fullscreen");
  if (full && document.fullscreenEnabled) {
    full.hidden = false;
    full.addEventListener("click", function () {
      if (document.fullscreenElement) {
        document.exitFullscreen();
      } else {
        document.documentElement.requestFullscreen().catch(function () { /* refused: stay */ });
      }
    });
    document.addEventListener("fullscreenchange", function () {
      var on = Boolean(document.fullscreenElement);
      full.textContent = on ? messages.msgLeaveFull : messages.msgEnterFull;
      document.body.classList.toggle("is-fullscreen", on);
      window.setTimeout(resize, 100);
    });
  }

  function resize() {
    Object.keys(charts).forEach(function (id) { charts[id].resize(); });
    if (map) { map.invalidateSize(); }
  }
  window.addEventListener("resize", resize);

  refresh();
  window.setInterval(refresh, Math.max(2, Number(config.refresh) || 60) * 1000);
  if (config.rotation.length > 1) {
    window.setInterval(rotate, Math.max(2, Number(config.rotate) || 20) * 1000);
  }
})();
