/* The helpers' pages on a weak network: a visit is sent with fetch; when the network is down it
 * is kept in this browser (IndexedDB, photos included) and sent when the network returns. Each
 * visit carries a UUID made here, so a visit sent twice is stored once by the server. What is
 * waiting is shown in the "Waiting to be sent" box. A service worker keeps the list and the
 * visit forms for offline use where the browser allows one (https or localhost). */
(function () {
  "use strict";

  var DB_NAME = "wangge-canvass";
  var STORE = "visits";
  var RETRY_MS = 30000;
  var root = document.getElementById("canvass");
  if (!root) {
    return;
  }

  function newUuid() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" +
      hex.slice(16, 20) + "-" + hex.slice(20);
  }

  // --- the queue in IndexedDB -------------------------------------------------------------
  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = window.indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(STORE, { keyPath: "id" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function withStore(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var result = work(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); resolve(result && result.result); };
        tx.onerror = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function allQueued() {
    return withStore("readonly", function (store) { return store.getAll(); });
  }
  function putQueued(item) {
    return withStore("readwrite", function (store) { store.put(item); });
  }
  function removeQueued(id) {
    return withStore("readwrite", function (store) { store.delete(id); });
  }

  // --- the box of visits waiting to be sent -------------------------------------------------
  var box = document.getElementById("pending");
  var list = document.getElementById("pending-list");
  var countBadge = document.getElementById("pending-count");
  var offlineNote = document.getElementById("offline-note");

  function showNetwork() {
    if (offlineNote) {
      offlineNote.hidden = navigator.onLine;
    }
  }

  function render() {
    return allQueued().then(function (items) {
      items.sort(function (a, b) { return a.savedAt < b.savedAt ? -1 : 1; });
      box.hidden = items.length === 0;
      countBadge.textContent = String(items.length);
      list.textContent = "";
      items.forEach(function (item) {
        var li = document.createElement("li");
        li.className = "pending-item" + (item.error ? " refused" : "");
        li.setAttribute("data-visit", item.id);
        var strong = document.createElement("strong");
        strong.textContent = item.label;
        li.appendChild(strong);
        var meta = document.createElement("span");
        meta.className = "row-meta";
        meta.textContent = " " + new Date(item.savedAt).toLocaleString() + " " + box.getAttribute("data-saved");
        li.appendChild(meta);
        if (item.error) {
          var error = document.createElement("p");
          error.className = "field-error";
          error.textContent = box.getAttribute("data-failed") + " " + item.error;
          li.appendChild(error);
          var discard = document.createElement("button");
          discard.type = "button";
          discard.className = "small-button";
          discard.textContent = box.getAttribute("data-discard");
          discard.addEventListener("click", function () {
            removeQueued(item.id).then(render);
          });
          li.appendChild(discard);
        }
        list.appendChild(li);
      });
      return items;
    });
  }

  function csrfToken() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function post(url, data) {
    return window.fetch(url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrfToken() },
    });
  }

  function detailOf(response) {
    return response.json().then(function (body) {
      return body.detail || String(response.status);
    }, function () { return String(response.status); });
  }

  var syncing = false;
  function sync() {
    if (syncing || !navigator.onLine) {
      return Promise.resolve();
    }
    syncing = true;
    return allQueued().then(function (items) {
      var chain = Promise.resolve(true);
      items.filter(function (item) { return !item.error; }).forEach(function (item) {
        chain = chain.then(function (goOn) {
          if (!goOn) {
            return false;
          }
          var data = new FormData();
          item.entries.forEach(function (entry) {
            if (entry[0] === "csrfmiddlewaretoken") {
              data.append(entry[0], csrfToken() || entry[1]);
            } else {
              data.append(entry[0], entry[1]);
            }
          });
          return post(item.url, data).then(function (response) {
            if (response.ok) {
              return removeQueued(item.id).then(function () { return true; });
            }
            if (response.status >= 500 || response.status === 429) {
              return false; // the server is not ready: try again later
            }
            return detailOf(response).then(function (detail) {
              item.error = detail;
              return putQueued(item).then(function () { return true; });
            });
          }, function () { return false; });
        });
      });
      return chain;
    }).then(function () {
      syncing = false;
      return render();
    }, function () {
      syncing = false;
    });
  }

  // --- the visit form ---------------------------------------------------------------------
  var form = document.getElementById("visit-form");
  var statusLine = document.getElementById("visit-status");
  var formError = document.getElementById("visit-error");

  function clearErrors() {
    form.querySelectorAll(".field-error.from-script").forEach(function (node) { node.remove(); });
    form.querySelectorAll(".has-error").forEach(function (node) { node.classList.remove("has-error"); });
    formError.hidden = true;
    formError.textContent = "";
  }

  function showErrors(errors) {
    var first = null;
    Object.keys(errors).forEach(function (name) {
      var holder = form.querySelector('[data-field="' + name + '"]');
      if (!holder) {
        formError.hidden = false;
        formError.textContent += errors[name] + " ";
        first = first || formError;
        return;
      }
      holder.classList.add("has-error");
      var p = document.createElement("p");
      p.className = "field-error from-script";
      p.setAttribute("role", "alert");
      p.textContent = errors[name];
      holder.appendChild(p);
      var details = holder.closest("details");
      if (details) {
        details.open = true;
      }
      first = first || holder;
    });
    if (first) {
      first.scrollIntoView({ block: "center" });
    }
  }

  function freshVisit() {
    form.reset();
    form.querySelector("#client-uuid").value = newUuid();
    form.querySelector("#visited-at").value = "";
  }

  if (form) {
    // A page kept by the service worker may be opened twice: every visit gets its own UUID.
    if (!form.querySelector(".field-error") && !(formError && !formError.hidden)) {
      form.querySelector("#client-uuid").value = newUuid();
    }
    var button = document.getElementById("visit-submit");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      clearErrors();
      var timeField = form.querySelector("#visited-at");
      if (!timeField.value) {
        timeField.value = new Date().toISOString();
      }
      var data = new FormData(form);
      var label = form.getAttribute("data-label");
      button.disabled = true;
      statusLine.textContent = statusLine.getAttribute("data-sending");

      function keep() {
        var entries = [];
        data.forEach(function (value, name) {
          if (value instanceof File && !value.name && !value.size) {
            return; // an empty file input
          }
          entries.push([name, value]);
        });
        var item = {
          id: data.get("client_uuid"),
          url: form.action,
          label: label,
          savedAt: new Date().toISOString(),
          entries: entries,
          error: "",
        };
        return putQueued(item).then(function () {
          statusLine.textContent = statusLine.getAttribute("data-queued");
          freshVisit();
          button.disabled = false;
          return render();
        });
      }

      if (!navigator.onLine) {
        keep();
        return;
      }
      post(form.action, data).then(function (response) {
        if (response.ok) {
          return response.json().then(function (body) {
            window.location.assign(body.redirect);
          });
        }
        if (response.status >= 500 || response.status === 429) {
          return keep();
        }
        button.disabled = false;
        statusLine.textContent = "";
        return response.json().then(function (body) {
          showErrors(body.errors || { form: body.detail || String(response.status) });
        }, function () {
          showErrors({ form: String(response.status) });
        });
      }, keep);
    });
  }

  document.getElementById("pending-send").addEventListener("click", sync);
  window.addEventListener("online", function () { showNetwork(); sync(); });
  window.addEventListener("offline", showNetwork);
  window.setInterval(sync, RETRY_MS);
  showNetwork();
  render().then(sync);

  // --- the service worker -----------------------------------------------------------------
  if ("serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker.register(root.getAttribute("data-sw"), {
      scope: root.getAttribute("data-scope"),
    }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      // Keep the forms of the list for offline use (the first few still to visit).
      var links = Array.prototype.slice.call(document.querySelectorAll("a.target-link"), 0, 40);
      if (registration.active && links.length && navigator.onLine) {
        registration.active.postMessage({
          keep: links.map(function (a) { return a.href; }).concat([window.location.href]),
        });
      }
    }).catch(function () { /* without one the open page still keeps its visits */ });
  }
})();
