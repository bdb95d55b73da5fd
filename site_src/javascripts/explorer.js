/* Gradient Gallery: the explorer's sorting and filters. Plain DOM, no framework, nothing
   loaded from elsewhere. The page writes the filters (hidden until this script runs) and gives
   each row its classes, result and flags as data attributes. */
(function () {
  "use strict";

  var FILTERS = ["q", "show", "true", "predicted", "min", "max"];

  function cellValue(row, column) {
    var text = row.cells[column].textContent.trim();
    var number = parseFloat(text.replace(/[%#,]/g, ""));
    return isNaN(number) ? text.toLowerCase() : number;
  }

  /* The text box: a number finds the test indexes that start with it; words find the rows whose
     class names or flags contain them. */
  function matchesText(row, query) {
    if (!query) { return true; }
    if (/^\d+$/.test(query)) {
      return row.querySelector(".gg-index").textContent.trim().indexOf(query) === 0;
    }
    var words = ["gg-true-class", "gg-predicted-class", "gg-flags"].map(function (name) {
      var cell = row.querySelector("." + name);
      return cell ? cell.textContent.toLowerCase() : "";
    }).join(" | ");
    return words.indexOf(query) !== -1;
  }

  function kept(row, state) {
    var data = row.dataset;
    var confidence = parseFloat(row.querySelector(".gg-confidence").textContent);
    var min = parseFloat(state.min), max = parseFloat(state.max);
    return (state.show === "all" || (state.show === "flagged" ? data.flags !== "" : data.result === state.show)) &&
      (!state.true || data.true === state.true) &&
      (!state.predicted || data.predicted === state.predicted) &&
      (isNaN(min) || confidence >= min) && (isNaN(max) || confidence <= max) &&
      matchesText(row, state.q.trim().toLowerCase());
  }

  function setUpSorting(table) {
    var body = table.tBodies[0];
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (head, column) {
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
        Array.prototype.forEach.call(heads, function (other) { other.setAttribute("aria-sort", "none"); });
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

  function setUpExplorer(container) {
    var table = container.querySelector("table.gg-explorer-table");
    var form = container.querySelector("form.gg-explorer-controls");
    var status = container.querySelector(".gg-filter-status");
    if (!table || !table.tBodies.length || !form) { return; }
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);

    function state() {
      var values = {};
      FILTERS.forEach(function (name) { values[name] = form.elements[name].value; });
      return values;
    }

    function update() {
      var current = state();
      var shown = 0;
      rows.forEach(function (row) {
        row.hidden = !kept(row, current);
        if (!row.hidden) { shown += 1; }
      });
      status.textContent = shown + " of " + rows.length + " images";
      // The address keeps the filters that are set, so that a filtered list can be linked.
      var params = new URLSearchParams(window.location.search);
      FILTERS.forEach(function (name) {
        var value = current[name].trim();
        if (value && !(name === "show" && value === "all")) { params.set(name, value); } else { params.delete(name); }
      });
      var query = params.toString();
      history.replaceState(history.state, "", window.location.pathname + (query ? "?" + query : "") +
        window.location.hash);
    }

    // Read the filters back from the address; a value the page does not offer is ignored.
    var params = new URLSearchParams(window.location.search);
    FILTERS.forEach(function (name) {
      var field = form.elements[name], value = params.get(name);
      if (value === null) { return; }
      if (field.tagName === "SELECT") {
        if (Array.prototype.some.call(field.options, function (option) { return option.value === value; })) {
          field.value = value;
        }
      } else {
        field.value = value;
      }
    });
    form.addEventListener("input", update);
    form.addEventListener("change", update);
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    form.addEventListener("reset", function () { window.setTimeout(update, 0); });
    // Phones show the margin and the errors on demand (wide screens show every column).
    var more = form.querySelector(".gg-more");
    if (more) {
      more.addEventListener("click", function () {
        var shown = container.classList.toggle("gg-show-secondary");
        more.setAttribute("aria-pressed", String(shown));
        more.textContent = shown ? "Hide margin and errors" : "Show margin and errors";
      });
    }
    form.hidden = false;
    setUpSorting(table);
    update();
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
