// Optional enhancements for the portal; every page works without them.
// - moves focus to the error summary so screen-reader and keyboard users land on it;
// - autosaves a page a few seconds after the last change (the server keeps invalid
//   values too, flagged), and keeps the page's revision up to date;
// - disables a submit button after the first click, against double submits.
(function () {
  "use strict";
  var summary = document.querySelector(".error-summary");
  if (summary) { summary.focus(); }

  document.querySelectorAll("form").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("button[data-once]").forEach(function (b) {
        setTimeout(function () { b.disabled = true; }, 0);
      });
    });
  });

  var form = document.querySelector("form.page-form[data-autosave=on]");
  if (!form || !window.fetch || !window.FormData) { return; }
  var status = form.querySelector(".autosave-status");
  var timer = null;
  var dirty = false;

  function save() {
    if (!dirty) { return; }
    dirty = false;
    var data = new FormData(form);
    data.set("action", "autosave");
    fetch(window.location.href, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (result) {
        if (result.status === "saved") {
          form.querySelector("input[name=revision]").value = result.revision;
          if (status) { status.textContent = "Automatisch opgeslagen om " + result.saved_at; }
        } else if (status) {
          status.textContent = "Niet automatisch opgeslagen: klik op Opslaan.";
        }
      })
      .catch(function () {
        dirty = true;
        if (status) { status.textContent = "Geen verbinding: je antwoorden zijn nog niet opgeslagen."; }
      });
  }

  form.addEventListener("input", function () {
    dirty = true;
    clearTimeout(timer);
    timer = setTimeout(save, 5000);
  });
  form.addEventListener("submit", function () { clearTimeout(timer); dirty = false; });
})();
