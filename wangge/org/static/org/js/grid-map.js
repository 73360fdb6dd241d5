/* The grid map: every grid in the user's scope, coloured by community. Tapping a grid opens its
 * panel; tapping anywhere else, or "Where am I?", looks the point up through the locate API and
 * highlights the grid it lies in. Configuration comes from the "grid-map-config" JSON script and
 * the messages from data-msg-* attributes of #grid-map (they are translated by the template). */
(function () {
  "use strict";
  var maps = window.WanggeMaps;
  var element = document.getElementById("grid-map");
  var config = maps && maps.readJSON("grid-map-config");
  if (!element || !config || !window.L) { return; }
  var messages = element.dataset;
  var statusBox = document.getElementById("map-status");
  var panel = document.getElementById("grid-panel");
  var locateButton = document.getElementById("locate-button");

  var map = maps.createMap(element, { zoomControl: true });
  // The located point stays above the grids (even a highlighted one) and their names.
  map.createPane("located").style.zIndex = 660;
  var layersByCode = {};
  var grids = L.featureGroup().addTo(map);
  var selected = null;
  var marker = null;
  var colourOf = function () { return "#6b7280"; };

  // --- Status line -----------------------------------------------------------------------
  var status = maps.statusLine(statusBox);
  var showStatus = status.show;
  var hideStatus = status.hide;

  // --- The panel -------------------------------------------------------------------------
  function field(name) { return panel.querySelector('[data-field="' + name + '"]'); }

  function kindName(code) {
    return (config.gridKinds && config.gridKinds[code]) || code || "";
  }

  function openPanel(info, note) {
    field("name").textContent = info.name || info.code;
    field("code").textContent = info.code;
    field("community").textContent = info.community || "—";
    field("kind").textContent = info.kind || "—";
    // null: the user may not see who works there, so the row is left out.
    panel.querySelector("[data-workers-row]").hidden = info.workers === null;
    field("workers").textContent = info.workers && info.workers.length
      ? info.workers.join("、") : messages.msgNobody;
    var here = panel.querySelector("[data-here]");
    here.textContent = note || "";
    here.hidden = !note;
    var outside = panel.querySelector("[data-outside]");
    var link = field("link");
    if (info.inScope) {
      link.href = maps.unitUrl(config.unitUrl, info.code);
      link.hidden = false;
      outside.hidden = true;
    } else {
      link.hidden = true;
      outside.textContent = messages.msgOutsideScope;
      outside.hidden = false;
    }
    panel.hidden = false;
    document.body.classList.add("panel-open");
  }

  function closePanel() {
    panel.hidden = true;
    document.body.classList.remove("panel-open");
    unhighlight();
  }

  panel.querySelector("[data-close]").addEventListener("click", closePanel);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !panel.hidden) { closePanel(); }
  });

  // --- Grids -----------------------------------------------------------------------------
  function infoOf(properties) {
    return {
      code: properties.code,
      name: properties.name,
      community: properties.parent_name,
      kind: kindName(properties.kind),
      workers: properties.grid_workers === undefined ? null : properties.grid_workers,
      inScope: true
    };
  }

  function unhighlight() {
    if (selected) {
      selected.setStyle(maps.gridStyle(colourOf(selected.feature.properties.parent_code)));
      selected = null;
    }
  }

  function highlight(layer) {
    unhighlight();
    selected = layer;
    layer.setStyle(maps.highlightStyle());
    layer.bringToFront();
  }

  /* The part of the map the panel leaves uncovered, as padding for fitBounds: the bottom sheet
   * on a phone, the side panel on a wide screen. */
  function uncoveredPadding() {
    var size = map.getSize();
    if (panel.hidden) { return { topLeft: L.point(24, 24), bottomRight: L.point(24, 24) }; }
    if (panel.offsetWidth >= size.x - 1) {
      return { topLeft: L.point(24, 24), bottomRight: L.point(24, panel.offsetHeight + 24) };
    }
    return { topLeft: L.point(24, 24), bottomRight: L.point(panel.offsetWidth + 36, 24) };
  }

  /* Move the map only when the bounds are not already in the uncovered part. */
  function reveal(bounds, always) {
    maps.reveal(map, bounds, uncoveredPadding(), always);
  }

  function selectGrid(layer, note, point, fit) {
    highlight(layer);
    openPanel(infoOf(layer.feature.properties), note);
    var bounds = L.latLngBounds(layer.getBounds().getSouthWest(), layer.getBounds().getNorthEast());
    if (point) { bounds.extend(point); }
    reveal(bounds, Boolean(fit));
  }

  function drawGrids(collection) {
    var features = collection.features || [];
    colourOf = maps.colourMap(features.map(function (f) { return (f.properties || {}).parent_code; }));
    L.geoJSON(collection, {
      style: function (feature) { return maps.gridStyle(colourOf(feature.properties.parent_code)); },
      // A tap on a grid selects it and does not also locate the point.
      bubblingMouseEvents: false,
      onEachFeature: function (feature, layer) {
        layersByCode[feature.properties.code] = layer;
        layer.on("click", function (event) {
          L.DomEvent.stop(event);
          selectGrid(layer, "", null);
        });
        layer.bindTooltip(maps.textNode(feature.properties.name), {
          permanent: true, direction: "center", className: "grid-label", interactive: false
        });
        grids.addLayer(layer);
      }
    });
    return features.length;
  }

  function fitGrids() {
    if (grids.getLayers().length) {
      map.fitBounds(grids.getBounds(), { padding: [16, 16], maxZoom: 17, animate: false });
    }
  }

  // --- Locating a point ------------------------------------------------------------------
  function showPoint(latlng, accuracy) {
    if (marker) { map.removeLayer(marker); }
    marker = L.layerGroup().addTo(map);
    if (accuracy) {
      L.circle(latlng, {
        pane: "located", radius: accuracy, color: "#2563eb", weight: 1, fillOpacity: 0.08, interactive: false
      })
        .addTo(marker);
    }
    L.circleMarker(latlng, {
      pane: "located", radius: 8, color: "#fff", weight: 3, fillColor: "#2563eb", fillOpacity: 1, interactive: false
    }).addTo(marker);
  }

  function community(ancestors) {
    var areas = (ancestors || []).filter(function (a) {
      return a.kind === "community" || a.kind === "village";
    });
    return areas.length ? areas[areas.length - 1].name : "";
  }

  function locatePoint(latlng, note) {
    showStatus(messages.msgLookingUp);
    var url = config.locateUrl + "?lon=" + encodeURIComponent(latlng.lng.toFixed(7)) +
      "&lat=" + encodeURIComponent(latlng.lat.toFixed(7));
    return maps.getJSON(url).then(function (answer) {
      hideStatus();
      if (!answer.found || !answer.grid) {
        closePanel();
        showStatus(messages.msgNoGrid, 4000);
        return;
      }
      var layer = layersByCode[answer.grid.code];
      if (layer) {
        selectGrid(layer, note, latlng);
        return;
      }
      unhighlight();
      openPanel({
        code: answer.grid.code,
        name: answer.grid.name,
        community: community(answer.ancestors),
        kind: kindName(answer.grid.kind),
        workers: null,
        inScope: false
      }, note);
      reveal(L.latLngBounds(latlng, latlng), false);
    }).catch(function () {
      showStatus(messages.msgLookupFailed, 5000);
    });
  }

  map.on("click", function (event) {
    showPoint(event.latlng, 0);
    locatePoint(event.latlng, messages.msgTappedHere);
  });

  locateButton.addEventListener("click", function () {
    if (!("geolocation" in navigator)) {
      showStatus(messages.msgNoGeolocation, 6000);
      return;
    }
    showStatus(messages.msgLocating);
    locateButton.disabled = true;
    navigator.geolocation.getCurrentPosition(function (position) {
      locateButton.disabled = false;
      var latlng = L.latLng(position.coords.latitude, position.coords.longitude);
      showPoint(latlng, position.coords.accuracy);
      if (!map.getBounds().contains(latlng)) { map.setView(latlng, Math.max(map.getZoom(), 15)); }
      locatePoint(latlng, messages.msgYouAreHere);
    }, function () {
      locateButton.disabled = false;
      showStatus(messages.msgGeolocationDenied, 6000);
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  });

  // Names only where there is room for them.
  var LABEL_ZOOM = 15;
  function toggleLabels() {
    element.classList.toggle("hide-labels", map.getZoom() < LABEL_ZOOM);
  }
  map.on("zoomend", toggleLabels);

  // --- Start -----------------------------------------------------------------------------
  showStatus(messages.msgLoading);
  maps.getJSON(config.gridsUrl).then(function (collection) {
    var count = drawGrids(collection);
    element.dataset.ready = "true";
    if (!count) {
      showStatus(messages.msgNone, 6000);
      return;
    }
    hideStatus();
    fitGrids();
    toggleLabels();
    var focus = config.focus && layersByCode[config.focus];
    if (focus) { selectGrid(focus, "", null, true); }
  }).catch(function () {
    showStatus(messages.msgFailed);
  });
})();
