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

  // The people picker (templates/schedule/_people_picker.html): the search lists matches from
  // the server (htmx); arrow keys move through them, Enter or a click chooses one, Esc closes
  // the list. A choice becomes a hidden input named like the field, so the form posts what a
  // select would.
  function pickerOf(el) { return el.closest && el.closest("[data-picker]"); }
  function pickerLabel(picker) { return picker.querySelector("label").textContent; }
  function pickerRemoveLabel(picker, text) { return "去掉" + pickerLabel(picker) + "：" + text; }
  // What every picker's search and chosen list do is said here once, not in each row form,
  // which travels on every edit: the markup names the search's URL (data-search).
  function pickerWire(root) {
    var searches = Array.prototype.slice.call(root.querySelectorAll(".picker-search[data-search]"));
    if (root.matches && root.matches(".picker-search[data-search]")) searches.push(root);
    searches.forEach(function (search) {
      var picker = pickerOf(search);
      var url = search.dataset.search;
      var listbox = search.id + "-listbox";
      var attributes = {
        "autocomplete": "off", "spellcheck": "false", "role": "combobox", "aria-expanded": "false",
        "aria-autocomplete": "list", "aria-controls": listbox,
        "hx-get": url + (url.indexOf("?") < 0 ? "?" : "&") + "for=" + encodeURIComponent(listbox),
        "hx-trigger": "input changed delay:200ms, focus once", "hx-target": "next .picker-results",
        // not the enclosing form's: a filter form swaps its results and pushes its URL
        "hx-swap": "innerHTML", "hx-sync": "this:replace", "hx-push-url": "false", "hx-params": "*"
      };
      Object.keys(attributes).forEach(function (name) { search.setAttribute(name, attributes[name]); });
      search.removeAttribute("data-search");
      htmx.process(search);
      if (!search.placeholder) {
        search.placeholder = (picker.hasAttribute("data-multiple") ? "添加：" : "查找：") + "姓名或拼音首字母";
      }
      var chosen = picker.querySelector(".picker-chosen");
      chosen.setAttribute("aria-label", "已选的" + pickerLabel(picker));
      chosen.setAttribute("aria-live", "polite");
      chosen.querySelectorAll("li").forEach(function (item) {
        item.querySelector("[data-picker-remove]").setAttribute("aria-label", pickerRemoveLabel(picker, item.querySelector("span").textContent));
      });
    });
  }
  htmx.onLoad(pickerWire);
  function pickerOptions(picker) {
    return Array.prototype.slice.call(picker.querySelectorAll("[role=option]"));
  }
  function pickerShow(picker, open) {
    var results = picker.querySelector(".picker-results");
    var search = picker.querySelector(".picker-search");
    open = open && results.childElementCount > 0;
    results.hidden = !open;
    search.setAttribute("aria-expanded", open && pickerOptions(picker).length ? "true" : "false");
  }
  function pickerMark(picker, option) {
    var search = picker.querySelector(".picker-search");
    pickerOptions(picker).forEach(function (o) { o.setAttribute("aria-selected", o === option ? "true" : "false"); });
    if (option) {
      search.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      search.removeAttribute("aria-activedescendant");
    }
  }
  // A choice made or taken away is the field's `change`, as a select's would be (a filter form
  // reloads on it); what is typed in the search is not the form's: its `change` stops here.
  function changed(picker) {
    picker.dispatchEvent(new Event("change", { bubbles: true }));
  }
  document.addEventListener("change", function (event) {
    if (event.target.classList && event.target.classList.contains("picker-search")) event.stopPropagation();
  }, true);
  function pickerChoose(picker, option) {
    var chosen = picker.querySelector(".picker-chosen");
    var name = picker.dataset.name;
    var search = picker.querySelector(".picker-search");
    var single = !picker.hasAttribute("data-multiple");
    if (single) {
      chosen.innerHTML = "";
      var empty = picker.querySelector("[data-picker-empty]");
      if (empty) empty.remove();
    }
    if (single || !chosen.querySelector("input[value='" + option.dataset.id + "']")) {
      var item = document.createElement("li");
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = option.dataset.id;
      var text = document.createElement("span");
      text.textContent = option.dataset.label;
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "picker-remove";
      remove.setAttribute("data-picker-remove", "");
      remove.setAttribute("aria-label", pickerRemoveLabel(picker, option.dataset.label));
      remove.textContent = "×";
      item.append(input, text, remove);
      chosen.appendChild(item);
    }
    changed(picker);
    search.value = "";
    picker.querySelector(".picker-results").innerHTML = "";
    pickerMark(picker, null);
    pickerShow(picker, false);
    search.focus();
  }
  document.addEventListener("keydown", function (event) {
    var picker = event.target.classList && event.target.classList.contains("picker-search") && pickerOf(event.target);
    if (!picker) return;
    var results = picker.querySelector(".picker-results");
    if (results.hasAttribute("data-stale")) {  // typed since the list came: wait for the new one
      if (["ArrowDown", "ArrowUp", "Enter"].indexOf(event.key) >= 0) event.preventDefault();
      if (event.key !== "Escape") return;
    }
    var options = pickerOptions(picker);
    var open = !results.hidden && options.length > 0;
    var current = picker.querySelector("[role=option][aria-selected=true]");
    var at = options.indexOf(current);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!options.length) return;
      pickerShow(picker, true);
      var step = event.key === "ArrowDown" ? 1 : -1;
      pickerMark(picker, options[(at + step + options.length) % options.length] || options[0]);
    } else if (event.key === "Enter" && open) {
      event.preventDefault();  // choosing, not saving the row
      var option = current || (options.length === 1 ? options[0] : null);
      if (option) pickerChoose(picker, option);
    } else if (event.key === "Escape" && !results.hidden) {
      event.preventDefault();  // closes the list; a second Esc cancels the row
      pickerShow(picker, false);
    }
  });
  document.addEventListener("mousedown", function (event) {
    if (event.target.closest && event.target.closest(".picker-results [role=option]")) event.preventDefault();
  });
  document.addEventListener("click", function (event) {
    var option = event.target.closest && event.target.closest(".picker-results [role=option]");
    if (option) return pickerChoose(pickerOf(option), option);
    var remove = event.target.closest && event.target.closest("[data-picker-remove]");
    if (!remove) return;
    var picker = pickerOf(remove);
    remove.closest("li").remove();
    if (!picker.hasAttribute("data-multiple") && !picker.querySelector(".picker-chosen input")) {
      var empty = document.createElement("input");
      empty.type = "hidden";
      empty.name = picker.dataset.name;
      empty.value = "";
      empty.setAttribute("data-picker-empty", "");
      picker.appendChild(empty);
    }
    changed(picker);
    picker.querySelector(".picker-search").focus();
  });
  document.addEventListener("input", function (event) {
    var picker = event.target.classList.contains("picker-search") && pickerOf(event.target);
    if (picker) picker.querySelector(".picker-results").setAttribute("data-stale", "");
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var picker = event.detail.target.classList.contains("picker-results") && pickerOf(event.detail.target);
    if (!picker) return;
    event.detail.target.removeAttribute("data-stale");
    pickerMark(picker, null);
    pickerShow(picker, picker.contains(document.activeElement));
  });
  document.addEventListener("focusin", function (event) {
    var picker = event.target.classList && event.target.classList.contains("picker-search") && pickerOf(event.target);
    if (picker) pickerShow(picker, true);
  });
  document.addEventListener("focusout", function (event) {
    var picker = pickerOf(event.target);
    if (picker && !picker.contains(event.relatedTarget)) pickerShow(picker, false);
  });

  // Esc in a row being edited restores it, like a spreadsheet.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || event.defaultPrevented) return;
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
  function labelCells(table, rows) {
    var head = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
    if (!head) return;
    var names = [];
    Array.prototype.forEach.call(head.cells, function (cell) {
      for (var i = 0; i < cell.colSpan; i++) names.push(cell.textContent.trim());
    });
    Array.prototype.forEach.call(rows, function (row) {
      var column = 0;
      Array.prototype.forEach.call(row.cells, function (cell) {
        if (cell.tagName === "TD" && cell.colSpan === 1 && !cell.hasAttribute("data-label")) {
          cell.setAttribute("data-label", names[column] || "");
        }
        column += cell.colSpan;
      });
    });
  }
  function bodyRows(table) {
    var rows = [];
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.push.apply(rows, body.rows);
    });
    return rows;
  }
  // Rows swapped into a table (a saved row, 更多's window): those rows only, not the whole
  // table again, so a row's save costs the same however long the table is.
  function labelTables(root) {
    var table = root.closest && root.closest("table.table");
    if (table && root !== table) {
      labelCells(table, root.tagName === "TR" ? [root] : root.querySelectorAll("tr"));
    } else if (table) {
      labelCells(table, bodyRows(table));
    }
    if (root.querySelectorAll) {
      root.querySelectorAll("table.table").forEach(function (t) { labelCells(t, bodyRows(t)); });
    }
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
