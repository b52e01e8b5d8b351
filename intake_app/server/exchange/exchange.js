// Import page: read the chosen package file, show its manifest, then import it on request.
// Served by the server itself (/exchange/static/exchange.js); nothing is fetched from outside.
(function () {
  "use strict";
  var input = document.getElementById("package-file");
  if (!input) { return; }
  var out = document.getElementById("manifest");
  var button = document.getElementById("import-button");
  var status = document.getElementById("import-status");
  var lang = document.documentElement.lang || "es";
  var bytes = null;
  function post(path) {
    return fetch(path + "?lang=" + lang, {method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/octet-stream"}, body: bytes}).then(function (r) { return r.json(); });
  }
  input.addEventListener("change", function () {
    var file = input.files[0];
    button.disabled = true;
    out.textContent = "";
    status.textContent = "";
    if (!file) { return; }
    file.arrayBuffer().then(function (buf) {
      bytes = buf;
      return post("/exchange/received/inspect");
    }).then(function (res) {
      if (!res.ok) { status.textContent = res.message; return; }
      var m = res.manifest, rows = [];
      Object.keys(m).forEach(function (k) {
        var v = Array.isArray(m[k]) ? m[k].join(", ") : String(m[k]);
        rows.push(k + ": " + v);
      });
      out.textContent = rows.join("\n");
      button.disabled = false;
    });
  });
  button.addEventListener("click", function () {
    button.disabled = true;
    post("/exchange/received/import").then(function (res) {
      status.textContent = res.message;
      if (res.ok) { setTimeout(function () { window.location.reload(); }, 1500); }
    });
  });
}());
