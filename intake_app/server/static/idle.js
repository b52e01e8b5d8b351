/* Both sites (tablero and supervisión): a warning before a signed-in session ends for lack of
   activity, with a way to keep it (WCAG 2.2.1, Timing Adjustable). The server puts the idle
   length on <body data-idle-seconds data-idle-area> and the warning's words, hidden, in
   <dialog id="idle-warning">. A little before the deadline (2 minutes, half the idle length
   when it is shorter) the script asks the server how long is really left (GET <area>/session,
   which extends nothing: another tab, or the page's own requests, may have kept the session),
   and opens the warning only when the end is that near. «Seguir trabajando» (or Escape)
   extends it (POST <area>/session). When the time is up and the server agrees, the page goes
   to the sign-in page, which says the session ended. Without JavaScript nothing changes. */
(function () {
  "use strict";
  var body = document.body;
  var idle = Number(body.getAttribute("data-idle-seconds"));
  var area = body.getAttribute("data-idle-area");
  var dialog = document.getElementById("idle-warning");
  if (!(idle > 0) || !area || !dialog) { return; }
  var lead = Math.min(120, idle / 2);  // seconds of warning: 20 s or more for any idle length of 40 s or more
  var part = function (name) { return dialog.querySelector('[data-idle="' + name + '"]'); };
  var keep = part("keep"), close = part("close"), left = part("left"), failed = part("failed");
  var deadline = Date.now() + idle * 1000;  // when the session ends, as the server last said
  var timer = null, ticker = null, returnFocus = null, final = false, dismissed = false;

  function ask(method) {
    // no session any more: the server answers as for every page, with the way to the sign-in page
    return fetch(area + "/session", {method: method, credentials: "same-origin", cache: "no-store",
                                     redirect: "manual", headers: {"Accept": "application/json"}})
      .then(function (r) {
        if (r.type === "opaqueredirect") { return {status: 303, remaining: 0}; }
        return r.json().then(function (data) { return {status: r.status, remaining: Number(data.remaining) || 0}; });
      });
  }

  function signIn() {
    var lang = document.documentElement.lang === "en" ? "&lang=en" : "";
    window.location.assign(area + "/login?next=" + encodeURIComponent(location.pathname + location.search) + lang);
  }

  function later(fn, seconds) {
    window.clearTimeout(timer);
    timer = window.setTimeout(fn, Math.max(0, seconds) * 1000);
  }

  function secondsLeft() { return Math.max(0, (deadline - Date.now()) / 1000); }

  // the server said `remaining` seconds are left: warn now, or ask again shortly before the end
  function plan(remaining, extended) {
    deadline = Date.now() + remaining * 1000;
    if (remaining > lead + 1) {
      hide();
      later(check, remaining - lead);
      return;
    }
    if (extended) { final = true; }  // extended, and still no longer: the maximum length is near
    show();
    later(atDeadline, remaining + 0.5);
  }

  function check() {
    ask("GET").then(function (r) {
      if (r.status !== 200 || r.remaining <= 0) { signIn(); } else { plan(r.remaining, false); }
    }, function () { plan(secondsLeft(), false); });  // no answer: trust the last deadline
  }

  function atDeadline() {
    ask("GET").then(function (r) {
      if (r.status === 200 && r.remaining > 0) { plan(r.remaining, false); } else { signIn(); }
    }, signIn);
  }

  function extend() {
    if (final) { return; }
    keep.disabled = true;
    failed.textContent = "";
    ask("POST").then(function (r) {
      keep.disabled = false;
      if (r.status === 200 && r.remaining > 0) { plan(r.remaining, true); } else { signIn(); }
    }, function () {
      keep.disabled = false;
      failed.textContent = failed.getAttribute("data-text");
    });
  }

  function mmss(seconds) {
    var s = Math.ceil(seconds);
    return Math.floor(s / 60) + ":" + ("0" + (s % 60)).slice(-2);
  }

  function show() {
    if (dismissed) { return; }  // the notice of the maximum length, read and closed
    left.textContent = mmss(secondsLeft());
    if (!ticker) { ticker = window.setInterval(function () { left.textContent = mmss(secondsLeft()); }, 1000); }
    part("soon").hidden = final;
    part("final").hidden = !final;
    keep.hidden = final;
    close.hidden = !final;
    if (dialog.open) {
      if (final && document.activeElement === keep) { close.focus(); }
      return;
    }
    returnFocus = document.activeElement;
    dialog.hidden = false;
    if (typeof dialog.showModal === "function") { dialog.showModal(); } else { dialog.setAttribute("open", ""); }
    (final ? close : keep).focus();
  }

  function hide() {
    window.clearInterval(ticker);
    ticker = null;
    failed.textContent = "";
    if (!dialog.open && dialog.hidden) { return; }
    if (typeof dialog.close === "function" && dialog.open) { dialog.close(); } else { dialog.removeAttribute("open"); }
    dialog.hidden = true;
    if (returnFocus && document.contains(returnFocus) && typeof returnFocus.focus === "function") {
      returnFocus.focus();
    }
    returnFocus = null;
  }

  keep.addEventListener("click", extend);
  close.addEventListener("click", function () { dismissed = true; hide(); });
  // Escape: the person is there, so it keeps the session (a dialog closed with nothing done
  // would leave them to be signed out without a word); at the maximum length it closes the notice
  dialog.addEventListener("cancel", function (e) {
    e.preventDefault();
    if (final) { dismissed = true; hide(); } else { extend(); }
  });
  // a tab in the background (or a laptop that slept) runs its timers late: look again on return
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && secondsLeft() <= lead + 1) { check(); }
  });
  // at load the server has just slid the deadline, or did so less than 30 s ago (auth.authenticate)
  later(check, Math.max(1, idle - 30 - lead));
})();
