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

  // On a phone a data table is a stack of cards (app.css): each cell shows its column's name
  // from data-label. Cells a template did not label get their header's text here, also in
  // rows htmx swaps in later.
  function labelCells(table) {
    var head = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
    if (!head) return;
    var names = [];
    Array.prototype.forEach.call(head.cells, function (cell) {
      for (var i = 0; i < cell.colSpan; i++) names.push(cell.textContent.trim());
    });
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (row) {
        var column = 0;
        Array.prototype.forEach.call(row.cells, function (cell) {
          if (cell.tagName === "TD" && cell.colSpan === 1 && !cell.hasAttribute("data-label")) {
            cell.setAttribute("data-label", names[column] || "");
          }
          column += cell.colSpan;
        });
      });
    });
  }
  function labelTables(root) {
    var table = root.closest && root.closest("table.table");
    if (table) labelCells(table);
    if (root.querySelectorAll) root.querySelectorAll("table.table").forEach(labelCells);
  }
  document.addEventListener("DOMContentLoaded", function () { labelTables(document); });
  document.addEventListener("htmx:load", function (event) { labelTables(event.detail.elt); });

  // Details loaded into a [data-reveal] box (a dashboard bar, a suggestion in the list) come
  // into view and take the focus at their heading, so that a tap far above them is answered
  // where the eye, and a screen reader, are.
  document.addEventListener("htmx:afterSwap", function (event) {
    var box = event.detail.target;
    if (!box || !box.hasAttribute || !box.hasAttribute("data-reveal")) return;
    var heading = box.querySelector("h1, h2, h3") || box;
    if (!heading.hasAttribute("tabindex")) heading.setAttribute("tabindex", "-1");
    var top = box.getBoundingClientRect().top;
    if (top < 0 || top > window.innerHeight * 0.6) box.scrollIntoView({ block: "start" });
    heading.focus({ preventScroll: true });
  });

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

  // Copy buttons: data-copy="#id" copies that element's text (a receipt, a calendar address).
  // Without the clipboard (no HTTPS, an old browser) the text is selected for the user to copy.
  function selectText(el) {
    var range = document.createRange();
    range.selectNodeContents(el);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }
  function told(message, level) {
    document.dispatchEvent(new CustomEvent("toast", { detail: { message: message, level: level } }));
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy]");
    var source = button && document.querySelector(button.dataset.copy);
    if (!source) return;
    var text = source.textContent.trim();
    function fallback() {
      selectText(source);
      told("已选中，请按 Ctrl+C（手机上长按）复制。", "info");
    }
    if (!navigator.clipboard || !window.isSecureContext) return fallback();
    navigator.clipboard.writeText(text).then(function () { told("已复制", "success"); }, fallback);
  });

  // Print buttons (the A4 views) without inline handlers.
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) window.print();
  });
})();
