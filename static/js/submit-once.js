/* 防重复提交（issue 16）：标有 data-submit-once 的表单提交后，提交按钮在发送期间不可再点。
   Another handler that takes the submit over (htmx) leaves the buttons alone; the back button
   (pageshow) makes them usable again. The server's submission token is the real guard. */
(function () {
  "use strict";
  function buttons(form) {
    return form.querySelectorAll("button[type=submit], input[type=submit], button:not([type])");
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-submit-once")) return;
    var submitter = event.submitter;
    // After every other handler ran, and after the browser took the form's values (the submitter's
    // name and value included): disabling earlier would drop them.
    setTimeout(function () {
      if (event.defaultPrevented) return;
      buttons(form).forEach(function (b) {
        b.disabled = true;
        b.setAttribute("aria-disabled", "true");
      });
      if (submitter && submitter.dataset.sending) {
        submitter.dataset.label = submitter.textContent;
        submitter.textContent = submitter.dataset.sending;
      }
    }, 0);
  });
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-submit-once]").forEach(function (form) {
      buttons(form).forEach(function (b) {
        b.disabled = false;
        b.removeAttribute("aria-disabled");
        if (b.dataset.label) b.textContent = b.dataset.label;
      });
    });
  });
})();
