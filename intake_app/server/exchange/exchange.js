// Import page: read the chosen package file, show its manifest, then import it on request;
// packages page: a form marked data-confirm (cancel) asks first; a form is sent only once.
// Served by the server itself (/exchange/static/exchange.js); nothing is fetched from outside.
(function () {
  "use strict";
  // a form that undoes something (cancel a package) asks first
  Array.prototype.forEach.call(document.querySelectorAll("form[data-confirm]"), function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
  // a form sent once is not sent twice (a double click, a slow link): its button is disabled
  // once it goes; the server also answers a repeated form_token with the first result
  Array.prototype.forEach.call(document.querySelectorAll("form[method=post]"), function (form) {
    if (!form.querySelector("input[name=form_token]")) { return; }  // the download stays repeatable
    form.addEventListener("submit", function (event) {
      if (event.defaultPrevented) { return; }  // a cancel that was not confirmed
      Array.prototype.forEach.call(form.querySelectorAll("button[type=submit]"), function (b) {
        setTimeout(function () { b.setAttribute("data-sent", "1"); b.disabled = true; }, 0);
      });
    });
  });
  var input = document.getElementById("package-file");
  if (!input) { return; }
  var out = document.getElementById("manifest");
  var button = document.getElementById("import-button");
  var status = document.getElementById("import-status");
  var lang = document.documentElement.lang || "es";
  var bytes = null;
  function said(name) { return {ok: false, message: status.getAttribute("data-" + name)}; }
  // every answer is worded on the page: a refusal by the server's message; a file over the
  // size limit (413), a database down (503), any other failure or no answer at all (the
  // network) by the page's own words, since those answers carry a code, not a message
  function post(path) {
    return fetch(path + "?lang=" + lang, {method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/octet-stream"}, body: bytes}).then(function (r) {
      // a session that ran out is sent to the sign-in page: say so instead of failing silently
      if (r.redirected) { return said("expired"); }
      if (r.status === 413) { return said("too-large"); }
      if (r.status === 503) { return said("unavailable"); }
      if ((r.headers.get("Content-Type") || "").indexOf("json") < 0) {
        return said(r.ok ? "expired" : "failed");
      }
      return r.json().then(function (res) {
        return res && typeof res.ok === "boolean" && (res.ok || res.message) ? res : said("failed");
      }, function () { return said("failed"); });
    }, function () { return said("unreachable"); });
  }
  function cell(row, tag, text) {
    var c = document.createElement(tag);
    c.textContent = text;
    row.appendChild(c);
    return c;
  }
  function show(shown) {  // the manifest in words: institutions, kind, purpose, field labels
    var table = document.createElement("table"), body = document.createElement("tbody");
    shown.rows.forEach(function (r) {
      var tr = document.createElement("tr");
      cell(tr, "th", r[0]).setAttribute("scope", "row");
      cell(tr, "td", r[1]);
      body.appendChild(tr);
    });
    var tr = document.createElement("tr");
    cell(tr, "th", shown.fields_label).setAttribute("scope", "row");
    var td = document.createElement("td"), list = document.createElement("ul");
    shown.fields.forEach(function (f) { cell(list, "li", f); });
    if (shown.fields.length) { td.appendChild(list); }
    tr.appendChild(td);
    body.appendChild(tr);
    table.appendChild(body);
    out.appendChild(table);
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
      if (!res.ok) {  // nothing to import: the same file can be chosen again
        status.textContent = res.message;
        input.value = "";
        return;
      }
      show(res.shown);
      button.disabled = false;
    });
  });
  button.addEventListener("click", function () {
    button.disabled = true;
    post("/exchange/received/import").then(function (res) {
      status.textContent = res.message;
      if (res.ok) { setTimeout(function () { window.location.reload(); }, 1500); }
      else { button.disabled = false; }  // tried again once the cause is fixed (a replay stores nothing twice)
    });
  });
}());
