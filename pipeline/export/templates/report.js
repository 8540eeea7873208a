/* policyx report filters: inline, admitted by hash in the page's CSP. Reads its data
   from the JSON block (never innerHTML) and hides rows with the `hidden` attribute. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var kindSel = document.getElementById("filter-kind");
  var jurSel = document.getElementById("filter-jurisdiction");
  var count = document.getElementById("shown-count");

  function addOptions(select, values) {
    values.forEach(function (v) {
      var option = document.createElement("option");
      option.value = v;
      option.textContent = v;
      select.appendChild(option);
    });
  }

  function matches(el, kind, jur) {
    return (!kind || el.getAttribute("data-kind") === kind) &&
           (!jur || el.getAttribute("data-jurisdiction") === jur);
  }

  function apply() {
    var kind = kindSel.value, jur = jurSel.value, shown = 0;
    document.querySelectorAll("tr.cmp-row, li.src").forEach(function (el) {
      var ok = matches(el, kind, jur);
      el.hidden = !ok;
      if (ok && el.classList.contains("cmp-row")) { shown += 1; }
    });
    document.querySelectorAll("g.lane").forEach(function (el) {
      el.classList.toggle("dim", !matches(el, kind, jur));
    });
    document.querySelectorAll("section.indicator").forEach(function (sec) {
      var empty = !sec.querySelector("tr.cmp-row:not([hidden])");
      sec.hidden = empty;
      var entry = document.querySelector('.toc li[data-for="' + sec.id + '"]');
      if (entry) { entry.hidden = empty; }
    });
    document.querySelectorAll("section.doc-sources").forEach(function (sec) {
      sec.hidden = !sec.querySelector("li.src:not([hidden])");
    });
    count.textContent = shown + " / " + data.rows;
  }

  addOptions(kindSel, data.kinds);
  addOptions(jurSel, data.jurisdictions);
  kindSel.addEventListener("change", apply);
  jurSel.addEventListener("change", apply);
  apply();
})();
