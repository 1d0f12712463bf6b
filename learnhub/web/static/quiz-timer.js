// The quiz page's time limit: a countdown (not announced every second), a spoken warning
// before the end and one at a minute left (WCAG 2.2.1), answers saved every minute, two
// seconds after an answer changes, and when the page is hidden or left, and a submit when the
// time is up. The server enforces the limit whatever this script does: it
// submits an overdue attempt with what was saved.
//
// Every save carries the page's answer revision (the hidden "answers_revision" field, kept up
// to date from each taken save's X-Answers-Revision). When another tab or window of the
// attempt saved since, the server refuses (409): the page says so in its live region and
// saves no more, so neither tab overwrites the other's answers silently.
//
// The form has buttons named "action", and a form's named controls shadow its properties:
// `form.action` is then a RadioNodeList, not the URL. The save address is read with
// getAttribute, never through the `action` property.
(function () {
  "use strict";
  var timer = document.getElementById("quiz-timer");
  var form = document.getElementById("quiz-form");
  if (!timer || !form) { return; }
  var left = parseInt(timer.getAttribute("data-seconds-left"), 10);
  var warnAt = parseInt(timer.getAttribute("data-warning-seconds"), 10) || 300;
  if (isNaN(left)) { return; }
  var endsAt = Date.now() + left * 1000;  // from the server's count, not the device clock
  var shown = timer.querySelector(".time-left");
  var alertBox = timer.querySelector(".time-warning");
  var warned = {};
  var submitted = false;

  function words(seconds) {
    var m = Math.floor(seconds / 60), s = seconds % 60;
    if (m >= 1) { return m + " min " + (s < 10 ? "0" : "") + s + " s"; }
    return s + " s";
  }

  var saveUrl = form.getAttribute("action") || window.location.href;
  var revision = document.getElementById("answers-revision");
  var stale = false;  // another page saved since: this one saves no more

  function taken(response) {  // the revision after a taken save (never goes back)
    var now = parseInt(response.headers.get("X-Answers-Revision"), 10);
    if (revision && !isNaN(now) && now > parseInt(revision.value, 10)) {
      revision.value = String(now);
    }
  }

  function refused(response) {  // 409: changed in another window or tab
    stale = true;
    if (pending) { window.clearTimeout(pending); pending = null; }
    return response.json().then(function (body) { return body.message; }, function () {
      return "This quiz has been changed in another window or tab. Reload the page.";
    }).then(function (message) { alertBox.textContent = message; });
  }

  function answers() {
    var data = new FormData(form);
    data.set("action", "autosave");
    return data;
  }

  // One save in flight at a time, so an older save never lands after a newer one; a save
  // asked for meanwhile goes when it ends, with the answers as they are then. The body is the
  // form's, CSRF token included. ``savedState``: the answers the server last took (as served,
  // then each 204); the minute's save is skipped when nothing changed since, and carries the
  // answers when a save failed.
  function snapshot(data) {  // the answers only: not the revision a save moves on
    var params = new URLSearchParams(data);
    params.delete("answers_revision");
    return params.toString();
  }
  var inFlight = null, inFlightState = null, again = false, savedState = snapshot(answers());
  function save() {
    if (stale) { return Promise.resolve(); }
    if (inFlight) { again = true; return inFlight; }
    var body = answers(), state = snapshot(body);
    inFlightState = state;
    inFlight = fetch(saveUrl, {method: "POST", body: body, credentials: "same-origin"})
      .then(function (response) {
        if (response.ok) { savedState = state; taken(response); }
        else if (response.status === 409) { return refused(response); }
      }, function () { /* the next save or the submit carries the answers */ })
      .then(function () {
        inFlight = null; inFlightState = null;
        if (again) { again = false; return save(); }
      });
    return inFlight;
  }
  function saveIfChanged() {  // a save already carrying these answers is not sent twice
    if (stale) { return; }
    var now = snapshot(answers());
    if (now !== (inFlight ? inFlightState : savedState)) { save(); }
  }

  // An answer changed: saved two seconds after the last change (typing saves once, not at
  // every key), so a reload or a lost connection soon after loses nothing.
  var CHANGE_DELAY = 2000;
  var pending = null;
  function changed() {
    if (pending) { window.clearTimeout(pending); }
    pending = window.setTimeout(function () { pending = null; save(); }, CHANGE_DELAY);
  }
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);

  // Leaving the page (another tab, closing it, reloading, following a link) saves too: a
  // beacon (or a keepalive fetch) is delivered even while the page unloads. Not when this
  // page is submitting the form itself.
  // A save in flight ends first, so the form carries the revision it moved the answers to.
  var leaving = false;
  form.addEventListener("submit", function (event) {
    if (pending) { window.clearTimeout(pending); pending = null; }
    if (inFlight && form.requestSubmit) {
      event.preventDefault();
      var button = event.submitter;
      inFlight.then(function () { form.requestSubmit(button || undefined); });
      return;
    }
    leaving = true;
  });
  var sentOnLeaving = false;  // pagehide and visibilitychange both come: one save
  // Its answer is never read: the page counts the revision it moves the answers to (one more
  // than the save in flight, if any, moves them to).
  function saveOnLeaving() {
    if (leaving || submitted || sentOnLeaving || stale) { return; }
    if (pending) { window.clearTimeout(pending); pending = null; }
    if (!inFlight && snapshot(answers()) === savedState) { return; }  // all saved already
    sentOnLeaving = true;
    var body = answers(), sent = false;
    var at = parseInt(body.get("answers_revision"), 10) + (inFlight ? 1 : 0);
    if (!isNaN(at)) { body.set("answers_revision", String(at)); }
    try { sent = navigator.sendBeacon ? navigator.sendBeacon(saveUrl, body) : false; }
    catch (e) { sent = false; }
    if (!sent) {
      fetch(saveUrl, {
        method: "POST", body: body, credentials: "same-origin", keepalive: true
      }).catch(function () { /* nothing more can be done while the page goes */ });
    }
    if (!isNaN(at) && revision) { revision.value = String(at + 1); }
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { saveOnLeaving(); } else { sentOnLeaving = false; }
  });
  window.addEventListener("pagehide", saveOnLeaving);
  window.addEventListener("pageshow", function () { sentOnLeaving = false; });

  // focus and followed links stop below the sticky timer, whatever its height (a warning
  // makes it taller); the stylesheet's scroll-padding is the fallback (WCAG 2.4.11)
  var padded = 0;
  function padBelowTimer() {
    var height = timer.offsetHeight + 16;
    if (height !== padded) {
      padded = height;
      document.documentElement.style.scrollPaddingTop = height + "px";
    }
  }

  function tick() {
    padBelowTimer();
    var seconds = Math.max(0, Math.round((endsAt - Date.now()) / 1000));
    shown.textContent = words(seconds);
    // the first warning comes in the last part of the time only (warnAt: the last fifth, at
    // most 5 minutes, learnhub.quizzes.timing.warning_seconds); a quiz of 5 minutes or less
    // gets only the one-minute warning
    if (seconds <= warnAt && warnAt > 60 && seconds > 60 && !warned.first) {
      warned.first = true;
      alertBox.textContent = "About " + Math.ceil(seconds / 60) +
        " minutes left. When the time is up, your answers are submitted.";
    }
    if (seconds <= 60 && !warned.last) {
      warned.last = true;
      alertBox.textContent = "One minute left. Your answers will be submitted when the time is up.";
    }
    if (seconds === 0 && !submitted) {
      submitted = true;
      // time is up: submit as it stands, without the page that asks about unanswered questions
      var confirmed = document.createElement("input");
      confirmed.type = "hidden";
      confirmed.name = "confirmed";
      confirmed.value = "1";
      form.appendChild(confirmed);
      var button = document.getElementById("quiz-submit");
      // two seconds late on purpose: this countdown may end up to a second before the server's
      // deadline, and the result page says "time ran out" only for a submit after it (the
      // server still takes answers for DEADLINE_GRACE seconds)
      window.setTimeout(function () {
        if (form.requestSubmit && button) { form.requestSubmit(button); } else { button.click(); }
      }, 2000);
    }
  }

  tick();
  window.setInterval(tick, 1000);
  window.setInterval(saveIfChanged, 60000);
})();
