/* Maps of figures. window.WanggeFigureMap draws the units of an "analytics/map" answer (grids,
 * or the units one level down) coloured by one figure in five bands from the lowest value to
 * the highest (green for the better end of a rate, blues for a count), writes the legend, and
 * draws the heat cells of an "analytics/heat" answer (Leaflet's heat layer when the page loaded
 * it, circles scaled by the count otherwise). The big screen uses it too.
 *
 * Then, on the map page (#figure-map): the figure chooser and the heat toggle refetch without
 * reloading; a tapped unit shows its value, numerator and denominator and links to its cases.
 * Names come from imported files and are inserted as text. */
(function () {
  "use strict";
  var maps = window.WanggeMaps;
  if (!maps || !window.L) { return; }

  var BETTER = ["#b91c1c", "#ea580c", "#eab308", "#65a30d", "#15803d"]; // worst to best
  var COUNT = ["#dbeafe", "#93c5fd", "#3b82f6", "#1d4ed8", "#1e3a8a"];
  var NO_VALUE = "#cbd5e1";
  var BANDS = 5;

  function format(value, kind) {
    if (value === null || value === undefined) { return "—"; }
    if (kind === "rate") { return (value * 100).toFixed(1) + "%"; }
    if (kind === "hours") { return value.toFixed(1); }
    return String(Math.round(value));
  }

  /* Five equal bands between the lowest and the highest value (one band when they are equal). */
  function scaleOf(features, figure) {
    var values = features.map(function (f) { return f.properties.value; })
      .filter(function (v) { return v !== null && v !== undefined; });
    if (!values.length) { return { low: 0, high: 0, bands: 0, figure: figure }; }
    var low = Math.min.apply(null, values), high = Math.max.apply(null, values);
    if (figure.kind === "count") { low = Math.min(low, 0); }
    return { low: low, high: high, bands: high > low ? BANDS : 1, figure: figure };
  }

  function bandOf(scale, value) {
    if (scale.bands <= 1) { return BANDS - 1; }
    var index = Math.floor((value - scale.low) / (scale.high - scale.low) * BANDS);
    return Math.max(0, Math.min(BANDS - 1, index));
  }

  function colourOf(scale, value) {
    if (value === null || value === undefined) { return NO_VALUE; }
    var band = bandOf(scale, value);
    if (scale.figure.kind === "count") { return COUNT[band]; }
    return scale.figure.higherIsBetter ? BETTER[band] : BETTER[BANDS - 1 - band];
  }

  function make(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  /* A layer of units coloured by a figure. options: {dark, onSelect(properties)}. */
  function FigureLayer(map, options) {
    this.map = map;
    this.options = options || {};
    this.group = L.featureGroup().addTo(map);
    this.byCode = {};
    this.scale = null;
    this.selected = null;
  }

  FigureLayer.prototype.style = function (properties, selected) {
    var dark = this.options.dark;
    return {
      color: selected ? (dark ? "#fde047" : "#111827") : (dark ? "#e2e8f0" : "#475569"),
      weight: selected ? 4 : 1.2,
      opacity: 0.9,
      fillColor: colourOf(this.scale, properties.value),
      fillOpacity: dark ? 0.75 : 0.65
    };
  };

  /* Draw the units of an answer that carries outlines; answers the number drawn. */
  FigureLayer.prototype.draw = function (answer, figure) {
    var self = this;
    this.group.clearLayers();
    this.byCode = {};
    this.selected = null;
    this.scale = scaleOf(answer.map.features, figure);
    L.geoJSON(answer.map, {
      filter: function (feature) { return Boolean(feature.geometry); },
      style: function (feature) { return self.style(feature.properties, false); },
      bubblingMouseEvents: false,
      onEachFeature: function (feature, layer) {
        self.byCode[feature.properties.code] = layer;
        layer.on("click", function (event) {
          L.DomEvent.stop(event);
          self.select(feature.properties.code);
        });
        self.group.addLayer(layer);
        var element = layer.getElement && layer.getElement();
        if (element) {
          element.setAttribute("data-code", feature.properties.code);
          element.setAttribute("data-value", String(feature.properties.value));
        }
      }
    });
    var count = this.group.getLayers().length;
    if (count) { this.map.fitBounds(this.group.getBounds(), { padding: [12, 12], animate: false }); }
    return count;
  };

  /* Recolour the drawn units with the values of another answer (outlines left out). */
  FigureLayer.prototype.update = function (answer, figure) {
    var self = this;
    this.scale = scaleOf(answer.map.features, figure);
    answer.map.features.forEach(function (feature) {
      var layer = self.byCode[feature.properties.code];
      if (!layer) { return; }
      layer.feature.properties = feature.properties;
      layer.setStyle(self.style(feature.properties, layer === self.selected));
      var element = layer.getElement && layer.getElement();
      if (element) { element.setAttribute("data-value", String(feature.properties.value)); }
    });
    if (this.selected && this.options.onSelect) {
      this.options.onSelect(this.selected.feature.properties);
    }
  };

  FigureLayer.prototype.select = function (code) {
    var layer = this.byCode[code];
    if (this.selected) { this.selected.setStyle(this.style(this.selected.feature.properties, false)); }
    this.selected = layer || null;
    if (!layer) { return; }
    layer.setStyle(this.style(layer.feature.properties, true));
    layer.bringToFront();
    if (this.options.onSelect) { this.options.onSelect(layer.feature.properties); }
  };

  FigureLayer.prototype.show = function (shown) {
    if (shown) { this.group.addTo(this.map); } else { this.group.remove(); }
  };

  /* The legend of the layer's bands: title, swatches with their ranges, and "nothing to rate". */
  function writeLegend(box, scale, noValueText) {
    var list = box.querySelector("[data-legend]");
    var title = box.querySelector("[data-legend-title]");
    list.textContent = "";
    if (title) { title.textContent = scale.figure.label; }
    var step = (scale.high - scale.low) / (scale.bands || 1);
    for (var band = 0; band < scale.bands; band += 1) {
      var from = scale.low + step * band;
      var to = scale.bands === 1 ? scale.high : from + step;
      var item = make("li", "");
      var swatch = make("i", "");
      swatch.style.background = colourOf(scale, scale.bands === 1 ? scale.high : from + step / 2);
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(
        scale.bands === 1 ? format(to, scale.figure.kind)
          : format(from, scale.figure.kind) + " – " + format(to, scale.figure.kind)));
      list.appendChild(item);
    }
    if (noValueText) {
      var none = make("li", "");
      var blank = make("i", "");
      blank.style.background = NO_VALUE;
      none.appendChild(blank);
      none.appendChild(document.createTextNode(noValueText));
      list.appendChild(none);
    }
    box.hidden = false;
  }

  /* The heat cells: a heat layer when leaflet.heat is loaded, else circles scaled by count. */
  function heatLayer(answer, options) {
    var cells = answer.cells || [];
    var top = Math.max(answer.max || 1, 1);
    if (typeof L.heatLayer === "function") {
      return L.heatLayer(cells.map(function (c) { return [c[0], c[1], c[2] / top]; }), {
        radius: 22, blur: 18, max: 1, minOpacity: 0.35
      });
    }
    var group = L.featureGroup();
    cells.forEach(function (c) {
      L.circleMarker([c[0], c[1]], {
        radius: 4 + 16 * Math.sqrt(c[2] / top),
        stroke: false,
        fillColor: (options && options.dark) ? "#f97316" : "#dc2626",
        fillOpacity: 0.25 + 0.5 * (c[2] / top),
        interactive: false
      }).addTo(group);
    });
    return group;
  }

  function query(params) {
    return Object.keys(params).filter(function (key) { return params[key] !== "" && params[key] !== null; })
      .map(function (key) { return encodeURIComponent(key) + "=" + encodeURIComponent(params[key]); })
      .join("&");
  }

  window.WanggeFigureMap = {
    FigureLayer: FigureLayer,
    writeLegend: writeLegend,
    heatLayer: heatLayer,
    format: format,
    query: query
  };

  // --- The map page --------------------------------------------------------------------------
  var element = document.getElementById("figure-map");
  var config = maps.readJSON("analytics-map-config");
  if (!element || !config) { return; }
  var messages = element.dataset;
  var status = maps.statusLine(document.getElementById("figure-map-status"));
  var legend = document.getElementById("figure-map-legend");
  var detail = document.getElementById("map-detail");
  var definition = document.getElementById("figure-definition");
  var figureSelect = document.getElementById("id_figure");
  var categorySelect = document.getElementById("id_category");
  var modeInputs = Array.prototype.slice.call(document.querySelectorAll("input[name='map-mode']"));
  var map = maps.createMap(element, { zoomControl: true, maxZoom: 19 });
  var level = "grid";
  var heat = null;
  var mode = "figure";

  function field(name) { return detail.querySelector("[data-field='" + name + "']"); }

  function showDetail(properties) {
    var figure = config.figures[config.figure];
    field("name").textContent = properties.name;
    field("shown").textContent = properties.value === null ? messages.msgNoValue : properties.shown;
    field("figure").textContent = figure.label;
    var numerator = figure.kind === "hours" ? (properties.numerator / 3600).toFixed(1) : String(properties.numerator);
    field("numerator").textContent = numerator;
    field("denominator").textContent = properties.denominator === null ? "" : String(properties.denominator);
    detail.querySelector("[data-row='numerator']").hidden = properties.denominator === null;
    detail.querySelector("[data-row='denominator']").hidden = properties.denominator === null;
    field("cases").href = maps.unitUrl(config.listUrl, properties.code);
    var below = field("below");
    below.hidden = !properties.has_grids_below;
    below.href = config.pageUrl + "?" + query({
      unit: properties.code, first: config.first, last: config.last, figure: config.figure,
      category: config.category
    });
    detail.hidden = false;
  }

  var layer = new FigureLayer(map, { onSelect: showDetail });

  function mapUrl(outlines) {
    return config.mapUrl + "?" + query({
      unit: config.unit, first: config.first, last: config.last, figure: config.figure,
      category: config.category, outlines: outlines ? "" : "false"
    });
  }

  function loadFigure(outlines) {
    status.show(messages.msgLoading);
    element.dataset.ready = "false";
    return maps.getJSON(mapUrl(outlines)).then(function (answer) {
      var figure = config.figures[answer.figure.key];
      level = answer.level;
      if (outlines) {
        if (!layer.draw(answer, figure)) { status.show(messages.msgNone); } else { status.hide(); }
      } else {
        layer.update(answer, figure);
        status.hide();
      }
      if (mode === "figure") { writeLegend(legend, layer.scale, messages.msgNoValue); }
      element.dataset.figure = answer.figure.key;
      element.dataset.level = level;
      element.dataset.ready = "true";
    }).catch(function () { status.show(messages.msgFailed); });
  }

  function loadHeat() {
    status.show(messages.msgLoading);
    element.dataset.ready = "false";
    var url = config.heatUrl + "?" + query({
      unit: config.unit, first: config.first, last: config.last, category: config.category
    });
    return maps.getJSON(url).then(function (answer) {
      if (heat) { heat.remove(); }
      heat = heatLayer(answer).addTo(map);
      if (answer.total) { status.hide(); } else { status.show(messages.msgNoCases, 4000); }
      legend.querySelector("[data-legend-title]").textContent =
        messages.msgHeatTotal.replace("__count__", answer.total);
      legend.querySelector("[data-legend]").textContent = "";
      element.dataset.heatTotal = String(answer.total);
      element.dataset.ready = "true";
    }).catch(function () { status.show(messages.msgFailed); });
  }

  function setMode(next) {
    mode = next;
    element.dataset.mode = mode;
    detail.hidden = true;
    if (mode === "heat") {
      layer.show(false);
      loadHeat();
    } else {
      if (heat) { heat.remove(); heat = null; }
      layer.show(true);
      writeLegend(legend, layer.scale, messages.msgNoValue);
    }
  }

  function remember() {
    if (!window.history.replaceState) { return; }
    window.history.replaceState(null, "", config.pageUrl + "?" + query({
      unit: config.unit, first: config.first, last: config.last, figure: config.figure,
      category: config.category
    }));
  }

  if (figureSelect) {
    figureSelect.addEventListener("change", function () {
      if (!config.figures[figureSelect.value]) { return; }
      config.figure = figureSelect.value;
      definition.textContent = config.figures[config.figure].definition;
      remember();
      if (mode !== "figure") { modeInputs.forEach(function (input) { input.checked = input.value === "figure"; }); setMode("figure"); }
      loadFigure(false);
    });
  }
  if (categorySelect) {
    categorySelect.addEventListener("change", function () {
      config.category = categorySelect.value;
      remember();
      if (mode === "heat") { loadHeat(); } else { loadFigure(false); }
    });
  }
  modeInputs.forEach(function (input) {
    input.addEventListener("change", function () { if (input.checked) { setMode(input.value); } });
  });

  element.dataset.mode = mode;
  loadFigure(true);
})();
