/* The canvass service worker (scope /campaigns/): the helper's list and the visit forms are
 * fetched from the network first and kept, so that they open without a network; static files
 * are kept too. Nothing else is kept, and a visit is never sent from here (the page's
 * own queue sends it, once). A page answered by the login page empties the cache: the account
 * has changed or signed out. */
"use strict";

var CACHE = "wangge-canvass-v1";
var PAGES = [/^\/campaigns\/\d+\/mine\/$/, /^\/campaigns\/targets\/\d+\/$/];

function isPage(url) {
  return PAGES.some(function (pattern) { return pattern.test(url.pathname); });
}

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

function keep(request, response) {
  if (response.redirected && new URL(response.url).pathname.indexOf("/accounts/login") === 0) {
    return caches.delete(CACHE).then(function () { return response; });
  }
  if (!response.ok || response.redirected) {
    return Promise.resolve(response);
  }
  var copy = response.clone();
  return caches.open(CACHE).then(function (cache) {
    return cache.put(request, copy);
  }).then(function () { return response; });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") {
    return;
  }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  var wanted = (request.mode === "navigate" && isPage(url)) || url.pathname.indexOf("/static/") === 0;
  if (!wanted) {
    return;
  }
  // Network first, so a change is seen at once; the kept copy only when there is no network.
  event.respondWith(
    fetch(request).then(function (response) {
      return keep(request, response);
    }, function () {
      return caches.match(request, { ignoreSearch: true, ignoreVary: true }).then(function (hit) {
        return hit || Response.error();
      });
    })
  );
});

self.addEventListener("message", function (event) {
  var urls = (event.data && event.data.keep) || [];
  event.waitUntil(
    caches.open(CACHE).then(function (cache) {
      return Promise.all(urls.map(function (href) {
        var url = new URL(href, self.location.origin);
        if (url.origin !== self.location.origin || !isPage(url)) {
          return null;
        }
        return cache.match(url.href).then(function (hit) {
          if (hit) {
            return null;
          }
          return fetch(url.href, { credentials: "same-origin" }).then(function (response) {
            return keep(new Request(url.href), response);
          }).catch(function () { return null; });
        });
      }));
    })
  );
});
