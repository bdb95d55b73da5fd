/* Gradient Gallery: the explorer's sorting and filtering. Plain DOM, no framework, nothing
   loaded from elsewhere. */
(function () {
  "use strict";

  /* Explorer: click a column head to sort (numbers as numbers, largest first; text A to Z),
     type to filter, choose all images, the mistakes, the correct ones or the flagged ones. */
  function cellValue(row, column) {
    var text = row.cells[column].textContent.trim();
    var number = parseFloat(text.replace(/[%#,]/g, ""));
    return isNaN(number) ? text.toLowerCase() : number;
  }

  function setUpExplorer(container) {
    var table = container.querySelector("table");
    if (!table || !table.tBodies.length) { return; }
    var body = table.tBodies[0];
    var filter = document.createElement("input");
    filter.type = "search";
    filter.className = "gg-filter md-input";
    filter.placeholder = "Filter: test index, class, mistake…";
    filter.setAttribute("aria-label", "Filter the table");
    var heads = Array.prototype.map.call(table.tHead.rows[0].cells, function (head) {
      return head.textContent.trim();
    });
    var resultColumn = heads.indexOf("Result");
    var flagsColumn = heads.indexOf("Flags");
    var show = document.createElement("select");
    show.className = "gg-show md-input";
    show.setAttribute("aria-label", "Which images to list");
    var options = [["all", "All images"], ["mistake", "Mistakes only"], ["correct", "Correct only"]];
    if (flagsColumn >= 0) { options.push(["flagged", "Flagged only"]); }
    options.forEach(function (option) {
      var element = document.createElement("option");
      element.value = option[0];
      element.textContent = option[1];
      show.appendChild(element);
    });
    var controls = document.createElement("div");
    controls.className = "gg-explorer-controls";
    controls.appendChild(filter);
    controls.appendChild(show);
    var status = document.createElement("p");
    status.className = "gg-filter-status";
    status.setAttribute("aria-live", "polite");
    container.insertBefore(status, container.firstChild);
    container.insertBefore(controls, status);

    function update() {
      var query = filter.value.trim().toLowerCase();
      var shown = 0;
      Array.prototype.forEach.call(body.rows, function (row) {
        var kept = show.value === "all" ||
          (show.value === "flagged" ? row.cells[flagsColumn].textContent.trim() !== "" :
            resultColumn < 0 || row.cells[resultColumn].textContent.trim() === show.value);
        var match = (!query || row.textContent.toLowerCase().indexOf(query) !== -1) && kept;
        row.hidden = !match;
        if (match) { shown += 1; }
      });
      status.textContent = shown + " of " + body.rows.length + " images";
    }
    filter.addEventListener("input", update);
    show.addEventListener("change", update);
    var params = new URLSearchParams(window.location.search);
    // ?q=TEXT opens the table filtered; so does the site search's highlight term (?h=TEXT), if any.
    if (params.get("q") || params.get("h")) { filter.value = params.get("q") || params.get("h"); }
    if (["mistake", "correct", "flagged"].indexOf(params.get("show")) !== -1 &&
        show.querySelector("option[value=\"" + params.get("show") + "\"]")) { show.value = params.get("show"); }
    update();

    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (head, column) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "gg-sort";
      while (head.firstChild) { button.appendChild(head.firstChild); }
      head.appendChild(button);
      head.setAttribute("aria-sort", "none");
      button.addEventListener("click", function () {
        var state = head.getAttribute("aria-sort");
        var numeric = body.rows.length > 0 && typeof cellValue(body.rows[0], column) === "number";
        var ascending = state === "none" ? !numeric : state === "descending";
        Array.prototype.forEach.call(table.tHead.rows[0].cells, function (other) {
          other.setAttribute("aria-sort", "none");
        });
        head.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellValue(a, column), y = cellValue(b, column);
          var order = typeof x === typeof y ? (x < y ? -1 : x > y ? 1 : 0) : (typeof x === "number" ? -1 : 1);
          return ascending ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  }

  function start() {
    document.querySelectorAll(".gg-explorer").forEach(setUpExplorer);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
