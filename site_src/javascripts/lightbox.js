// Click a figure to zoom it. Every image of the page's content that is not marked .off-glb
// (gallery tiles, colour bars, thumbnails) and not already a link is wrapped in a link that
// GLightbox opens, zoomable and draggable. The build copies GLightbox into
// assets/vendor/glightbox/ before the site engine runs; this script loads it on the first click
// on a figure (so a page's first load carries none of it), and nothing comes from another host
// or depends on an engine plugin.
(function () {
  "use strict";
  // This script's own address: GLightbox sits at ../assets/vendor/glightbox/ from it, on any page.
  var here = document.currentScript && document.currentScript.src;

  function vendored(name) {
    return new URL("../assets/vendor/glightbox/" + name, here).href;
  }

  function wrap(image) {
    var link = document.createElement("a");
    link.className = "gg-zoom";
    link.href = image.getAttribute("src");
    link.setAttribute("data-type", "image");
    // A figure drawn for each theme: each theme's variants form their own gallery, so the
    // lightbox never steps onto the hidden variant of the figure it shows.
    var variant = /#only-(light|dark)$/.exec(link.href);
    if (variant) { link.setAttribute("data-gallery", "figures-" + variant[1]); }
    image.parentNode.insertBefore(link, image);
    link.appendChild(image);
  }

  var loading = null;

  // GLightbox's stylesheet and script, once; resolves when the lightbox is set up.
  function loadLightbox() {
    if (loading) { return loading; }
    loading = new Promise(function (resolve) {
      var style = document.createElement("link");
      style.rel = "stylesheet";
      style.href = vendored("glightbox.min.css");
      document.head.appendChild(style);
      var script = document.createElement("script");
      script.src = vendored("glightbox.min.js");
      script.onload = function () {
        window.GLightbox({
          selector: ".gg-zoom", touchNavigation: true, loop: false, zoomable: true, draggable: true,
          openEffect: "zoom", closeEffect: "zoom", slideEffect: "slide",
        });
        resolve();
      };
      document.head.appendChild(script);
    });
    return loading;
  }

  // The first click on a figure loads the lightbox, then clicks the figure again; from then on
  // GLightbox's own handlers open it.
  function openOnFirstClick(event) {
    var link = event.target.closest && event.target.closest("a.gg-zoom");
    if (!link || window.GLightbox) { return; }
    event.preventDefault();
    event.stopPropagation();
    loadLightbox().then(function () { link.click(); });
  }

  function setUp() {
    var images = Array.prototype.filter.call(
      document.querySelectorAll(".md-content img:not(.off-glb)"),
      function (image) { return image.getAttribute("src") && !image.closest("a"); });
    if (!here || images.length === 0) { return; }
    images.forEach(wrap);
    document.addEventListener("click", openOnFirstClick, true);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
