// The little JavaScript the studio needs; htmx does the rest. No inline scripts (CSP).
(function () {
  "use strict";

  // Short messages from the server (HX-Trigger: {"toast": {...}}) appear in #messages.
  document.addEventListener("toast", function (event) {
    var box = document.getElementById("messages");
    if (!box) return;
    var note = document.createElement("div");
    note.className = "message message-" + (event.detail.level || "success");
    note.setAttribute("role", "status");
    note.textContent = event.detail.message;
    box.appendChild(note);
    setTimeout(function () { note.remove(); }, 5000);
  });

  // Esc in a row being edited restores it, like a spreadsheet.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var row = event.target.closest && event.target.closest("[data-inline-form]");
    var cancel = row && row.querySelector("[data-cancel]");
    if (cancel) {
      event.preventDefault();
      cancel.click();
    }
  });

  // Something that expires by itself (an undo offer): data-expires-in="seconds".
  function arm(root) {
    root.querySelectorAll("[data-expires-in]").forEach(function (el) {
      if (el.dataset.armed) return;
      el.dataset.armed = "1";
      setTimeout(function () { el.remove(); }, 1000 * Number(el.dataset.expiresIn));
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    arm(document);
    // Messages flashed with a page fade like toasts; errors stay until the next request.
    document.querySelectorAll("#messages .message:not(.message-error)").forEach(function (el) {
      setTimeout(function () { el.remove(); }, 6000);
    });
  });
  document.addEventListener("htmx:load", function (event) { arm(event.detail.elt.parentNode || document); });

  // Before the request leaves, drop old error messages so only current ones show.
  document.addEventListener("htmx:beforeRequest", function () {
    document.querySelectorAll("#messages .message-error").forEach(function (el) { el.remove(); });
  });

  // A network failure must not look like nothing happened.
  document.addEventListener("htmx:sendError", function () {
    document.dispatchEvent(new CustomEvent("toast", {
      detail: { message: "网络连接失败，内容未保存。请检查网络后重试。", level: "error" }
    }));
  });

  // A schedule row opens for editing when its editor clicks it, like a spreadsheet cell;
  // links and buttons inside the row keep their own meaning.
  document.addEventListener("click", function (event) {
    var row = event.target.closest && event.target.closest("tr[data-edit-url]");
    if (!row || event.target.closest("a, button, input, select, textarea, summary")) return;
    htmx.ajax("GET", row.dataset.editUrl, { target: row, swap: "outerHTML" });
  });

  // 取消 on a new row that was never saved: the row simply goes away.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-remove-row]");
    if (button) button.closest("tr").remove();
  });

  // Print buttons (the A4 views) without inline handlers.
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) window.print();
  });
})();
