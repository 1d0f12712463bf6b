// The export job page (learnhub/web/templates/exports/job.html): while the job runs, ask the
// API for its progress and update the live region in place (screen readers announce it, focus
// stays where it is). When the job ends (done, failed, cancelled elsewhere) or stalls, the page
// is fetched again and its status and #job-more (download link, checksum, Retry and Cancel)
// replace this page's: the page then says exactly what a reload says, times in the viewer's
// zone included, and offers only the buttons that still apply. Polls every 3 s, slowing down
// to 30 s for long jobs; without JavaScript the page's "Check now" link does the same.
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
  function running(job) {
    var bar = document.createElement("progress");
    bar.max = job.rows_estimated || 1;
    bar.value = job.rows_done;
    bar.setAttribute("aria-label", "Rows written");
    box.replaceChildren(
      paragraph([strong("Running:"), text(" " + number.format(job.rows_done) + " of about " +
        number.format(job.rows_estimated || 0) + " rows written.")]),
      bar);
  }
  function settle() {
    // the page as the server renders it now; the live region keeps its element (a replaced
    // live region is not announced), only its content changes
    fetch(box.dataset.page, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        var status = fresh.getElementById("job-status");
        var more = fresh.getElementById("job-more");
        var here = document.getElementById("job-more");
        if (!status || !more || !here) throw new Error("not the job page");
        box.replaceChildren.apply(box, Array.prototype.slice.call(status.childNodes).map(function (node) {
          return document.importNode(node, true);
        }));
        here.replaceWith(document.importNode(more, true));
        box.dataset.poll = "";
      })
      .catch(function () { window.location.reload(); });
  }
  function tick() {
    fetch(box.dataset.poll, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (job) {
        if (!job) { window.setTimeout(tick, 30000); return; }
        // ended, or stalled (no progress for minutes: the page offers Retry and Cancel)
        if (job.stalled || job.status === "done" || job.status === "failed") { settle(); return; }
        if (job.status === "running") running(job);
        delay = Math.min(delay * 1.5, 30000);
        window.setTimeout(tick, delay);
      })
      .catch(function () { window.setTimeout(tick, 30000); });
  }
  window.setTimeout(tick, delay);
})();
