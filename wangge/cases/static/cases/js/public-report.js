/* The public report form (/public/report/): "use my position", an optional map to place the
 * problem (only when the site has map tiles), the details of the chosen category, a check of
 * the number of photos, and one submission per tap. Everything works without it: the address
 * field and the server's checks are enough. Messages come from the form's data-msg-* attributes. */
(function () {
  "use strict";

  var form = document.getElementById("public-report");
  if (!form) { return; }
  var lon = document.getElementById("id_lon");
  var lat = document.getElementById("id_lat");
  var status = document.getElementById("location-status");
  var useButton = document.getElementById("use-position");
  var clearButton = document.getElementById("clear-position");
  var mapElement = document.getElementById("public-map");
  var map = null;
  var marker = null;

  function message(name) { return form.getAttribute("data-msg-" + name) || ""; }

  function say(text) {
    status.textContent = text;
    status.hidden = !text;
  }

  function round(value) { return String(Math.round(value * 1e6) / 1e6); }

  function showMarker(latValue, lonValue) {
    if (!map) { return; }
    var point = [latValue, lonValue];
    if (marker) {
      marker.setLatLng(point);
    } else {
      marker = L.marker(point, { draggable: true, keyboard: false }).addTo(map);
      marker.on("dragend", function () {
        var moved = marker.getLatLng();
        setPosition(moved.lat, moved.lng, false);
      });
    }
    map.setView(point, Math.max(map.getZoom(), 17));
  }

  function setPosition(latValue, lonValue, moveMarker) {
    lat.value = round(latValue);
    lon.value = round(lonValue);
    say(message("located"));
    clearButton.hidden = false;
    if (moveMarker) { showMarker(latValue, lonValue); }
  }

  function clearPosition() {
    lat.value = "";
    lon.value = "";
    say("");
    clearButton.hidden = true;
    if (marker) { marker.remove(); marker = null; }
  }

  function positionFailed(error) {
    if (!window.isSecureContext) { say(message("insecure")); return; }
    say(message(error && error.code === 1 ? "denied" : "unavailable"));
  }

  if ("geolocation" in navigator) {
    useButton.hidden = false;
    useButton.addEventListener("click", function () {
      say(message("locating"));
      navigator.geolocation.getCurrentPosition(
        function (position) { setPosition(position.coords.latitude, position.coords.longitude, true); },
        positionFailed,
        { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 }
      );
    });
  } else {
    say(lon.value ? message("located") : "");
  }
  clearButton.addEventListener("click", clearPosition);

  /* The map, only where the site has tiles: a blank map helps nobody place a problem. */
  var configElement = document.getElementById("map-config");
  if (mapElement && configElement && window.L) {
    var config = JSON.parse(configElement.textContent);
    mapElement.hidden = false;
    map = L.map(mapElement, { center: [22.6, 113.1], zoom: 12, attributionControl: Boolean(config.tileAttribution) });
    L.tileLayer(config.tileUrl, { attribution: config.tileAttribution || "", maxZoom: 19 }).addTo(map);
    map.on("click", function (event) { setPosition(event.latlng.lat, event.latlng.lng, true); });
    if (lat.value && lon.value) { showMarker(Number(lat.value), Number(lon.value)); }
  }

  /* Only the chosen category's details are shown (the server reads only those). */
  var category = document.getElementById("id_category");
  function showDetails() {
    var chosen = category.value;
    form.querySelectorAll("[data-attributes-for]").forEach(function (fieldset) {
      fieldset.hidden = fieldset.getAttribute("data-attributes-for") !== chosen;
    });
  }
  category.addEventListener("change", showDetails);
  showDetails();

  var photos = document.getElementById("id_photos");
  var maxPhotos = Number(form.getAttribute("data-max-photos")) || 0;
  photos.addEventListener("change", function () {
    var tooMany = maxPhotos && photos.files.length > maxPhotos;
    photos.setCustomValidity(tooMany ? message("too-many-photos") : "");
    if (tooMany) {
      photos.reportValidity();
      photos.value = "";
      photos.setCustomValidity("");
    }
  });

  /* One report per tap: the button waits while the report is sent. The server also returns
   * the first case for a repeated submission (the form's token). */
  var submit = document.getElementById("report-submit");
  var submitStatus = document.getElementById("submit-status");
  form.addEventListener("submit", function () {
    submit.disabled = true;
    submitStatus.textContent = message("sending");
    submitStatus.hidden = false;
  });
  window.addEventListener("pageshow", function () {
    submit.disabled = false;
    submitStatus.hidden = true;
  });
})();
