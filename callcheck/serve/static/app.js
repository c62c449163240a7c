// callcheck serve: click-to-play, timeline seeking, review forms. No framework, no inline script.
(function () {
  "use strict";
  var player = document.getElementById("player");
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var stopAt = null;

  function playFrom(s, e) {
    if (!player) return;
    stopAt = (typeof e === "number" && e > s) ? e : null;
    var go = function () { player.currentTime = s; player.play().catch(function () {}); };
    if (player.readyState >= 1) { go(); } else {
      player.addEventListener("loadedmetadata", function once() { player.removeEventListener("loadedmetadata", once); go(); });
      player.load();
    }
  }

  document.addEventListener("click", function (ev) {
    var el = ev.target.closest("[data-s]");
    if (!el || !player) return;
    if (el.tagName === "A") return;
    ev.preventDefault();
    var s = parseFloat(el.getAttribute("data-s"));
    var e = el.hasAttribute("data-e") ? parseFloat(el.getAttribute("data-e")) : null;
    if (!isNaN(s)) playFrom(s, e);
  });

  var tl = document.getElementById("timeline");
  if (tl && player) {
    tl.addEventListener("click", function (ev) {
      if (ev.target.closest("a")) return;
      var r = tl.getBoundingClientRect();
      var vb = tl.viewBox.baseVal;
      var x = (ev.clientX - r.left) * vb.width / r.width;
      var left = parseFloat(tl.dataset.left), span = parseFloat(tl.dataset.span), dur = parseFloat(tl.dataset.duration);
      var t = Math.max(0, Math.min(dur, (x - left) / span * dur));
      playFrom(t, null);
    });
  }

  var words = Array.prototype.slice.call(document.querySelectorAll(".w[data-s]"));
  var times = words.map(function (w) { return parseFloat(w.getAttribute("data-s")); });
  var order = times.map(function (_, i) { return i; }).sort(function (a, b) { return times[a] - times[b]; });
  var current = null;
  function wordAt(t) {
    var lo = 0, hi = order.length - 1, best = -1;
    while (lo <= hi) { var mid = (lo + hi) >> 1; if (times[order[mid]] <= t) { best = mid; lo = mid + 1; } else { hi = mid - 1; } }
    return best < 0 ? null : words[order[best]];
  }
  if (player) {
    player.addEventListener("timeupdate", function () {
      var t = player.currentTime;
      if (stopAt !== null && t >= stopAt) { player.pause(); stopAt = null; }
      var w = wordAt(t + 0.01);
      if (w !== current) { if (current) current.classList.remove("now"); if (w) w.classList.add("now"); current = w; }
      var ph = document.getElementById("playhead");
      if (ph && tl) {
        var x = parseFloat(tl.dataset.left) + parseFloat(tl.dataset.span) * Math.min(1, t / parseFloat(tl.dataset.duration));
        ph.setAttribute("x1", x); ph.setAttribute("x2", x);
      }
    });
    var t0 = document.body.getAttribute("data-t0");
    if (t0) {
      var w0 = wordAt(parseFloat(t0) + 0.01);
      if (w0) { w0.classList.add("target"); w0.scrollIntoView({ block: "center" }); }
    }
  }

  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (!form.classList.contains("js-review")) return;
    var btn = ev.submitter;
    if (!btn || !btn.value) return;
    ev.preventDefault();
    var body = { verdict: btn.value, comment: (form.querySelector("textarea") || {}).value || "" };
    fetch(form.getAttribute("action"), {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf }, body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().then(function (j) { return { ok: r.ok, j: j }; });
    }).then(function (res) {
      var out = form.querySelector(".review-msg");
      if (!res.ok) { if (out) out.textContent = res.j.error || "error"; return; }
      window.location.reload();
    });
  });
})();
