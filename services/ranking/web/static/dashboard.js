// Draws the dashboard from /v1/dashboard and keeps it current without reloading the page.
// Every text goes in through textContent and every link through safeHref, so nothing an
// article carries can become markup or a script.
(function () {
  "use strict";
  var REFRESH_MS = 5000;
  var KINDS = { person: "People", org: "Organisations", place: "Places", topic: "Topics" };
  var WINDOW_NAMES = { "1h": "last hour", "24h": "last 24 hours", "7d": "last 7 days", today: "today" };
  var SERIES_UNIT = { "1h": "minute", "24h": "hour", "7d": "day", today: "hour" };
  var doc = JSON.parse(document.getElementById("dash-data").textContent);
  var current = doc.window;
  var timer = null;
  var refreshes = 0;
  var numbers = new Intl.NumberFormat();
  var times = new Intl.DateTimeFormat(undefined, {
    year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit",
    timeZoneName: "short"
  });
  var clock = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });

  function el(tag, attrs) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === null || value === undefined || value === false) return;
      if (name === "class") node.className = value; else node.setAttribute(name, String(value));
    });
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  // Only absolute http(s) URLs become links: javascript:, data: and the like stay text.
  function safeHref(url) {
    if (typeof url !== "string" || !/^https?:\/\//i.test(url.trim())) return null;
    try {
      var parsed = new URL(url.trim());
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
    } catch (e) {
      return null;
    }
  }

  function timeEl(iso) {
    var at = new Date(iso);
    if (isNaN(at.getTime())) return null;
    return el("time", { datetime: iso, title: iso }, times.format(at));
  }

  function spark(item) {
    if (!item.sparkline) return null;
    return el("img", {
      class: "spark", alt: "", width: 84, height: 22,
      title: "views per " + SERIES_UNIT[current] + ", " + WINDOW_NAMES[current],
      src: "data:image/svg+xml;charset=utf-8," + encodeURIComponent(item.sparkline)
    });
  }

  function versions(item) {
    var n = Number(item.versions);
    if (!(n > 1)) return null;
    return el("span", { class: "versions", title: n + " versions of this story, counted as one" },
      "+" + (n - 1) + (n === 2 ? " version" : " versions"));
  }

  function articleRow(item, showSection) {
    var href = safeHref(item.url);
    var title = el(href ? "a" : "span", {
      class: "headline", href: href, lang: item.language || null,
      rel: href ? "noopener noreferrer" : null
    }, item.headline || item.id);
    var meta = el("div", { class: "meta" },
      showSection && item.section ? el("span", { class: "section" }, item.section) : null,
      item.dateline ? el("span", { class: "dateline" }, item.dateline) : null,
      item.published_at ? timeEl(item.published_at) : null,
      versions(item));
    return el("li", { class: "row", "data-id": item.id },
      el("span", { class: "rank" }, item.rank),
      el("div", { class: "body" }, title, meta),
      el("div", { class: "views" }, spark(item), count(item.views)));
  }

  function count(views) {
    return el("span", { class: "count" }, el("strong", {}, numbers.format(views)), views === 1 ? "view" : "views");
  }

  function trendRow(item) {
    return el("li", { class: "row", "data-id": item.id },
      el("span", { class: "rank" }, item.rank),
      el("div", { class: "body" }, el("span", { class: "headline" }, item.headline || item.id)),
      el("div", { class: "views" }, count(item.views)));
  }

  function card(id, heading, sub, items, draw, extraClass, none) {
    var list = items.length
      ? el.apply(null, ["ol", { class: "list" }].concat(items.map(draw)))
      : el("p", { class: "empty" }, none || "No views in this window yet.");
    return el("section", { class: "card " + (extraClass || ""), id: id },
      el("h2", {}, heading, sub ? el("span", { class: "sub" }, sub) : null), list);
  }

  function drawStreams() {
    var box = document.getElementById("streams");
    if (!doc.streams) {
      box.replaceChildren(el("span", { class: "stream bad" }, "streams: Redis did not answer"));
      return;
    }
    box.replaceChildren.apply(box, doc.streams.map(function (s) {
      var state = s.dead_letters > 0 ? "bad" : (s.lag || 0) + s.pending > 0 ? "warn" : "ok";
      return el("span", { class: "stream " + state, "data-stream": s.stream },
        el("b", {}, s.stream),
        el("span", {}, "lag ", el("span", { class: "n" }, s.lag === null ? "–" : numbers.format(s.lag))),
        el("span", {}, "pending ", el("span", { class: "n" }, numbers.format(s.pending))),
        el("span", { class: "dead" }, "dead letters ", el("span", { class: "n" }, numbers.format(s.dead_letters))));
    }));
  }

  function draw() {
    var span = WINDOW_NAMES[doc.window];
    var ranking = card("ranking", "Access ranking", span, doc.ranking,
      function (item) { return articleRow(item, true); }, "lead");
    var side = el.apply(null, ["div", { class: "side" }].concat(doc.popular.map(function (p) {
      var c = card(null, "Popular in \u201c" + p.section + "\u201d", span, p.items,
        function (item) { return articleRow(item, false); }, "popular");
      c.setAttribute("data-section", p.section);
      return c;
    })));
    if (!doc.popular.length) side.append(el("p", { class: "empty" }, "No section has views in this window yet."));
    var trending = el.apply(null, ["div", { class: "trending" }].concat(Object.keys(KINDS).map(function (kind) {
      return card("trending-" + kind, "Trending " + KINDS[kind], span, doc.trending[kind] || [], trendRow,
        "", "Nothing read in this window yet.");
    })));
    document.getElementById("app").replaceChildren(ranking, side, trending);
    drawStreams();
    document.body.setAttribute("data-window", doc.window);
    document.querySelectorAll("nav.windows a").forEach(function (a) {
      if (a.getAttribute("data-window") === doc.window) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    });
  }

  function status(ok, text) {
    var box = document.getElementById("status");
    box.className = "status " + (ok ? "live" : "stale");
    document.getElementById("status-text").textContent = text;
  }

  function refresh() {
    clearTimeout(timer);
    var asked = current;
    var url = new URL("v1/dashboard", location.href);
    url.searchParams.set("window", asked);
    return fetch(url, { headers: { accept: "application/json" }, cache: "no-store" })
      .then(function (resp) {
        if (!resp.ok) throw new Error("HTTP " + resp.status);
        return resp.json();
      })
      .then(function (next) {
        if (asked !== current) return;  // the reader switched meanwhile: that fetch wins
        doc = next;
        draw();
        refreshes += 1;
        document.body.setAttribute("data-refreshes", String(refreshes));
        status(true, "live · updated " + clock.format(new Date()));
      })
      .catch(function (err) { status(false, "no answer (" + err.message + "), retrying"); })
      .then(function () { timer = setTimeout(tick, REFRESH_MS); });
  }

  function tick() {
    if (document.hidden) { timer = setTimeout(tick, REFRESH_MS); return; }
    refresh();
  }

  document.querySelectorAll("nav.windows a").forEach(function (a) {
    a.addEventListener("click", function (event) {
      event.preventDefault();
      current = a.getAttribute("data-window");
      history.replaceState(null, "", "?window=" + encodeURIComponent(current));
      refresh();
    });
  });
  document.addEventListener("visibilitychange", function () { if (!document.hidden) refresh(); });

  draw();
  status(true, "live · updated " + clock.format(new Date(doc.generated_at)));
  timer = setTimeout(tick, REFRESH_MS);
})();
