/* The job page follows its job: it polls the job's JSON and moves the progress bar;
   when the job changes status (starts, ends) the page reloads to show what follows.
   Without JavaScript a <noscript> refresh reloads the whole page instead. */
(function () {
  "use strict";
  var box = document.querySelector("[data-job-progress]");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-job-progress");
  var shown = box.getAttribute("data-job-status");
  var bar = box.querySelector("progress");
  var text = box.querySelector("#job-message");
  var INTERVAL = 1500;

  function update(job) {
    if (job.status !== shown) {
      window.location.reload();
      return false;
    }
    if (bar && job.total) {
      bar.max = job.total;
      bar.value = job.done;
      bar.textContent = job.done + " / " + job.total;
    }
    if (text && text.textContent !== job.message) { text.textContent = job.message; }
    return true;
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (job) { if (update(job)) { window.setTimeout(poll, INTERVAL); } })
      .catch(function () { window.setTimeout(poll, INTERVAL * 4); });  // try again, slower
  }

  window.setTimeout(poll, INTERVAL);
})();
