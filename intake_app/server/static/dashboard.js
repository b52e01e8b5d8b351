/* Tablero nacional: draws each chart from the JSON beside it, redraws a view when a
   filter changes (the filters stay in the address), and saves charts as PNG or SVG with
   their title and note put back (the page shows them around the chart).
   Everything it loads comes from this server: no CDN, no outside request. plotly's tool bar
   is off: its "share to cloud" button would post the chart to another host, and its other
   buttons are in English only; the downloads under each chart and the table beside it
   take its place.
   Filters: a choice made with the mouse applies at once; one made with the keyboard (arrow
   keys move through a list one value at a time) waits for Enter, "Aplicar", or the focus
   leaving the filters, so each step is neither drawn nor written to the audit log. */
(function () {
  "use strict";
  var config = {displayModeBar: false, showSendToCloud: false, displaylogo: false, responsive: true,
                scrollZoom: false};
  var figures = {};
  var keyboard = false, pending = false;

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
    var div = document.getElementById(btn.getAttribute("data-chart")), fig = figures[div.id], ex = fig.export;
    var height = (div.offsetHeight || fig.layout.height || 500) + ex.extra_top + ex.extra_bottom;
    var margin = Object.assign({}, fig.layout.margin, {t: fig.layout.margin.t + ex.extra_top,
                                                      b: fig.layout.margin.b + ex.extra_bottom});
    var layout = Object.assign({}, fig.layout, {title: ex.title, height: height, width: 1000, margin: margin,
                                                annotations: [ex.note]});
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

  function setPending(form, on) {
    pending = on;
    var note = form.querySelector("#filters-pending");
    if (note) { note.textContent = on ? note.getAttribute("data-text") : ""; }
  }

  /* Posts of the other country than the one chosen are not offered (the server refuses the pair). */
  function matchPosts(form) {
    var country = form.elements.country, post = form.elements.post;
    if (!country || !post) { return; }
    for (var i = 0; i < post.options.length; i++) {
      var opt = post.options[i], c = opt.getAttribute("data-country");
      var off = Boolean(c && country.value && c !== country.value);
      opt.hidden = off;
      opt.disabled = off;
      if (off && opt.selected) { post.value = ""; }
    }
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
        var ids = ["content", "lang-switch"].concat(push ? [] : ["filters"]);  // Back/Forward: the form too
        ids.forEach(function (id) {
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

  function apply(form) {
    setPending(form, false);
    keyboard = false;
    return swap(form.getAttribute("action") + queryOf(form), true);
  }

  function filterForm(el) {
    var form = el && (el.form || (el.closest && el.closest("form")));
    return form && form.id === "filters" ? form : null;
  }

  document.addEventListener("DOMContentLoaded", function () {
    drawCharts(document);
    document.addEventListener("click", download);
    document.addEventListener("pointerdown", function () { keyboard = false; }, true);
    document.addEventListener("keydown", function (e) {
      var form = filterForm(e.target);
      if (!form || e.target.tagName !== "SELECT") { return; }
      if (e.key === "Enter") {
        e.preventDefault();
        apply(form);
      } else if (["Tab", "Shift", "Escape", "Control", "Alt", "Meta"].indexOf(e.key) < 0) {
        keyboard = true;  // arrows, Home/End, Page keys, typing a value's first letters
      }
    });
    document.addEventListener("change", function (e) {
      var form = filterForm(e.target);
      if (!form) { return; }
      if (e.target.name === "country") { matchPosts(form); }
      if (keyboard) { setPending(form, true); } else { apply(form); }
    });
    document.addEventListener("submit", function (e) {
      var form = filterForm(e.target);
      if (!form) { return; }
      e.preventDefault();
      apply(form);
    });
    document.addEventListener("focusout", function (e) {
      var form = filterForm(e.target);
      if (form && pending && !(e.relatedTarget && form.contains(e.relatedTarget))) { apply(form); }
    });
    window.addEventListener("popstate", function () {
      pending = false;
      swap(window.location.href, false);
    });
  });
})();
