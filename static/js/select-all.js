/* Select-all checkboxes, as progressive enhancement (no inline script, CSP `script-src 'self'`).
 *
 * <input type="checkbox" data-select-all="entry" hidden> in a form checks or clears every
 * checkbox named "entry" in the same form. It is hidden until this script shows it, so without
 * JavaScript nobody sees a box that does nothing. Works on content htmx swaps in later. */
(function () {
  "use strict";

  function rowBoxes(master) {
    var form = master.form || master.closest("form, table");
    if (!form) return [];
    var name = master.getAttribute("data-select-all");
    return Array.prototype.filter.call(
      form.querySelectorAll('input[type="checkbox"]'),
      function (box) { return box.name === name && !box.disabled; }
    );
  }

  function sync(master) {
    var boxes = rowBoxes(master);
    var checked = boxes.filter(function (box) { return box.checked; }).length;
    master.checked = boxes.length > 0 && checked === boxes.length;
    master.indeterminate = checked > 0 && checked < boxes.length;
  }

  function enhance(root) {
    var masters = (root.querySelectorAll ? root : document).querySelectorAll("input[data-select-all]");
    Array.prototype.forEach.call(masters, function (master) {
      master.hidden = false;
      sync(master);
    });
  }

  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!(box instanceof HTMLInputElement) || box.type !== "checkbox") return;
    if (box.hasAttribute("data-select-all")) {
      rowBoxes(box).forEach(function (row) { row.checked = box.checked; });
      return;
    }
    var scope = box.form || box.closest("table");
    if (!scope) return;
    Array.prototype.forEach.call(scope.querySelectorAll("input[data-select-all]"), function (master) {
      if (master.getAttribute("data-select-all") === box.name) sync(master);
    });
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  } else {
    enhance(document);
  }
  document.addEventListener("htmx:load", function (event) { enhance(event.target); });
})();
