// The "Checking your file" page of a large HR import
// (learnhub/web/templates/hr_imports/checking.html): while a worker checks the file, ask for
// its progress and update the live region in place (screen readers announce it, focus stays
// where it is); when the check has ended (the preview is ready, the file was refused, the
// check failed or stalled), reload the page, which then shows that. Polls every 3 s, slowing
// down to 30 s. The same for a confirmed preview a worker imports (status "applying").
// Without JavaScript the page's "Check now" link does the same.
(function () {
  "use strict";
  var box = document.getElementById("job-status");
  if (!box || !box.dataset.poll) return;
  var delay = 3000;
  var number = new Intl.NumberFormat("en-GB");
  function show(job) {
    var p = document.createElement("p");
    var strong = document.createElement("strong");
    strong.textContent = job.words + ":";
    p.appendChild(strong);
    p.appendChild(document.createTextNode(" " + number.format(job.done || 0) + " of about " +
      number.format(job.total || 0) + " rows."));
    var bar = document.createElement("progress");
    bar.max = job.total || 1;
    bar.value = job.done || 0;
    bar.setAttribute("aria-label", "Rows checked");
    var hint = box.querySelector(".hint");
    box.replaceChildren(p, bar);
    if (hint) box.appendChild(hint);
  }
  function tick() {
    fetch(box.dataset.poll, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (job) {
        if (!job) { window.setTimeout(tick, 30000); return; }
        var going = job.status === "planning" || job.status === "applying";
        if (!going || job.stalled) { window.location.reload(); return; }
        if (job.phase !== "queued") show(job);
        delay = Math.min(delay * 1.5, 30000);
        window.setTimeout(tick, delay);
      })
      .catch(function () { window.setTimeout(tick, 30000); });
  }
  window.setTimeout(tick, delay);
})();
