/* Gradient Gallery: the gallery pages' view switch and sticky table head. Plain DOM, no
   framework, nothing loaded from elsewhere. */
(function () {
  "use strict";

  var KEY = "gradient-gallery-view";
  var OLD_KEY = "gradient-gallery-overlay";  /* "1" meant "maps over their input" */
  var VIEWS = ["maps", "overlay", "strong"];

  /* The layers of the overlay views, in each map's own box: the example's input under the map
     and the strong-pixels tile (drawn by the build beside the map's tile) over it. Added once,
     the first time an overlay view is chosen; cells without a map get nothing. */
  function addLayers(example) {
    if (example.hasAttribute("data-layers")) { return; }
    example.setAttribute("data-layers", "");
    var input = example.querySelector(".gg-input img");
    example.querySelectorAll(".gg-tile").forEach(function (tile) {
      var map = tile.querySelector("img");
      if (input) {
        var under = document.createElement("img");
        under.className = "gg-under off-glb";  // a tile, not a figure to zoom or size as one
        under.alt = "";
        under.loading = "lazy";
        under.src = input.src;
        tile.insertBefore(under, map);
      }
      var strong = document.createElement("img");
      strong.className = "gg-strong off-glb";
      strong.alt = tile.getAttribute("data-strong-alt") || "";
      strong.loading = "lazy";
      strong.src = new URL(tile.getAttribute("data-strong"), map.src).href;
      tile.appendChild(strong);
    });
  }

  function setUpViews(group) {
    var buttons = group.querySelectorAll(".gg-view");
    function apply(view) {
      if (view !== "maps") { document.querySelectorAll(".gg-example").forEach(addLayers); }
      VIEWS.forEach(function (name) {
        document.body.classList.toggle("gg-view-" + name, name === view && name !== "maps");
      });
      buttons.forEach(function (button) {
        button.setAttribute("aria-pressed", button.getAttribute("data-view") === view ? "true" : "false");
      });
    }
    buttons.forEach(function (button) {
      button.addEventListener("click", function () {
        var view = button.getAttribute("data-view");
        try { localStorage.setItem(KEY, view); } catch (e) { /* private mode */ }
        apply(view);
      });
    });
    group.hidden = false;
    var saved = null;
    try {
      saved = localStorage.getItem(KEY) || (localStorage.getItem(OLD_KEY) === "1" ? "overlay" : null);
    } catch (e) { /* private mode */ }
    if (VIEWS.indexOf(saved) > 0) { apply(saved); }
  }

  /* The sticky head's height, so that a deep link's row lands below it (extra.css). */
  function trackHeadHeight() {
    var head = document.querySelector(".gg-gallery thead");
    if (!head) { return; }
    function measure() {
      document.documentElement.style.setProperty("--gg-head-height", head.offsetHeight + "px");
    }
    measure();
    if (window.ResizeObserver) { new ResizeObserver(measure).observe(head); }
    var target = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (target && target.classList.contains("gg-example")) { target.scrollIntoView(); }
  }

  function start() {
    document.querySelectorAll(".gg-controls").forEach(setUpViews);
    trackHeadHeight();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
