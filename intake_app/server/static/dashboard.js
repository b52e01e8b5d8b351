/* Tablero nacional: draws each chart from the JSON beside it, redraws a view when a
   filter changes (the filters stay in the address), and saves charts as PNG or SVG with
   their title put back (the page shows the title as the chart's heading).
   Everything it loads comes from this server: no CDN, no outside request. */
(function () {
  "use strict";
  var config = {displaylogo: false, responsive: true,
                modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d", "toImage"]};
  var figures = {};

  function drawCharts(root) {
    var boxes = root.querySelectorAll("[data-figure]");
    for (var i = 0; i < boxes.length; i++) {
      var div = boxes[i];
      var data = document.getElementById(div.getAttribute("data-figure"));
      if (!data || !window.Plotly) { continue; }
      var fig = JSON.parse(data.textContent);
      figures[div.id] = fig;
      window.Plotly.react(div, fig.data, fig.layout, config);
    }
    document.body.setAttribute("data-draws", String(Number(document.body.getAttribute("data-draws") || "0") + 1));
  }

  function download(event) {
    var btn = event.target.closest("[data-download]");
    if (!btn) { return; }
    var div = document.getElementById(btn.getAttribute("data-chart")), fig = figures[div.id];
    var extra = fig.export.extra_top, height = (div.offsetHeight || fig.layout.height || 500) + extra;
    var layout = Object.assign({}, fig.layout, {title: fig.export.title, height: height, width: 1000,
                               margin: Object.assign({}, fig.layout.margin, {t: fig.layout.margin.t + extra})});
    window.Plotly.downloadImage({data: fig.data, layout: layout}, {format: btn.getAttribute("data-download"),
                                width: 1000, height: height, filename: div.getAttribute("data-name")});
  }

  function queryOf(form) {
    var params = new URLSearchParams();
    var fd = new FormData(form);
    fd.forEach(function (value, key) { if (value) { params.append(key, value); } });
    var q = params.toString();
    return q ? "?" + q : "";
  }

  function swap(url, push) {
    document.body.setAttribute("aria-busy", "true");
    return fetch(url, {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (resp) {
        if (!resp.ok || resp.redirected) { throw new Error("reload"); }
        return resp.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        ["content", "lang-switch"].forEach(function (id) {
          var fresh = doc.getElementById(id), old = document.getElementById(id);
          if (fresh && old) { old.replaceWith(fresh); }
        });
        var nav = doc.querySelector("nav.views"), oldNav = document.querySelector("nav.views");
        if (nav && oldNav) { oldNav.replaceWith(nav); }
        document.title = doc.title;
        if (push) { history.pushState({}, "", url); }
        drawCharts(document);
        document.body.removeAttribute("aria-busy");
      })
      .catch(function () { window.location.href = url; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    drawCharts(document);
    document.addEventListener("click", download);
    var form = document.getElementById("filters");
    if (form) {
      form.addEventListener("change", function () { swap(form.getAttribute("action") + queryOf(form), true); });
      form.addEventListener("submit", function (e) {
        e.preventDefault();
        swap(form.getAttribute("action") + queryOf(form), true);
      });
    }
    window.addEventListener("popstate", function () { swap(window.location.href, false); });
  });
})();
