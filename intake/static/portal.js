// Optional enhancements for the portal; every page works without them.
// - moves focus to the error summary so screen-reader and keyboard users land on it;
// - autosaves a page a few seconds after the last change (the server keeps invalid
//   values too, flagged), and keeps the page's revision up to date;
// - keeps what was typed in this browser (sessionStorage, per respondent and page)
//   until a save succeeds, and offers it back when the page is opened again without
//   it, with the revision it was typed on, so a colleague's later edit still shows
//   up as a conflict instead of being overwritten;
// - disables a submit button after the first click, against double submits;
// - shows the text field of "other" only while "other" is ticked (or holds text);
// - focuses the field a link from the summary leads to (#q-<question>);
// - shows the print button of the receipt.
// The texts come from the page (data-* attributes, a <template>), so they are translated.
(function () {
  "use strict";
  var summary = document.querySelector(".error-summary");
  if (!focusTarget() && summary) { summary.focus(); }
  window.addEventListener("hashchange", focusTarget);
  // The browser moves focus to the URL's target once the page has loaded (to the page
  // itself when the target is a block): focus the field again after that.
  window.addEventListener("load", function () { setTimeout(focusTarget, 0); });

  // The field of a question the URL names (a link from the summary): focus its first input.
  function focusTarget() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    var block = id.indexOf("q-") === 0 ? document.getElementById(id) : null;
    var field = block && block.querySelector("input:not([type=hidden]):not([disabled]), " +
                                             "textarea:not([disabled]), select:not([disabled])");
    if (!field) { return false; }
    field.focus();
    block.scrollIntoView({block: "start"});
    return true;
  }

  // "Other": its text field shows while "other" is ticked, or while it holds text (so
  // nothing typed is ever out of sight). Without JavaScript it is always shown.
  document.querySelectorAll(".other-text").forEach(function (box) {
    var group = box.closest("fieldset");
    var other = group && group.querySelector("input[value='other']");
    var text = box.querySelector("input, textarea");
    if (!other || !text) { return; }
    function update() { box.hidden = !other.checked && !text.value.trim(); }
    group.querySelectorAll("input[type=radio], input[type=checkbox]").forEach(function (input) {
      input.addEventListener("change", update);
    });
    update();
  });

  document.querySelectorAll("button[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

  document.querySelectorAll("form").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("button[data-once]").forEach(function (b) {
        setTimeout(function () { b.disabled = true; }, 0);
      });
    });
  });

  var form = document.querySelector("form.page-form[data-autosave=on]");
  if (!form || !window.fetch || !window.FormData) { return; }
  var MACHINERY = ["csrf_token", "revision", "shown", "action", "access_link"];
  var status = form.querySelector(".autosave-status");
  var revision = form.querySelector("input[name=revision]");
  var drafts = draftStore("intake-draft:" + form.getAttribute("data-draft"));
  var timer = null;
  var dirty = false;
  var edits = 0; // changes so far: a save that started before the last one did not cover it
  var offer = null; // the offer of a draft, while the user has not answered it

  function say(key, failed, suffix) {
    if (!status) { return; }
    status.textContent = status.getAttribute("data-" + key) + (suffix || "");
    status.classList.toggle("is-error", failed);
  }

  function answers() {
    var pairs = [];
    new FormData(form).forEach(function (value, name) {
      if (MACHINERY.indexOf(name) < 0 && typeof value === "string") { pairs.push([name, value]); }
    });
    return pairs;
  }

  function fieldNames() {
    var names = [];
    Array.prototype.forEach.call(form.elements, function (field) {
      if (field.name && MACHINERY.indexOf(field.name) < 0 && names.indexOf(field.name) < 0) {
        names.push(field.name);
      }
    });
    return names;
  }

  function draftStore(key) {
    // sessionStorage can be missing or refuse (private modes, quota): then no drafts.
    return {
      read: function () {
        try { return JSON.parse(window.sessionStorage.getItem(key)); } catch (e) { return null; }
      },
      keep: function () {
        var draft = { answers: answers(), names: fieldNames(), revision: revision.value };
        try { window.sessionStorage.setItem(key, JSON.stringify(draft)); } catch (e) { /* none */ }
      },
      drop: function () {
        try { window.sessionStorage.removeItem(key); } catch (e) { /* none */ }
      }
    };
  }

  function restore(draft) {
    var values = {};
    draft.answers.forEach(function (pair) {
      (values[pair[0]] = values[pair[0]] || []).push(pair[1]);
    });
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name || draft.names.indexOf(field.name) < 0) { return; }
      var typed = values[field.name] || [];
      if (field.type === "checkbox" || field.type === "radio") {
        field.checked = typed.indexOf(field.value) >= 0;
      } else if (field.type === "select-multiple") {
        Array.prototype.forEach.call(field.options, function (option) {
          option.selected = typed.indexOf(option.value) >= 0;
        });
      } else if (MACHINERY.indexOf(field.name) < 0) {
        field.value = typed.length ? typed.shift() : "";
        values[field.name] = typed;
      }
    });
    revision.value = draft.revision;
  }

  function offerBack(draft) {
    var template = document.getElementById("draft-offer");
    var heading = document.querySelector("main h1");
    if (!template || !heading || !template.content) { return; }
    offer = template.content.firstElementChild.cloneNode(true);
    heading.parentNode.insertBefore(offer, heading);
    offer.addEventListener("click", function (event) {
      var choice = event.target.getAttribute("data-choice");
      if (!choice) { return; }
      offer.remove();
      offer = null;
      if (choice === "restore") {
        restore(draft);
        changed(); // keeps the restored answers as the draft, and autosaves them
        say("restored", false);
      } else {
        drafts.drop();
        if (dirty) { drafts.keep(); later(5000); }
      }
      document.getElementById("inhoud").focus();
    });
    offer.focus();
  }

  function later(delay) {
    clearTimeout(timer);
    timer = setTimeout(save, delay);
  }

  function save() {
    if (!dirty || offer) { return; }
    dirty = false;
    var covered = edits;
    var data = new FormData(form);
    data.set("action", "autosave");
    fetch(window.location.href, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { Accept: "application/json" }
    })
      .then(function (r) { return r.json().catch(function () { return { status: "error" }; }); })
      .then(function (result) {
        if (result.status === "saved") {
          revision.value = result.revision;
          if (edits === covered) { drafts.drop(); } else { drafts.keep(); }
          say("saved", false, " " + result.saved_at);
        } else if (result.status === "unavailable" || result.status === "error") {
          dirty = true;
          say("refused", true);
          later(30000);
        } else {
          say("not-saved", true);
        }
      })
      .catch(function () {
        dirty = true;
        say("offline", true);
        later(30000);
      });
  }

  function changed() {
    dirty = true;
    edits += 1;
    if (!offer) { drafts.keep(); }
    later(5000);
  }

  // What this browser holds for the page: the page shows it already (unsaved, as the
  // server gave it back, or saved: the same answers), or it is offered back.
  var draft = drafts.read();
  if (form.hasAttribute("data-unsaved")) {
    drafts.keep();
  } else if (draft && draft.answers && draft.names &&
             JSON.stringify(draft.answers) !== JSON.stringify(answers())) {
    offerBack(draft);
  } else {
    drafts.drop();
  }

  form.addEventListener("input", changed);
  form.addEventListener("submit", function () {
    clearTimeout(timer);
    dirty = false;
    if (!offer) { drafts.keep(); }
  });
})();
