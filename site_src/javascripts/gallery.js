/* Gradient Gallery: the overlay switch of the gallery pages. Plain DOM, no framework, nothing
   loaded from elsewhere. */
(function () {
  "use strict";

  /* Overlay: every map cell of an example gets that example's input tile as its background,
     and the map is drawn half transparent over it. The choice is remembered. */
  function setUpOverlay(button) {
    var key = "gradient-gallery-overlay";
    function apply(on) {
      document.querySelectorAll(".gg-example").forEach(function (example) {
        var input = example.querySelector(".gg-input img");
        example.querySelectorAll(".gg-map").forEach(function (cell) {
          cell.style.backgroundImage = on && input ? "url(\"" + input.currentSrc + "\")" : "";
        });
      });
      document.body.classList.toggle("gg-overlay", on);
      button.setAttribute("aria-pressed", on ? "true" : "false");
      button.textContent = on ? "Show the maps alone" : "Show maps over their input";
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      var on = button.getAttribute("aria-pressed") !== "true";
      try { localStorage.setItem(key, on ? "1" : "0"); } catch (e) { /* private mode */ }
      apply(on);
    });
    var saved = null;
    try { saved = localStorage.getItem(key); } catch (e) { /* private mode */ }
    if (saved === "1") { apply(true); }
  }

  function start() {
    document.querySelectorAll(".gg-overlay-toggle").forEach(setUpOverlay);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
