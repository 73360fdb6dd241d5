/* The map of a community's coverage gaps: its outline, its grids (fetched from the API), the
 * gaps in red and the parts of grids outside the community in amber (from "gaps-map-data"). */
(function () {
  "use strict";
  var maps = window.WanggeMaps;
  var element = document.getElementById("gaps-map");
  var data = maps && maps.readJSON("gaps-map-data");
  if (!element || !data || !window.L) { return; }
  var note = document.getElementById("gaps-map-note");

  var map = maps.createMap(element, { scrollWheelZoom: false, dragging: !L.Browser.mobile });
  var grids = L.featureGroup().addTo(map);
  var overlay = L.featureGroup().addTo(map);

  if (data.outline) {
    overlay.addLayer(L.geoJSON(data.outline, {
      interactive: false, style: { color: "#111827", weight: 2.5, dashArray: "6 4", fill: false }
    }));
  }
  (data.gaps || []).forEach(function (geometry) {
    overlay.addLayer(L.geoJSON(geometry, {
      interactive: false, style: { color: "#c0262d", weight: 1.5, fillColor: "#c0262d", fillOpacity: 0.55 }
    }));
  });
  (data.spills || []).forEach(function (geometry) {
    overlay.addLayer(L.geoJSON(geometry, {
      interactive: false, style: { color: "#b45309", weight: 1.5, fillColor: "#f59e0b", fillOpacity: 0.6 }
    }));
  });
  if (overlay.getLayers().length) {
    map.fitBounds(overlay.getBounds(), { padding: [12, 12], maxZoom: 17, animate: false });
  }

  maps.getJSON(data.gridsUrl).then(function (collection) {
    (collection.features || []).forEach(function (feature) {
      var p = feature.properties || {};
      var layer = L.geoJSON(feature, { style: maps.gridStyle("#2563eb") });
      layer.bindTooltip(maps.textNode(p.name), { sticky: true });
      layer.on("click", function () { window.location.assign(maps.unitUrl(data.unitUrl, p.code)); });
      grids.addLayer(layer);
    });
    overlay.bringToFront();
    if (!overlay.getLayers().length && grids.getLayers().length) {
      map.fitBounds(grids.getBounds(), { padding: [12, 12], maxZoom: 17, animate: false });
    }
  }).catch(function () {
    note.textContent = element.dataset.msgFailed;
    note.hidden = false;
  });
})();
