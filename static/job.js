// The background job page: poll the job's JSON status and reload the page once the job
// has finished, so the server shows the result (a download, the next page, or the error).
// A separate file because the Content-Security-Policy allows no inline script.
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box || box.dataset.finished === "true") {
    return;
  }
  var url = box.dataset.statusUrl;
  var bar = document.getElementById("job-progress");
  var delay = 500;

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (job) {
        if (job.finished) {
          window.location.reload();
          return;
        }
        if (bar && job.total) {
          bar.max = job.total;
          bar.value = job.done;
        }
        delay = Math.min(delay * 1.5, 3000);
        window.setTimeout(poll, delay);
      })
      .catch(function () {
        // The server may be restarting: keep trying, but slowly.
        window.setTimeout(poll, 5000);
      });
  }

  window.setTimeout(poll, delay);
})();
