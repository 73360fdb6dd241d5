/* The small map on a case page: a marker where the case was reported, over the outline of its
 * grid (the "case-point" JSON script). One finger scrolls the page on a phone; the zoom
 * buttons still work. */
(function () {
  "use strict";
  var maps = window.WanggeMaps;
  var element = document.getElementById("case-map");
  var point = maps && maps.readJSON("case-point");
  if (!element || !point || !window.L) { return; }
  var map = maps.createMap(element, { scrollWheelZoom: false, dragging: !L.Browser.mobile });
  var where = [point.lat, point.lon];
  if (point.grid) {
    L.geoJSON(point.grid, { style: maps.gridStyle("#2563eb"), interactive: false }).addTo(map);
  }
  L.circleMarker(where, { radius: 9, color: "#fff", weight: 3, fillColor: "#c0262d", fillOpacity: 1 }).addTo(map);
  map.setView(where, 16);
})();
