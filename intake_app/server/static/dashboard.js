/* Tablero nacional: draws each chart from the JSON beside it, redraws a view when a
   filter changes (the filters stay in the address), and saves charts as PNG or SVG with
   their title and note put back (the page shows them around the chart).
   Everything it loads comes from this server: no CDN, no outside request. plotly's tool bar
   is off: its "share to cloud" button would post the chart to another host, and its other
   buttons are in English only; the downloads under each chart and the table beside it
   take its place.
   Filters: a choice made with the mouse applies at once; one made with the keyboard (arrow
   keys move through a list one value at a time) waits for Enter, "Aplicar", or the focus
   leaving the filters, so each step is neither drawn nor written to the audit log. Once the
   new figures are in, a live region (there before the swap) says so, with the filters now in
   force; only the content is marked busy meanwhile.
   A chart is one image for a screen reader (role=img, named): plotly's own SVG inside it is
   hidden from it. Printing redraws the charts at the paper's width, and back after.
   A chart too narrow for its words (a phone): each chart is drawn as the server wrote it, and
   only when one of its labels (a category name, a legend entry, a count) then runs past the
   chart's edge, or the counts under its bars had to be turned on end, is it drawn again with its
   "narrow" variant (charts.py: names on shorter lines, fewer counts under the bars, legend from
   the chart's left edge, the height those lines need). A wide screen sees the figure unchanged;
   a change of window width decides again. */
(function () {
  "use strict";
  var config = {displayModeBar: false, showSendToCloud: false, displaylogo: false, responsive: true,
                scrollZoom: false};
  var figures = {};
  var keyboard = false, pending = false;

  var LABELS = ".xtick text, .ytick text, .legendtext, .bartext, .textpoint text";

  /* Is the chart too narrow for its words: does a label run past the edge of its drawing (where
     the SVG cuts it), or, under bars, were the counts turned on end to fit? */
  function tooNarrow(div, fig) {
    var svg = div.querySelector(".main-svg");
    if (!svg) { return false; }
    var box = svg.getBoundingClientRect(), texts = div.querySelectorAll(LABELS);
    for (var i = 0; i < texts.length; i++) {
      var r = texts[i].getBoundingClientRect();
      if (r.width && (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 ||
                      r.bottom > box.bottom + 1)) { return true; }
    }
    var turned = /rotate\(\s*-?[1-9]/;
    return fig.data.length > 0 && fig.data[0].type === "bar" &&
      Array.prototype.some.call(div.querySelectorAll(".xtick text"), function (t) {
        return turned.test(t.getAttribute("transform") || "");
      });
  }

  function copy(value) { return JSON.parse(JSON.stringify(value)); }  // plotly writes into what it is given

  function narrowed(fig) {
    var n = fig.narrow, layout = Object.assign(copy(fig.layout), copy(n.layout));
    var data = copy(fig.data).map(function (trace, i) { trace.name = n.names[i]; return trace; });
    return {data: data, layout: layout};
  }

  /* Draws one chart as the server wrote it, then narrowed if a label would be cut. */
  function drawOne(div, fig) {
    div.setAttribute("data-width", String(div.clientWidth));
    return window.Plotly.react(div, copy(fig.data), copy(fig.layout), config).then(function () {
      div.removeAttribute("data-narrow");
      if (!fig.narrow || !tooNarrow(div, fig)) { return div; }
      var n = narrowed(fig);
      div.setAttribute("data-narrow", "yes");
      return window.Plotly.react(div, n.data, n.layout, config);
    }).then(function () { hideInner(div); });
  }

  function drawCharts(root) {
    var boxes = root.querySelectorAll("[data-figure]"), drawn = [];
    for (var i = 0; i < boxes.length; i++) {
      var div = boxes[i];
      var data = document.getElementById(div.getAttribute("data-figure"));
      if (!data || !window.Plotly) { continue; }
      var fig = JSON.parse(data.textContent);
      figures[div.id] = fig;
      drawn.push(drawOne(div, fig));
      var buttons = div.parentNode.querySelector(".downloads");
      if (buttons) { buttons.hidden = false; }
    }
    // counted once every chart is drawn as it stays (narrowed or not)
    var count = function () {
      document.body.setAttribute("data-draws", String(Number(document.body.getAttribute("data-draws") || "0") + 1));
    };
    Promise.all(drawn).then(count, count);
  }

  /* A new width (a phone turned, a window made wider): each chart whose width changed decides
     again; not while printing (forPrint sets the paper's width), nor for a change of height alone
     (a phone's address bar coming and going). */
  var resizing = null, printing = false;
  function redrawForWidth() {
    window.clearTimeout(resizing);
    resizing = window.setTimeout(function () {
      if (printing || !window.Plotly) { return; }
      for (var id in figures) {
        var div = document.getElementById(id);
        if (div && div.getAttribute("data-width") !== String(div.clientWidth)) { drawOne(div, figures[id]); }
      }
    }, 250);
  }

  function hideInner(div) {
    var inner = div.querySelectorAll(".svg-container");
    for (var i = 0; i < inner.length; i++) { inner[i].setAttribute("aria-hidden", "true"); }
    var tester = document.getElementById("js-plotly-tester");  // plotly's text-measuring SVG
    if (tester) { tester.setAttribute("aria-hidden", "true"); }
  }

  /* Printing: the page is laid out again at the paper's width before the browser lets a script
     measure it, and plotly's own resize waits a moment (too late), so each chart is drawn at once
     at the width a portrait A4 or Letter page leaves inside a block (7.1 in at 96 px an inch),
     and drawn again for the screen afterwards. */
  var PRINT_WIDTH = 680;

  function forPrint() {
    printing = true;
    if (!window.Plotly) { return; }
    for (var id in figures) {
      var div = document.getElementById(id);
      if (div) { window.Plotly.relayout(div, {width: PRINT_WIDTH}); }
    }
  }

  function afterPrint() {
    printing = false;
    if (!window.Plotly) { return; }
    for (var id in figures) {
      var div = document.getElementById(id);
      if (div) {
        window.Plotly.relayout(div, {width: null}).then(window.Plotly.Plots.resize);  // the screen's width again
      }
    }
  }

  function announce() {
    var region = document.getElementById("filters-done"), content = document.getElementById("content");
    if (!region || !content) { return; }
    var parts = [region.getAttribute("data-text")];
    var heading = content.querySelector("h1"), period = content.querySelector(".period");
    if (heading) { parts.push(heading.textContent.trim() + "."); }
    if (period) { parts.push(period.textContent.trim()); }
    region.textContent = "";  // the same words again (the same filters twice) are read again too
    window.setTimeout(function () { region.textContent = parts.join(" "); }, 50);
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
    var busy = document.getElementById("content");
    if (busy) { busy.setAttribute("aria-busy", "true"); }
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
        announce();
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
    window.addEventListener("resize", redrawForWidth);
    window.addEventListener("beforeprint", forPrint);
    window.addEventListener("afterprint", afterPrint);
    window.addEventListener("popstate", function () {
      pending = false;
      swap(window.location.href, false);
    });
  });
})();
