// MathJax for the pages that hold formulas, from this site only (nothing comes from another host).
// pymdownx.arithmatex (generic mode) wraps every formula of the Markdown in an element of
// class "arithmatex" holding \( … \) or \[ … \]: MathJax typesets those elements and
// ignores all other text, so a "$" in a class name or caption is never read as mathematics.
// The build copies MathJax into assets/vendor/mathjax/ before the site engine runs; this script
// loads it only when the page has such an element, so gallery pages download no MathJax at all.
(function () {
  "use strict";
  // This script's own address: MathJax sits at ../assets/vendor/mathjax/ from it, on any page.
  var here = document.currentScript && document.currentScript.src;

  window.MathJax = {
    tex: {
      inlineMath: [["\\(", "\\)"]],
      displayMath: [["\\[", "\\]"]],
      processEscapes: true,
      processEnvironments: true,
    },
    options: {
      ignoreHtmlClass: ".*|",
      processHtmlClass: "arithmatex",
      // The context menu would load accessibility extensions on demand; without it MathJax
      // needs only the vendored files. Screen readers still get hidden MathML.
      enableMenu: false,
    },
  };

  function loadMathJax() {
    if (!here || !document.querySelector(".arithmatex") || document.getElementById("MathJax-script")) { return; }
    var script = document.createElement("script");
    script.id = "MathJax-script";
    script.async = true;
    script.src = new URL("../assets/vendor/mathjax/tex-mml-chtml.js", here).href;
    document.head.appendChild(script);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", loadMathJax);
  } else {
    loadMathJax();
  }
})();
