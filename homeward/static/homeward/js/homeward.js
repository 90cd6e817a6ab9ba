// Small progressive enhancements. Every page works without this file.
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }
  ready(function () {
    document.documentElement.classList.add("js");
    // Language menu: switch as soon as a language is chosen.
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
    // Error summary: move focus there so screen readers announce it.
    var summary = document.querySelector("[data-focus-on-load]");
    if (summary) { summary.focus(); }
    // Print buttons (letters, boards).
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
    // District list follows the chosen province.
    document.querySelectorAll("select[data-district-for]").forEach(function (district) {
      var province = document.getElementById(district.getAttribute("data-district-for").replace("id_", "id_person-")) ||
        document.getElementById(district.getAttribute("data-district-for"));
      if (!province || !window.htmx) { return; }
      province.addEventListener("change", function () {
        var url = "/places/districts/?province=" + encodeURIComponent(province.value);
        window.htmx.ajax("GET", url, { target: district, swap: "innerHTML" });
      });
    });
  });
})();
