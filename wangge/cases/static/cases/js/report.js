/* The "report a case" page, made for one hand on a phone. The form works without this script
 * (a plain multipart post); with it:
 * - the category list is searchable and folds away once a category is tapped;
 * - the place comes from the phone's position or a tap on the map, and the grid it lies in is
 *   looked up at once (the locate API);
 * - photos are drawn again on a canvas as JPEG (longer side at most config.photoSide, which also
 *   drops their EXIF position) and uploaded one by one as they are taken, so the form carries
 *   only their uids and a slow network costs seconds, not the whole report;
 * - the form is sent by fetch: a refusal is shown by its field and a lost connection by the
 *   button, and nothing typed is lost; a draft is kept in sessionStorage across a reload, with
 *   the form's idempotency key, so a retried report never files twice.
 * Configuration comes from the "report-config" JSON script, messages from the form's data-msg-*
 * attributes (translated by the template). */
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  var configElement = document.getElementById("report-config");
  if (!form || !configElement) { return; }
  var config = JSON.parse(configElement.textContent);
  var messages = form.dataset;
  var maps = window.WanggeMaps;
  form.classList.add("is-enhanced");

  function byId(id) { return document.getElementById(id); }
  function csrfToken() {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // --- Errors by the field ---------------------------------------------------------------
  var formError = byId("form-error");

  function inputsOf(field) {
    if (field === "category") { return form.querySelectorAll("input[name=category]"); }
    if (field === "location") { return [byId("id_lon"), byId("id_lat")]; }
    if (field === "photos") { return [byId("id_photos")]; }
    if (field === "resolve") { return [byId("id_resolve")]; }
    var input = byId("id_" + field);
    return input ? [input] : [];
  }

  function setError(field, message) {
    var box = form.querySelector('[data-error-for="' + field + '"]');
    if (!box) { box = formError; }
    box.textContent = message || "";
    box.hidden = !message;
    Array.prototype.forEach.call(inputsOf(field), function (input) {
      if (!input) { return; }
      if (message) { input.setAttribute("aria-invalid", "true"); } else { input.removeAttribute("aria-invalid"); }
    });
    if (field === "location" && message) { form.querySelector(".report-coords").open = true; }
  }

  function clearErrors() {
    Array.prototype.forEach.call(form.querySelectorAll("[data-error-for]"), function (box) {
      box.textContent = "";
      box.hidden = true;
    });
    Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid]"), function (input) {
      input.removeAttribute("aria-invalid");
    });
  }

  function showFormError(message) {
    formError.textContent = message;
    formError.hidden = false;
  }

  function focusField(field) {
    if (field === "category") {
      expandPicker();
      var checked = form.querySelector("input[name=category]:checked");
      (checked || searchInput).focus();
      return;
    }
    if (field === "location" && useButton && !useButton.hidden) { useButton.focus(); return; }
    var input = inputsOf(field)[0];
    if (input && input.focus) { input.focus(); }
  }

  // --- Category picker -------------------------------------------------------------------
  var searchInput = byId("category-search");
  var picker = form.querySelector("[data-category-picker]");
  var chosenBox = form.querySelector("[data-category-chosen]");
  var chosenName = form.querySelector("[data-category-chosen-name]");
  var noneMatch = form.querySelector("[data-category-none]");
  var radios = Array.prototype.slice.call(form.querySelectorAll("input[name=category]"));
  var tappedCategory = false;

  function chosenRadio() { return form.querySelector("input[name=category]:checked"); }

  function filterCategories() {
    var query = searchInput.value.trim().toLowerCase();
    var shown = 0;
    Array.prototype.forEach.call(form.querySelectorAll("[data-category-group]"), function (group) {
      var inGroup = 0;
      Array.prototype.forEach.call(group.querySelectorAll(".category-option"), function (option) {
        var match = !query || option.dataset.search.indexOf(query) !== -1;
        option.hidden = !match;
        if (match) { inGroup += 1; }
      });
      group.hidden = inGroup === 0;
      shown += inGroup;
    });
    noneMatch.hidden = shown > 0;
  }

  function collapsePicker() {
    var radio = chosenRadio();
    if (!radio) { return; }
    chosenName.textContent = radio.dataset.name;
    chosenBox.hidden = false;
    picker.hidden = true;
  }

  function expandPicker() {
    chosenBox.hidden = true;
    picker.hidden = false;
  }

  searchInput.hidden = false;
  searchInput.addEventListener("input", filterCategories);
  // Enter in the search box picks the only category left instead of sending the form.
  searchInput.addEventListener("keydown", function (event) {
    if (event.key !== "Enter") { return; }
    event.preventDefault();
    var visible = radios.filter(function (radio) { return !radio.closest(".category-option").hidden; });
    if (visible.length === 1) {
      visible[0].checked = true;
      visible[0].dispatchEvent(new Event("change", { bubbles: true }));
      collapsePicker();
    }
  });
  // A tap folds the list away; arrow keys move through it without folding it.
  picker.addEventListener("pointerdown", function () { tappedCategory = true; });
  picker.addEventListener("keydown", function () { tappedCategory = false; });
  form.querySelector("[data-category-change]").addEventListener("click", function () {
    expandPicker();
    searchInput.focus();
  });
  radios.forEach(function (radio) {
    radio.addEventListener("change", function () {
      setError("category", "");
      categoryChanged();
      if (tappedCategory) { collapsePicker(); }
    });
  });

  // --- The chosen category's details and resolving on the spot ----------------------------
  var resolveBox = byId("id_resolve");
  var resolveHelp = byId("resolve-help");
  var resolveHelpText = resolveHelp.textContent;
  var noteBlock = form.querySelector("[data-resolve-note]");
  var submitButton = byId("report-submit");

  function categoryChanged() {
    var radio = chosenRadio();
    var code = radio ? radio.value : "";
    Array.prototype.forEach.call(form.querySelectorAll("[data-attributes-for]"), function (box) {
      box.hidden = box.dataset.attributesFor !== code;
    });
    var gridEntry = Boolean(radio && radio.dataset.gridEntry === "true");
    resolveBox.disabled = !gridEntry;
    if (!gridEntry) { resolveBox.checked = false; }
    resolveHelp.textContent = radio && !gridEntry
      ? messages.msgNotGridEntry.replace("__category__", radio.dataset.name)
      : resolveHelpText;
    resolveChanged();
  }

  function resolveChanged() {
    noteBlock.hidden = !resolveBox.checked;
    submitButton.textContent = resolveBox.checked ? messages.msgSubmitResolved : messages.msgSubmit;
  }

  resolveBox.addEventListener("change", function () {
    setError("resolve", "");
    resolveChanged();
    if (resolveBox.checked) { byId("id_note").focus(); }
  });

  // --- The place: position, map and grid -------------------------------------------------
  var lonInput = byId("id_lon");
  var latInput = byId("id_lat");
  var gridBox = byId("report-grid");
  var locationStatus = byId("location-status");
  var useButton = byId("use-position");
  var mapElement = byId("report-map");
  var map = null;
  var pin = null;
  var lookups = 0;

  function currentPoint() {
    var lon = parseFloat(lonInput.value);
    var lat = parseFloat(latInput.value);
    if (!isFinite(lon) || !isFinite(lat) || lon < -180 || lon > 180 || lat < -90 || lat > 90) {
      return null;
    }
    return { lon: lon, lat: lat };
  }

  function showLocationStatus(text) {
    locationStatus.textContent = text || "";
    locationStatus.hidden = !text;
  }

  function showGrid(parts) {
    gridBox.textContent = "";
    if (parts.name) {
      var name = document.createElement("strong");
      name.setAttribute("data-grid-name", "");
      name.textContent = parts.name;
      gridBox.appendChild(name);
      if (parts.areas) {
        var areas = document.createElement("span");
        areas.className = "muted";
        areas.setAttribute("data-grid-areas", "");
        areas.textContent = " " + parts.areas;
        gridBox.appendChild(areas);
      }
    } else {
      var text = document.createElement("span");
      if (parts.none) { text.setAttribute("data-grid-none", ""); }
      text.textContent = parts.text;
      gridBox.appendChild(text);
    }
    gridBox.hidden = false;
  }

  var PLACE_KINDS = ["community", "village", "town", "subdistrict"];
  function areasOf(ancestors) {
    return (ancestors || []).filter(function (unit) { return PLACE_KINDS.indexOf(unit.kind) !== -1; })
      .map(function (unit) { return unit.name; }).reverse().join(" · ");
  }

  function lookUp(point) {
    var ticket = ++lookups;
    showGrid({ text: messages.msgLookingUp });
    var url = config.locateUrl + "?lon=" + encodeURIComponent(point.lon.toFixed(7)) +
      "&lat=" + encodeURIComponent(point.lat.toFixed(7));
    getJSON(url).then(function (answer) {
      if (ticket !== lookups) { return; }  // a newer point was set meanwhile
      if (answer.found && answer.grid) {
        showGrid({ name: answer.grid.name, areas: areasOf(answer.ancestors) });
      } else {
        showGrid({ text: messages.msgOutside, none: true });
      }
    }).catch(function () {
      if (ticket === lookups) { showGrid({ text: messages.msgLookupFailed }); }
    });
  }

  function drawPin(point, accuracy) {
    if (!map) { return; }
    if (pin) { map.removeLayer(pin); }
    var latlng = L.latLng(point.lat, point.lon);
    pin = L.layerGroup().addTo(map);
    if (accuracy) {
      L.circle(latlng, {
        pane: "pin", radius: accuracy, color: "#2563eb", weight: 1, fillOpacity: 0.08, interactive: false
      }).addTo(pin);
    }
    L.circleMarker(latlng, {
      pane: "pin", radius: 10, color: "#fff", weight: 3, fillColor: "#c0262d", fillOpacity: 1, interactive: false
    }).addTo(pin);
  }

  function setPoint(point, accuracy) {
    lonInput.value = point.lon.toFixed(7);
    latInput.value = point.lat.toFixed(7);
    setError("location", "");
    drawPin(point, accuracy);
    lookUp(point);
    saveDraftSoon();
  }

  function typedPointChanged() {
    var point = currentPoint();
    if (!point) { return; }
    drawPin(point, 0);
    if (map) { map.setView([point.lat, point.lon], Math.max(map.getZoom(), 15)); }
    lookUp(point);
  }
  lonInput.addEventListener("change", typedPointChanged);
  latInput.addEventListener("change", typedPointChanged);

  function getJSON(url) {
    if (maps) { return maps.getJSON(url); }
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      });
  }

  function startMap() {
    if (!window.L || !maps) { return; }
    mapElement.hidden = false;
    map = maps.createMap(mapElement, { zoomControl: true });
    map.createPane("pin").style.zIndex = 660;
    map.on("click", function (event) {
      showLocationStatus("");
      setPoint({ lon: event.latlng.lng, lat: event.latlng.lat }, 0);
    });
    var point = currentPoint();
    if (point) {
      drawPin(point, 0);
      map.setView([point.lat, point.lon], 16);
    }
    getJSON(config.gridsUrl).then(function (collection) {
      var features = collection.features || [];
      if (!features.length) { return; }
      var colourOf = maps.colourMap(features.map(function (f) { return f.properties.parent_code; }));
      var grids = L.geoJSON(collection, {
        interactive: false,
        style: function (feature) { return maps.gridStyle(colourOf(feature.properties.parent_code)); },
        onEachFeature: function (feature, layer) {
          layer.bindTooltip(maps.textNode(feature.properties.name), {
            permanent: true, direction: "center", className: "grid-label", interactive: false
          });
        }
      }).addTo(map);
      if (!currentPoint()) {
        map.fitBounds(grids.getBounds(), { padding: [12, 12], maxZoom: 16, animate: false });
      }
      toggleLabels();
    }).catch(function () { /* the map still takes taps without the outlines */ });
    map.on("zoomend", toggleLabels);
  }

  function toggleLabels() {
    mapElement.classList.toggle("hide-labels", map.getZoom() < 14);
  }

  function geolocationError(error) {
    if (!window.isSecureContext) { return messages.msgInsecure; }
    if (error && error.code === 1) { return messages.msgDenied; }
    if (error && error.code === 3) { return messages.msgTimeout; }
    return messages.msgUnavailable;
  }

  function useMyPosition() {
    if (!("geolocation" in navigator)) {
      showLocationStatus(messages.msgNoGeolocation);
      return;
    }
    if (!window.isSecureContext) {
      showLocationStatus(messages.msgInsecure);
      return;
    }
    showLocationStatus(messages.msgLocating);
    useButton.disabled = true;
    navigator.geolocation.getCurrentPosition(function (position) {
      useButton.disabled = false;
      showLocationStatus("");
      var point = { lon: position.coords.longitude, lat: position.coords.latitude };
      setPoint(point, position.coords.accuracy);
      if (map) { map.setView([point.lat, point.lon], Math.max(map.getZoom(), 16)); }
    }, function (error) {
      useButton.disabled = false;
      showLocationStatus(geolocationError(error));
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  }

  useButton.hidden = false;
  useButton.addEventListener("click", useMyPosition);

  // --- Photos ----------------------------------------------------------------------------
  var photoList = byId("photo-list");
  var photoInputs = [byId("id_photos"), byId("id_photos_album")];
  var uploads = Promise.resolve();
  var pending = [];

  function photoItems() { return Array.prototype.slice.call(photoList.querySelectorAll(".photo")); }

  function renumberPhotos() {
    photoItems().forEach(function (item, index) {
      var image = item.querySelector("img");
      if (image) { image.alt = messages.msgPhoto + " " + (index + 1); }
    });
  }

  function decode(file) {
    function withImage() {
      return new Promise(function (resolve, reject) {
        var url = URL.createObjectURL(file);
        var image = new Image();
        image.onload = function () { resolve(image); };
        image.onerror = function () { URL.revokeObjectURL(url); reject(new Error("unreadable")); };
        image.src = url;
      });
    }
    if (!window.createImageBitmap) { return withImage(); }
    return createImageBitmap(file, { imageOrientation: "from-image" })
      .catch(function () { return withImage(); });
  }

  /* The photo as a JPEG no larger than config.photoSide; the file itself when the browser
   * cannot read it (the server then says what is wrong with it). */
  function shrink(file) {
    return decode(file).then(function (image) {
      var width = image.naturalWidth || image.width;
      var height = image.naturalHeight || image.height;
      var scale = Math.min(1, config.photoSide / Math.max(width, height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(width * scale));
      canvas.height = Math.max(1, Math.round(height * scale));
      var context = canvas.getContext("2d");
      context.fillStyle = "#fff";
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.drawImage(image, 0, 0, canvas.width, canvas.height);
      if (image.close) { image.close(); }
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) { resolve(blob || file); }, "image/jpeg", 0.85);
      });
    }).catch(function () { return file; });
  }

  function photoItem() {
    var item = document.createElement("li");
    item.className = "photo is-sending";
    var image = document.createElement("img");
    image.alt = messages.msgPhoto;
    var state = document.createElement("span");
    state.className = "photo-state";
    state.textContent = messages.msgUploading;
    var retry = document.createElement("button");
    retry.type = "button";
    retry.className = "photo-retry";
    retry.textContent = messages.msgRetry;
    retry.hidden = true;
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "photo-remove";
    remove.setAttribute("data-remove-photo", "");
    remove.setAttribute("aria-label", messages.msgRemovePhoto);
    remove.textContent = "×";
    item.appendChild(image);
    item.appendChild(state);
    item.appendChild(retry);
    item.appendChild(remove);
    photoList.appendChild(item);
    renumberPhotos();
    return item;
  }

  function markPhoto(item, stateName, text) {
    item.classList.remove("is-sending", "is-failed", "is-refused");
    if (stateName) { item.classList.add("is-" + stateName); }
    var state = item.querySelector(".photo-state");
    state.textContent = text || "";
    state.hidden = !text;
    item.querySelector(".photo-retry").hidden = stateName !== "failed";
  }

  function send(item) {
    markPhoto(item, "sending", messages.msgUploading);
    var data = new FormData();
    data.append("file", item.blob, item.fileName);
    data.append("photo_only", "true");
    return fetch(config.uploadUrl, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken() }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (response.status === 201 && body.uid) {
          var hidden = document.createElement("input");
          hidden.type = "hidden";
          hidden.name = "attachments";
          hidden.value = body.uid;
          item.appendChild(hidden);
          item.setAttribute("data-uid", body.uid);
          markPhoto(item, "", "");
          saveDraftSoon();
          return;
        }
        if (response.status === 422 && body.detail && body.detail[0]) {
          // Refused for what it is (not an image, too large): retrying would not help.
          markPhoto(item, "refused", "");
          setError("photos", body.detail[0].msg);
          return;
        }
        var loggedOut = response.status === 401 || response.status === 403 || response.redirected;
        markPhoto(item, "failed", "");
        setError("photos", loggedOut ? messages.msgLoggedOut : messages.msgUploadFailed);
      });
    }).catch(function () {
      markPhoto(item, "failed", "");
      setError("photos", messages.msgUploadFailed);
    });
  }

  /* Uploads go one after another: on a weak network, parallel ones would all be slow. */
  function enqueue(item) {
    var done = uploads.then(function () {
      return document.body.contains(item) ? send(item) : null;
    });
    uploads = done;
    pending.push(done);
    return done;
  }

  function addPhotos(files) {
    Array.prototype.forEach.call(files, function (file) {
      var item = photoItem();
      var base = (file.name || "photo").replace(/\.[^.]*$/, "");
      var prepared = shrink(file).then(function (blob) {
        item.blob = blob;
        item.fileName = blob === file ? file.name || "photo" : base + ".jpg";
        item.objectUrl = URL.createObjectURL(blob);
        item.querySelector("img").src = item.objectUrl;
      });
      pending.push(prepared);
      uploads = uploads.then(function () { return prepared; });
      enqueue(item);
    });
  }

  photoInputs.forEach(function (input) {
    input.addEventListener("change", function () {
      setError("photos", "");
      addPhotos(input.files);
      // The photos travel on their own; the form must not send them a second time.
      input.value = "";
    });
  });

  photoList.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button) { return; }
    var item = button.closest(".photo");
    if (button.hasAttribute("data-remove-photo")) {
      if (item.objectUrl) { URL.revokeObjectURL(item.objectUrl); }
      item.remove();
      renumberPhotos();
      setError("photos", "");
      saveDraftSoon();
    } else if (button.classList.contains("photo-retry")) {
      setError("photos", "");
      enqueue(item);
    }
  });

  function addSavedPhoto(uid) {
    var item = photoItem();
    var hidden = document.createElement("input");
    hidden.type = "hidden";
    hidden.name = "attachments";
    hidden.value = uid;
    item.appendChild(hidden);
    item.setAttribute("data-uid", uid);
    item.querySelector("img").src = config.fileUrl.replace("__uid__", encodeURIComponent(uid));
    markPhoto(item, "", "");
  }

  /* true when every photo on the form was sent (waiting for those still on their way). */
  function photosReady() {
    return Promise.all(pending).then(function () {
      pending = [];
      return photoItems().every(function (item) { return item.hasAttribute("data-uid"); });
    });
  }

  // --- The draft, kept in this tab across a reload ----------------------------------------
  var keyInput = form.querySelector("input[name=idempotency_key]");
  var draftNotice = byId("report-draft");
  var draftTimer = null;
  var filed = false;

  function draft() {
    var values = {
      key: keyInput.value,
      category: chosenRadio() ? chosenRadio().value : "",
      description: byId("id_description").value,
      lon: lonInput.value,
      lat: latInput.value,
      address: byId("id_address").value,
      resolve: resolveBox.checked,
      note: byId("id_note").value,
      reporterName: byId("id_reporter_name").value,
      reporterPhone: byId("id_reporter_phone").value,
      attachments: photoItems().map(function (item) { return item.getAttribute("data-uid"); })
        .filter(Boolean),
      attributes: {}
    };
    Array.prototype.forEach.call(form.querySelectorAll("[name^='attr-']"), function (input) {
      if ((input.type === "checkbox" || input.type === "radio")) {
        if (input.checked) { (values.attributes[input.name] = values.attributes[input.name] || []).push(input.value); }
      } else if (input.value) {
        values.attributes[input.name] = input.value;
      }
    });
    return values;
  }

  function saveDraft() {
    if (filed) { return; }
    try {
      window.sessionStorage.setItem(config.draftKey, JSON.stringify(draft()));
    } catch (error) { /* private mode or full: the form still works */ }
  }

  function saveDraftSoon() {
    window.clearTimeout(draftTimer);
    draftTimer = window.setTimeout(saveDraft, 300);
  }

  function forgetDraft() {
    try { window.sessionStorage.removeItem(config.draftKey); } catch (error) { /* ignore */ }
  }

  function restoreDraft() {
    var values = null;
    try { values = JSON.parse(window.sessionStorage.getItem(config.draftKey) || "null"); } catch (error) { values = null; }
    if (!values) { return false; }
    // A position alone is no draft: it is found again in a moment.
    var typed = values.category || values.description || values.address || values.note ||
      values.reporterName || values.reporterPhone || (values.attachments || []).length;
    if (!typed) { return false; }
    if (values.key) { keyInput.value = values.key; }
    radios.forEach(function (radio) { radio.checked = radio.value === values.category; });
    byId("id_description").value = values.description || "";
    lonInput.value = values.lon || "";
    latInput.value = values.lat || "";
    byId("id_address").value = values.address || "";
    byId("id_note").value = values.note || "";
    byId("id_reporter_name").value = values.reporterName || "";
    byId("id_reporter_phone").value = values.reporterPhone || "";
    resolveBox.checked = Boolean(values.resolve);
    Object.keys(values.attributes || {}).forEach(function (name) {
      var value = values.attributes[name];
      Array.prototype.forEach.call(form.querySelectorAll('[name="' + name + '"]'), function (input) {
        if (input.type === "checkbox" || input.type === "radio") {
          input.checked = [].concat(value).indexOf(input.value) !== -1;
        } else {
          input.value = value;
        }
      });
    });
    (values.attachments || []).forEach(addSavedPhoto);
    draftNotice.hidden = false;
    return true;
  }

  draftNotice.querySelector("[data-discard-draft]").addEventListener("click", function () {
    forgetDraft();
    window.location.replace(window.location.pathname);
  });
  form.addEventListener("input", saveDraftSoon);
  form.addEventListener("change", saveDraftSoon);

  // --- Sending ---------------------------------------------------------------------------
  var submitStatus = byId("submit-status");
  var sending = false;

  function showSubmitStatus(text) {
    submitStatus.textContent = text || "";
    submitStatus.hidden = !text;
  }

  function showErrors(errors) {
    var fields = Object.keys(errors);
    fields.forEach(function (field) { setError(field, errors[field]); });
    if (!errors.form) { showFormError(messages.msgCheckFields); }
    if (errors.category) { expandPicker(); }
    var first = ["category", "location", "address", "description", "photos", "resolve", "note"]
      .filter(function (field) { return errors[field]; })[0] ||
      fields.filter(function (field) { return field !== "form"; })[0];
    if (first) { focusField(first); } else { formError.scrollIntoView({ block: "center" }); }
  }

  function finish() {
    sending = false;
    submitButton.disabled = false;
    showSubmitStatus("");
  }

  function sendReport() {
    var data = new FormData(form);
    data.delete("photos");
    return fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-Requested-With": "fetch" }
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === -1) {
        // The login page (after a redirect) or the CSRF refusal: the session has ended.
        var loggedOut = response.redirected || response.status === 403;
        finish();
        showFormError(loggedOut ? messages.msgLoggedOut : messages.msgSendFailed);
        formError.scrollIntoView({ block: "center" });
        return;
      }
      return response.json().then(function (body) {
        if (response.ok && body.redirect) {
          filed = true;
          forgetDraft();
          window.location.assign(body.redirect);
          return;
        }
        finish();
        showErrors(body.errors || { form: messages.msgSendFailed });
      });
    }).catch(function () {
      finish();
      showFormError(messages.msgSendFailed);
      formError.scrollIntoView({ block: "center" });
    });
  }

  form.addEventListener("submit", function (event) {
    if (!window.fetch || !window.FormData || !FormData.prototype.delete) { return; }
    event.preventDefault();
    if (sending) { return; }
    sending = true;
    submitButton.disabled = true;
    clearErrors();
    saveDraft();
    showSubmitStatus(pending.length ? messages.msgPhotosPending : messages.msgSending);
    photosReady().then(function (ready) {
      if (!ready) {
        finish();
        showErrors({ photos: messages.msgPhotoNotSent });
        return;
      }
      showSubmitStatus(messages.msgSending);
      return sendReport();
    });
  });

  // Back to this page after it filed a case (the browser's page cache): start a new report,
  // with a new key, rather than offering the filed one again.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted && filed) { window.location.replace(window.location.pathname); }
  });

  // --- Start -----------------------------------------------------------------------------
  if (config.restoreDraft) { restoreDraft(); } else { saveDraft(); }
  filterCategories();
  categoryChanged();
  if (chosenRadio() && !form.querySelector('[data-error-for="category"]:not([hidden])')) {
    collapsePicker();
  }
  try {
    startMap();
  } catch (error) {
    mapElement.hidden = true;  // the form works without the map: coordinates and address
  }
  var point = currentPoint();
  if (point && (config.restoreDraft || gridBox.hidden)) { lookUp(point); }
  // Where the phone already lets this site know its position, use it straight away.
  if (!point && navigator.permissions && navigator.permissions.query && window.isSecureContext) {
    navigator.permissions.query({ name: "geolocation" }).then(function (status) {
      if (status.state === "granted" && !currentPoint()) { useMyPosition(); }
    }).catch(function () { /* not supported: the button is there */ });
  }
})();
