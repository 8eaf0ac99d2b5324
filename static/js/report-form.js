/* 边填边校验：htmx 把整张表单连同错误和研判预览换成服务器的版本。请求在路上时用户又改动的内容，
   换回后照样保留（与发出请求时相比有变化的项，以用户当前输入为准）；焦点由 htmx 按 id 保留。 */
(function () {
  var sent = null, current = null;
  function snapshot() {
    var form = document.getElementById("report-form"), s = {};
    if (!form) return s;
    form.querySelectorAll("input, select, textarea").forEach(function (el) {
      if (!el.id) return;
      s[el.id] = (el.type === "checkbox" || el.type === "radio") ? el.checked : el.value;
    });
    return s;
  }
  document.addEventListener("htmx:beforeRequest", function (e) {
    if (e.target.closest && e.target.closest("#report-form")) sent = snapshot();
  });
  document.addEventListener("htmx:beforeSwap", function (e) {
    if (sent && e.detail.target && e.detail.target.id === "report") current = snapshot();
  });
  document.addEventListener("htmx:afterSwap", function () {
    if (!sent || !current) return;
    Object.keys(current).forEach(function (id) {
      if (current[id] === sent[id]) return;
      var el = document.getElementById(id);
      if (!el) return;
      if (el.type === "checkbox" || el.type === "radio") el.checked = current[id]; else el.value = current[id];
    });
    sent = current = null;
  });
  /* “现在”：填入本机当前时间（北京时间），并触发校验。 */
  document.addEventListener("click", function (e) {
    var b = e.target.closest ? e.target.closest("[data-now-for]") : null;
    if (!b) return;
    var el = document.getElementById(b.getAttribute("data-now-for"));
    if (!el) return;
    var d = new Date(), p = function (n) { return String(n).padStart(2, "0"); };
    el.value = d.getFullYear() + "-" + p(d.getMonth() + 1) + "-" + p(d.getDate()) + "T" + p(d.getHours()) + ":" + p(d.getMinutes());
    el.dispatchEvent(new Event("change", { bubbles: true }));
  });
})();
