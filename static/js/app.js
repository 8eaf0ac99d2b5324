/* Small behaviours of every page, without inline JavaScript (the Content-Security-Policy allows scripts
   from this site only). Each works from a data attribute:
   - select[data-autosubmit]: submits its form on change (the language switch);
   - [data-print]: prints the page (the contact sheet);
   - [data-role=position] in a form: shows only the unit or the group field the chosen post needs
     (without JavaScript both are shown and the server checks). */
(function () {
  "use strict";

  function syncPosition(form) {
    var pos = form && form.querySelector("[data-role=position]");
    if (!pos) return;
    var opt = pos.options[pos.selectedIndex];
    var scope = opt ? (opt.getAttribute("data-scope") || "") : "";
    ["unit", "group"].forEach(function (name) {
      var wrap = form.querySelector("[data-field=" + name + "]");
      if (!wrap) return;
      var show = scope === name || !!wrap.querySelector(".is-invalid");
      wrap.hidden = !show;
      if (!show) { var sel = wrap.querySelector("select"); if (sel) sel.value = ""; }
    });
  }

  function syncAll() { document.querySelectorAll("form").forEach(syncPosition); }

  document.addEventListener("change", function (e) {
    var t = e.target;
    if (t.matches("select[data-autosubmit]") && t.form) t.form.submit();
    if (t.matches("[data-role=position]")) syncPosition(t.form);
  });
  document.addEventListener("click", function (e) {
    if (e.target.closest("[data-print]")) window.print();
  });
  document.addEventListener("DOMContentLoaded", syncAll);
  document.addEventListener("htmx:afterSettle", syncAll);
})();
