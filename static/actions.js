// Actions on tasks, on every page (a file, not inline: the Content-Security-Policy allows
// no inline script). Without JavaScript everything still works: forms open from their
// <details> summary and submit without the extra question.
(function () {
  "use strict";

  // Verify and cancel ask once more before they are sent (on the task page and in lists):
  // a form with data-confirm="question" is submitted only if the user agrees.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form && form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  // A link to "#report" (the lists' "Gửi báo cáo") opens that form on the task page.
  function openFromHash() {
    if (!location.hash) {
      return;
    }
    var target = document.getElementById(location.hash.slice(1));
    var details = target && (target.tagName === "DETAILS" ? target : target.closest("details"));
    if (details) {
      details.open = true;
      var field = details.querySelector("textarea, input:not([type=hidden]), select");
      if (field) {
        field.focus();
      }
    }
  }

  // One action panel open at a time in the bar, so the page does not grow into a stack
  // of forms again.
  document.addEventListener(
    "toggle",
    function (event) {
      var opened = event.target;
      if (!opened.open || !opened.classList || !opened.classList.contains("act")) {
        return;
      }
      document.querySelectorAll("details.act[open]").forEach(function (other) {
        if (other !== opened) {
          other.open = false;
        }
      });
      var field = opened.querySelector("textarea, input:not([type=hidden]), select");
      if (field) {
        field.focus();
      }
    },
    true
  );

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", openFromHash);
  } else {
    openFromHash();
  }
  window.addEventListener("hashchange", openFromHash);
})();
