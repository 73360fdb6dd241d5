/* The small map on a unit page: the unit's boundary and its children's boundaries (from the
 * "unit-map-data" JSON script). When none of them has a boundary, the grids below the unit are
 * fetched from the API instead. Tapping a child opens its page. */
(function () {
  "use strict";
  var maps = window.WanggeMaps;
  var element = document.getElementById("unit-map");
  var data = maps && maps.readJSON("unit-map-data");
  if (!element || !data || !window.L) { return; }
  var note = document.getElementById("unit-map-note");

  var map = maps.createMap(element, {
    scrollWheelZoom: false,
    // One finger scrolls the page on a phone; the zoom buttons still work.
    dragging: !L.Browser.mobile
  });
  var drawn = L.featureGroup().addTo(map);

  function showNote(text) {
    element.hidden = true;
    note.textContent = text;
    note.hidden = false;
  }

  function addChild(code, name, geometry, colour, url) {
    var layer = L.geoJSON(geometry, { style: maps.gridStyle(colour) });
    layer.bindTooltip(maps.textNode(name), { sticky: true });
    if (url) {
      layer.on("click", function () { window.location.assign(url); });
    }
    drawn.addLayer(layer);
  }

  function fit() {
    if (drawn.getLayers().length === 0) { return false; }
    map.fitBounds(drawn.getBounds(), { padding: [12, 12], maxZoom: 17, animate: false });
    return true;
  }

  var unit = data.unit;
  var children = data.children || [];
  var colourOf = maps.colourMap(children.map(function (child) { return child.code; }));
  children.forEach(function (child) {
    addChild(child.code, child.name, child.boundary, colourOf(child.code), child.url);
  });
  if (unit.boundary) {
    var isGrid = unit.kind === "grid";
    var outline = L.geoJSON(unit.boundary, {
      interactive: false,
      style: isGrid
        ? maps.highlightStyle()
        : { color: "#c0262d", weight: 2.5, dashArray: "6 4", fill: children.length === 0, fillOpacity: 0.08 }
    });
    drawn.addLayer(outline);
  }

  if (fit()) { return; }
  if (unit.kind === "grid") { showNote(element.dataset.msgEmpty); return; }
  maps.getJSON(data.gridsUrl).then(function (collection) {
    var features = collection.features || [];
    var colourOfCommunity = maps.colourMap(features.map(function (f) { return f.properties.parent_code; }));
    features.forEach(function (feature) {
      var p = feature.properties || {};
      addChild(p.code, p.name, feature.geometry, colourOfCommunity(p.parent_code),
        maps.unitUrl(data.unitUrl, p.code));
    });
    if (!fit()) { showNote(element.dataset.msgEmpty); }
  }).catch(function () { showNote(element.dataset.msgFailed); });
})();
