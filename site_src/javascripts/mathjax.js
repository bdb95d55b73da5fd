// MathJax configuration, loaded right before the MathJax files that the
// gradient-gallery-mathjax plugin copies into this site (nothing comes from another host).
// pymdownx.arithmatex (generic mode) wraps every formula of the Markdown in an element of
// class "arithmatex" holding \( … \) or \[ … \]: MathJax typesets those elements and
// ignores all other text, so a "$" in a class name or caption is never read as mathematics.
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
    // needs only the files the plugin vendors. Screen readers still get hidden MathML.
    enableMenu: false,
  },
};
