// Progressive enhancement: "Copy" buttons next to permalinks and citations. Without this
// script the buttons stay hidden and the text remains selectable.
(function () {
  "use strict";
  if (!navigator.clipboard && !document.queryCommandSupported) { return; }

  function textOf(id) {
    var el = document.getElementById(id);
    if (!el) { return null; }
    return el.tagName === "A" ? el.href : el.textContent.trim();
  }

  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "visually-hidden";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok ? Promise.resolve() : Promise.reject(new Error("copy failed"));
  }

  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return fallbackCopy(text); });
    }
    return fallbackCopy(text);
  }

  function init() {
    var buttons = document.querySelectorAll("button.copy-button[data-copy-target]");
    Array.prototype.forEach.call(buttons, function (button) {
      var label = button.textContent;
      button.hidden = false;
      button.addEventListener("click", function () {
        var text = textOf(button.getAttribute("data-copy-target"));
        if (text === null) { return; }
        copy(text).then(function () {
          button.setAttribute("data-copied", "");
          button.textContent = "Copied";
          button.setAttribute("aria-live", "polite");
          window.setTimeout(function () {
            button.removeAttribute("data-copied");
            button.textContent = label;
          }, 2000);
        }, function () {
          button.textContent = "Select the text to copy";
        });
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
