// The export job page (learnhub/web/templates/exports/job.html): while the job runs, ask the
// API for its progress and update the live region in place (screen readers announce it, focus
// stays where it is). When the job is done the region says so with the download link and the
// checksum; when it failed, why. Polls every 3 s, slowing down to 30 s for long jobs; without
// JavaScript the page's "Check now" link does the same.
(function () {
  "use strict";
  var box = document.getElementById("job-status");
  if (!box || !box.dataset.poll) return;
  var delay = 3000;
  var number = new Intl.NumberFormat("en-GB");
  function paragraph(parts) {
    var p = document.createElement("p");
    parts.forEach(function (part) { p.appendChild(part); });
    return p;
  }
  function text(value) { return document.createTextNode(value); }
  function strong(value) { var s = document.createElement("strong"); s.textContent = value; return s; }
  function show(job) {
    box.replaceChildren();
    if (job.status === "done") {
      var link = document.createElement("a");
      link.href = box.dataset.download;
      link.textContent = "Download the file";
      var code = document.createElement("code");
      code.textContent = job.sha256;
      box.appendChild(paragraph([strong("Ready."), text(" " + number.format(job.rows_done) + " rows, " +
        number.format(job.size_bytes) + " bytes, available until " +
        new Date(job.expires_at).toLocaleString("en-GB", { dateStyle: "long", timeStyle: "short" }) + ". "), link]));
      box.appendChild(paragraph([text("SHA-256 checksum of the file: "), code]));
    } else if (job.status === "failed") {
      box.appendChild(paragraph([strong("The export failed."), text(" " + (job.error || ""))]));
    } else if (job.status === "running") {
      var bar = document.createElement("progress");
      bar.max = job.rows_estimated || 1;
      bar.value = job.rows_done;
      bar.setAttribute("aria-label", "Rows written");
      box.appendChild(paragraph([strong("Running:"), text(" " + number.format(job.rows_done) + " of about " +
        number.format(job.rows_estimated || 0) + " rows written.")]));
      box.appendChild(bar);
    }
  }
  function tick() {
    fetch(box.dataset.poll, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (job) {
        if (!job) { window.setTimeout(tick, 30000); return; }
        // stalled (no progress for minutes): the page offers Retry and Cancel
        if (job.stalled) { window.location.reload(); return; }
        if (job.status !== "queued") show(job);
        if (job.status === "done" || job.status === "failed") return;
        delay = Math.min(delay * 1.5, 30000);
        window.setTimeout(tick, delay);
      })
      .catch(function () { window.setTimeout(tick, 30000); });
  }
  window.setTimeout(tick, delay);
})();
