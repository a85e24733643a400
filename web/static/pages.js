// Small helps on the pages (no inline scripts: the CSP allows only files from this site).
// - [data-copy="#id"]: copy the text of #id to the clipboard and say so on the button.
// - [data-add-from="#input"][data-add-to="#textarea"]: add the picked firm as a new line.
(function () {
  "use strict";

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    try {
      document.execCommand("copy");
    } finally {
      document.body.removeChild(area);
    }
    return Promise.resolve();
  }

  document.addEventListener("click", function (event) {
    var copy = event.target.closest("[data-copy]");
    if (copy) {
      var source = document.querySelector(copy.getAttribute("data-copy"));
      if (!source) return;
      var label = copy.textContent;
      copyText(source.textContent.trim()).then(function () {
        copy.textContent = copy.getAttribute("data-done") || label;
        copy.setAttribute("data-copied", "true");
        window.setTimeout(function () { copy.textContent = label; }, 2500);
      });
      return;
    }
    var add = event.target.closest("[data-add-from]");
    if (add) {
      var input = document.querySelector(add.getAttribute("data-add-from"));
      var list = document.querySelector(add.getAttribute("data-add-to"));
      if (!input || !list || !input.value.trim()) return;
      var lines = list.value.split("\n").filter(function (l) { return l.trim(); });
      if (lines.indexOf(input.value.trim()) < 0) lines.push(input.value.trim());
      list.value = lines.join("\n");
      input.value = "";
      input.focus();
    }
  });

  // Enter in the "add firm" field adds the firm instead of sending the whole form.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter") return;
    var button = event.target.id && document.querySelector('[data-add-from="#' + event.target.id + '"]');
    if (button) {
      event.preventDefault();
      button.click();
    }
  });
})();
