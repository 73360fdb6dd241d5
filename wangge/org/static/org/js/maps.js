/* Wangge maps: what every map page shares — a Leaflet map on a blank background unless the
 * site sets a tile URL (read from the "map-config" JSON script), colours per community, and a
 * small JSON fetch. Loaded after leaflet.js; pages use window.WanggeMaps. */
(function () {
  "use strict";

  // Distinct, colour-blind-friendlier hues; brand red is kept for highlights.
  var PALETTE = [
    "#2563eb", "#16a34a", "#d97706", "#9333ea", "#0891b2",
    "#db2777", "#65a30d", "#ea580c", "#4f46e5", "#0d9488"
  ];
  var HIGHLIGHT = "#c0262d";

  function readJSON(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  function createMap(element, options) {
    var config = readJSON("map-config") || {};
    var map = L.map(element, Object.assign({
      zoomSnap: 0.25,
      attributionControl: Boolean(config.tileUrl),
      // Until fitBounds runs: the Pearl River Delta, where the reference practice is.
      center: [22.6, 113.1],
      zoom: 10
    }, options || {}));
    if (config.tileUrl) {
      map.attributionControl.setPrefix(false);
      L.tileLayer(config.tileUrl, {
        attribution: config.tileAttribution || "",
        maxZoom: 19
      }).addTo(map);
    }
    return map;
  }

  /* A colour for each key (community code), assigned in sorted order so that a page shows the
   * same colours on every visit. */
  function colourMap(keys) {
    var unique = Array.from(new Set(keys.filter(Boolean))).sort();
    var colours = {};
    unique.forEach(function (key, index) { colours[key] = PALETTE[index % PALETTE.length]; });
    return function (key) { return colours[key] || "#6b7280"; };
  }

  function gridStyle(colour) {
    return { color: colour, weight: 1.5, opacity: 0.9, fillColor: colour, fillOpacity: 0.25 };
  }

  function highlightStyle() {
    return { color: HIGHLIGHT, weight: 4, opacity: 1, fillColor: HIGHLIGHT, fillOpacity: 0.3 };
  }

  function getJSON(url) {
    return fetch(url, {
      credentials: "same-origin",
      headers: { Accept: "application/json, application/geo+json" }
    }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    });
  }

  /* Leaflet puts string content in innerHTML; names come from imported files, so pass text. */
  function textNode(text) {
    var span = document.createElement("span");
    span.textContent = text;
    return span;
  }

  /* A status line over a map: show(text, lingerMs) shows it (for lingerMs, or until hidden),
   * hide() hides it. */
  function statusLine(box) {
    var timer = null;
    return {
      show: function (text, lingerMs) {
        window.clearTimeout(timer);
        box.textContent = text;
        box.hidden = false;
        if (lingerMs) {
          timer = window.setTimeout(function () { box.hidden = true; }, lingerMs);
        }
      },
      hide: function () {
        window.clearTimeout(timer);
        box.hidden = true;
      }
    };
  }

  /* Fit `bounds` into the part of the map a panel leaves uncovered (`padding`: {topLeft,
   * bottomRight} points), unless they are already inside it; `always` fits anyway, without an
   * animation and with their neighbours in view (a page opened on one grid). */
  function reveal(map, bounds, padding, always) {
    var size = map.getSize();
    var topLeft = map.latLngToContainerPoint(bounds.getNorthWest());
    var bottomRight = map.latLngToContainerPoint(bounds.getSouthEast());
    var visible = topLeft.x >= padding.topLeft.x && topLeft.y >= padding.topLeft.y &&
      bottomRight.x <= size.x - padding.bottomRight.x && bottomRight.y <= size.y - padding.bottomRight.y;
    if (visible && !always) { return; }
    map.fitBounds(bounds, {
      paddingTopLeft: padding.topLeft, paddingBottomRight: padding.bottomRight,
      maxZoom: always ? 16 : 17, animate: !always
    });
  }

  function unitUrl(template, code) {
    return template.replace("__code__", encodeURIComponent(code));
  }

  window.WanggeMaps = {
    PALETTE: PALETTE,
    readJSON: readJSON,
    createMap: createMap,
    colourMap: colourMap,
    gridStyle: gridStyle,
    highlightStyle: highlightStyle,
    getJSON: getJSON,
    textNode: textNode,
    statusLine: statusLine,
    reveal: reveal,
    unitUrl: unitUrl
  };
})();
