/* The case map: the grids of the user's area coloured by how many open (or overdue) cases each
 * holds, the open cases as clustered markers, and a panel per grid with its figures, its grid
 * workers and its most urgent cases (fetched when the grid is chosen). Configuration comes from
 * the "case-map-config" JSON script and the messages from data-msg-* attributes of #case-map
 * (translated by the template). Names and titles come from people: they are inserted as text. */
(function () {
  "use strict";
  var maps = window.WanggeMaps;
  var element = document.getElementById("case-map");
  var config = maps && maps.readJSON("case-map-config");
  if (!element || !config || !window.L || !L.markerClusterGroup) { return; }
  var messages = element.dataset;
  var statusBox = document.getElementById("map-status");
  var panel = document.getElementById("grid-panel");
  var legend = document.getElementById("case-map-legend");
  var showCases = document.getElementById("show-cases");
  var toggles = document.querySelector(".case-map-bar");
  var colourInputs = Array.prototype.slice.call(document.querySelectorAll("input[name='colour-by']"));

  // One colour per count band (the view's COUNT_BANDS): blues for open cases, reds for overdue
  // ones, the first band (none) left nearly blank so that busy grids stand out.
  var BAND_COLOURS = {
    open: ["#ffffff", "#bfdbfe", "#60a5fa", "#2563eb", "#1e3a8a"],
    overdue: ["#ffffff", "#fecaca", "#f87171", "#dc2626", "#7f1d1d"]
  };
  var LIGHT_RANK = { red: 3, yellow: 2, green: 1 };
  var LABEL_ZOOM = 15;

  var checkedColour = colourInputs.filter(function (input) { return input.checked; })[0];
  var colourBy = checkedColour ? checkedColour.value : "open";
  var states = {};
  var layersByCode = {};
  var selected = null;
  var casesWanted = null;
  var capped = false;

  // The cluster layer needs a highest zoom, which a map without tiles does not have.
  var map = maps.createMap(element, { zoomControl: true, maxZoom: 19 });
  var grids = L.featureGroup().addTo(map);
  var cases = L.markerClusterGroup({
    chunkedLoading: true,
    showCoverageOnHover: false,
    maxClusterRadius: 48,
    iconCreateFunction: clusterIcon
  });

  // --- Small builders (text only) --------------------------------------------------------
  function make(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function caseUrl(number) {
    return config.caseUrl.replace("__number__", encodeURIComponent(number));
  }

  function lightDot(light) {
    if (!light) { return null; }
    var dot = make("span", "light light-" + light);
    dot.setAttribute("role", "img");
    dot.setAttribute("aria-label", messages["msgLight" + light.charAt(0).toUpperCase() + light.slice(1)] || "");
    return dot;
  }

  function caseHead(item) {
    var head = make("span", "case-head");
    var dot = lightDot(item.light);
    if (dot) { head.appendChild(dot); }
    head.appendChild(make("strong", "case-title", item.title));
    return head;
  }

  function caseFoot(item) {
    var foot = make("span", "case-meta");
    foot.appendChild(make("span", "code", item.number));
    foot.appendChild(make("span", "badge state-" + item.state, states[item.state] || item.state));
    return foot;
  }

  // --- Status line -----------------------------------------------------------------------
  var status = maps.statusLine(statusBox);
  var showStatus = status.show;
  var hideStatus = status.hide;

  // --- Grids, coloured by count band -----------------------------------------------------
  function bandOf(count) {
    var band = 0;
    config.bands.forEach(function (low, index) { if (count >= low) { band = index; } });
    return band;
  }

  function gridStyle(properties) {
    var band = bandOf(properties[colourBy] || 0);
    return {
      color: band ? "#334155" : "#94a3b8", weight: 1.5, opacity: 0.9,
      fillColor: BAND_COLOURS[colourBy][band], fillOpacity: band ? 0.55 : 0.35
    };
  }

  function selectedStyle(properties) {
    return Object.assign(gridStyle(properties), { color: "#111827", weight: 4, opacity: 1 });
  }

  function restyle() {
    grids.eachLayer(function (layer) {
      var properties = layer.feature.properties;
      layer.setStyle(layer === selected ? selectedStyle(properties) : gridStyle(properties));
    });
    legend.querySelectorAll("[data-band]").forEach(function (swatch) {
      swatch.style.background = BAND_COLOURS[colourBy][Number(swatch.dataset.band)];
    });
    legend.querySelectorAll("[data-colour]").forEach(function (title) {
      title.hidden = title.dataset.colour !== colourBy;
    });
  }

  colourInputs.forEach(function (input) {
    input.addEventListener("change", function () {
      if (input.checked) {
        colourBy = input.value;
        restyle();
      }
    });
  });

  function drawGrids(collection) {
    L.geoJSON(collection, {
      style: function (feature) { return gridStyle(feature.properties); },
      bubblingMouseEvents: false,
      onEachFeature: function (feature, layer) {
        var code = feature.properties.code;
        layersByCode[code] = layer;
        layer.on("click", function (event) {
          L.DomEvent.stop(event);
          selectGrid(layer, false);
        });
        layer.bindTooltip(maps.textNode(feature.properties.name), {
          permanent: true, direction: "center", className: "grid-label", interactive: false
        });
        grids.addLayer(layer);
        layer.getElement().setAttribute("data-code", code);
      }
    });
    return grids.getLayers().length;
  }

  function toggleLabels() {
    element.classList.toggle("hide-labels", map.getZoom() < LABEL_ZOOM);
  }
  map.on("zoomend", toggleLabels);

  // --- Case markers, clustered -----------------------------------------------------------
  function worstLight(markers) {
    var worst = "";
    markers.forEach(function (marker) {
      var light = marker.options.light;
      if ((LIGHT_RANK[light] || 0) > (LIGHT_RANK[worst] || 0)) { worst = light; }
    });
    return worst || "none";
  }

  // A cluster shows how many cases it holds, in the colour of the most urgent of them.
  function clusterIcon(cluster) {
    var count = cluster.getChildCount();
    var size = count < 10 ? 36 : count < 100 ? 42 : 50;
    return L.divIcon({
      html: make("span", "", count.toLocaleString()),
      className: "case-cluster cluster-" + worstLight(cluster.getAllChildMarkers()),
      iconSize: L.point(size, size)
    });
  }

  function casePopup(item) {
    var box = make("div", "case-popup");
    box.appendChild(caseHead(item));
    box.appendChild(caseFoot(item));
    var link = make("a", "", messages.msgOpenCase);
    link.href = caseUrl(item.number);
    box.appendChild(link);
    return box;
  }

  function drawCases(items) {
    // A popup opens clear of the toggles and zoom buttons above the map and of the legend.
    var padding = uncoveredPadding();
    var popupOptions = {
      minWidth: 200, maxWidth: 280,
      autoPanPaddingTopLeft: L.point(56, padding.topLeft.y), autoPanPaddingBottomRight: padding.bottomRight
    };
    var markers = items.map(function (item) {
      var marker = L.marker([item.lat, item.lon], {
        icon: L.divIcon({ className: "case-pin pin-" + (item.light || "none"), iconSize: [28, 28] }),
        title: item.title,
        light: item.light
      });
      marker.bindPopup(function () { return casePopup(item); }, popupOptions);
      return marker;
    });
    cases.addLayers(markers);
    showOrHideCases();
  }

  function showOrHideCases() {
    if (showCases.checked) { map.addLayer(cases); } else { map.removeLayer(cases); }
    legend.querySelector("[data-case-lights]").hidden = !showCases.checked;
    legend.querySelector("[data-capped]").hidden = !showCases.checked || !capped;
  }
  showCases.addEventListener("change", showOrHideCases);

  // --- The grid panel --------------------------------------------------------------------
  function field(name) { return panel.querySelector('[data-field="' + name + '"]'); }

  function casesStatus(text) {
    var status = panel.querySelector("[data-cases-status]");
    status.textContent = text || "";
    status.hidden = !text;
  }

  function showGridCases(items) {
    var list = field("cases");
    list.replaceChildren();
    items.forEach(function (item) {
      var card = make("li", "case-card");
      var link = make("a", "case-link");
      link.href = caseUrl(item.number);
      link.appendChild(caseHead(item));
      link.appendChild(caseFoot(item));
      card.appendChild(link);
      list.appendChild(card);
    });
    casesStatus(items.length ? "" : messages.msgNoCases);
  }

  function loadGridCases(code, open) {
    casesWanted = code;
    field("cases").replaceChildren();
    if (!open) {
      casesStatus(messages.msgNoCases);
      return;
    }
    casesStatus(messages.msgCasesLoading);
    maps.getJSON(config.dataUrl + "?grid=" + encodeURIComponent(code)).then(function (answer) {
      if (casesWanted !== code) { return; }  // another grid was chosen meanwhile
      Object.assign(states, answer.states || {});
      showGridCases(answer.cases || []);
    }, function () {
      if (casesWanted === code) { casesStatus(messages.msgCasesFailed); }
    });
  }

  function openPanel(properties) {
    field("name").textContent = properties.name || properties.code;
    field("community").textContent = properties.parent_name || "—";
    field("open").textContent = String(properties.open || 0);
    field("overdue").textContent = String(properties.overdue || 0);
    // null: the user may not see who works there, so the row is left out.
    var workers = properties.grid_workers;
    panel.querySelector("[data-workers-row]").hidden = workers === null || workers === undefined;
    field("workers").textContent = workers && workers.length ? workers.join("、") : messages.msgNobody;
    field("list").href = config.listUrl.replace("__code__", encodeURIComponent(properties.code));
    loadGridCases(properties.code, properties.open);
    panel.hidden = false;
    document.body.classList.add("panel-open");
  }

  function unselect() {
    if (selected) {
      selected.setStyle(gridStyle(selected.feature.properties));
      selected = null;
    }
  }

  function closePanel() {
    panel.hidden = true;
    casesWanted = null;
    document.body.classList.remove("panel-open");
    unselect();
  }

  panel.querySelector("[data-close]").addEventListener("click", closePanel);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !panel.hidden) { closePanel(); }
  });
  map.on("click", function () { if (!panel.hidden) { closePanel(); } });

  /* The part of the map that the toggles at the top, the legend or the panel leave uncovered,
   * as padding for fitBounds: the bottom sheet on a phone, the side panel on a wide screen. */
  function uncoveredPadding() {
    var size = map.getSize();
    var topLeft = L.point(16, toggles.offsetTop + toggles.offsetHeight + 12);
    if (panel.hidden) {
      return { topLeft: topLeft, bottomRight: L.point(16, legend.hidden ? 16 : legend.offsetHeight + 28) };
    }
    if (panel.offsetWidth >= size.x - 1) {
      return { topLeft: topLeft, bottomRight: L.point(16, panel.offsetHeight + 16) };
    }
    return { topLeft: topLeft, bottomRight: L.point(panel.offsetWidth + 36, 16) };
  }

  /* Move the map only when the bounds are not already in the uncovered part. */
  function reveal(bounds, always) {
    maps.reveal(map, bounds, uncoveredPadding(), always);
  }

  function selectGrid(layer, fit) {
    unselect();
    selected = layer;
    layer.setStyle(selectedStyle(layer.feature.properties));
    layer.bringToFront();
    openPanel(layer.feature.properties);
    reveal(layer.getBounds(), fit);
  }

  // --- Start -----------------------------------------------------------------------------
  function showCap(data) {
    var note = legend.querySelector("[data-capped]");
    note.textContent = messages.msgCapped.replace("__count__", Number(data.markers_limit).toLocaleString());
    capped = Boolean(data.markers_capped);
  }

  function fitAll(count, markers) {
    var bounds = count ? grids.getBounds() : L.latLngBounds(markers.map(function (item) {
      return [item.lat, item.lon];
    }));
    if (!bounds.isValid()) { return; }
    var padding = uncoveredPadding();
    map.fitBounds(bounds, {
      paddingTopLeft: padding.topLeft, paddingBottomRight: padding.bottomRight, maxZoom: 17, animate: false
    });
  }

  function start(data) {
    states = data.states || {};
    var count = drawGrids(data.grids || { type: "FeatureCollection", features: [] });
    restyle();
    showCap(data);
    legend.hidden = !count;
    fitAll(count, data.markers || []);
    toggleLabels();
    // After the map has its view: clusters built at the first zoom would animate to the next.
    drawCases(data.markers || []);
    element.dataset.ready = "true";
    if (!count) {
      showStatus(messages.msgNone, 6000);
      return;
    }
    hideStatus();
    var focus = config.focus && layersByCode[config.focus];
    if (focus) { selectGrid(focus, true); }
  }

  showStatus(messages.msgLoading);
  maps.getJSON(config.dataUrl).then(start, function () { showStatus(messages.msgFailed); });
})();
