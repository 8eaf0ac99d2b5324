/* Small behaviours of every page, without inline JavaScript (the Content-Security-Policy allows scripts
   from this site only). Each works from a data attribute:
   - select[data-autosubmit]: submits its form on change (the language switch);
   - [data-print]: prints the page (the contact sheet);
   - [data-role=position] in a form: shows only the unit or the group field the chosen post needs
     (without JavaScript both are shown and the server checks);
   - [data-poll]: an htmx poll that does not ask while the tab is hidden; when the tab becomes visible
     again the document gets a "poll-visible" event (the polls that refresh then listen for it:
     hx-trigger="every 60s, poll-visible from:document"). htmx's trigger filters would need eval. */
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
  document.addEventListener("htmx:beforeRequest", function (e) {
    var elt = e.detail && e.detail.elt;
    if (elt && elt.hasAttribute && elt.hasAttribute("data-poll") && document.visibilityState !== "visible") {
      e.preventDefault();
    }
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") document.dispatchEvent(new CustomEvent("poll-visible"));
  });
  document.addEventListener("DOMContentLoaded", syncAll);
  document.addEventListener("htmx:afterSettle", syncAll);
})();
