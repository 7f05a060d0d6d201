/*
 * What the console's pages share (the staff console, its login and the knowledge admin):
 * building elements with textContent only, reading values defensively, and the one JSON
 * request helper (same-origin cookie, JSON bodies for state-changing calls, network
 * failure as status 0). Loaded before console.js or admin.js; exposes window.GongyouCommon.
 */
(function () {
  "use strict";

  var DIGITS = "零一二三四五六七八九";

  function ApiError(status, message) {
    this.status = status;
    this.message = message;
  }

  function asList(value) {
    return Array.isArray(value) ? value : [];
  }

  function asText(value) {
    return typeof value === "string" ? value : value === undefined || value === null ? "" : String(value);
  }

  function byId(id) {
    return document.getElementById(id);
  }

  function chineseNumber(n) {
    if (typeof n !== "number" || n !== Math.floor(n) || n < 1 || n > 99) {
      return asText(n);
    }
    if (n < 10) {
      return DIGITS.charAt(n);
    }
    var tens = Math.floor(n / 10);
    var ones = n % 10;
    return (tens > 1 ? DIGITS.charAt(tens) : "") + "十" + (ones ? DIGITS.charAt(ones) : "");
  }

  function clear(node) {
    while (node.firstChild) {
      node.removeChild(node.firstChild);
    }
  }

  function detailOf(result, fallback) {
    var detail = result.data && result.data.detail;
    return typeof detail === "string" && detail ? detail : fallback;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined && text !== null) {
      node.textContent = String(text);
    }
    return node;
  }

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function request(method, path, body) {
    var init = {
      method: method,
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      cache: "no-store",
    };
    if (method !== "GET") {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body || {});
    }
    return fetch(path, init).then(
      function (response) {
        return response.text().then(function (raw) {
          var data = null;
          try {
            data = raw ? JSON.parse(raw) : null;
          } catch (e) {
            data = null;
          }
          return { status: response.status, ok: response.ok, data: data };
        });
      },
      function () {
        return { status: 0, ok: false, data: null };
      },
    );
  }

  window.GongyouCommon = {
    ApiError: ApiError,
    asList: asList,
    asText: asText,
    byId: byId,
    chineseNumber: chineseNumber,
    clear: clear,
    detailOf: detailOf,
    el: el,
    pad: pad,
    request: request,
  };
})();
