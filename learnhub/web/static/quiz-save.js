// The quiz page's autosave (every quiz, timed or not, as Moodle's): answers saved two seconds
// after they change, every minute, and when the page is hidden or left; whether they are saved
// is said in words in a live region (#quiz-save-status), never by colour alone.
//
// A save that does not reach the server (offline, a dropped connection, a 5xx) says
// "Connection lost … not saved yet", keeps the answers in this tab's sessionStorage (keyed by
// attempt) and is tried again: after 2 s, then twice as long each time up to 30 s, and at once
// when the browser says it is back online. A reload while the answers were not saved fills
// them in again from sessionStorage, as long as nothing was saved since (same answer revision).
// A save the server takes only in part (422: an answer over its length limit) shows each
// refusal beside its question; the valid answers are saved (learnhub.web.attempt_views).
//
// Every save carries the page's answer revision (the hidden "answers_revision" field, kept up
// to date from each taken save's X-Answers-Revision). When another tab or window of the
// attempt saved since, the server refuses (409): the page says so and saves no more, so
// neither tab overwrites the other's answers silently. A 409 saying the attempt is closed
// (submitted elsewhere, or its time is up) sends the page to the attempt's result.
//
// The timer (quiz-timer.js) submits through window.LearnHubQuiz.submitWhenSaved: the answers
// are saved first, and the page goes only once that worked, so a time-up while offline never
// lands on the browser's "no internet" page; the server still decides what counts (its own
// clock and grace, never the device's).
//
// The form has buttons named "action", and a form's named controls shadow its properties:
// `form.action` is then a RadioNodeList, not the URL. The save address is read with
// getAttribute, never through the `action` property.
(function () {
  "use strict";
  var form = document.getElementById("quiz-form");
  if (!form) { return; }
  var statusBox = document.getElementById("quiz-save-status");
  var alertBox = document.querySelector("#quiz-timer .time-warning") || statusBox;
  var saveUrl = form.getAttribute("action") || window.location.href;
  var revision = document.getElementById("answers-revision");
  var grace = parseInt(form.getAttribute("data-grace-seconds"), 10) || 0;
  var draftKey = "learnhub-quiz-answers-" + (form.getAttribute("data-attempt") || saveUrl);
  var restored = false;  // answers filled in from sessionStorage, not saved yet
  var stale = false;  // another page saved since, or the attempt is closed: no more saves
  var failing = false;  // the last save did not reach the server
  var EXPIRED = "Your latest answers are not saved: your session has ended or this page " +
    "has expired. Press \u201cSave and finish later\u201d: after signing in again you get " +
    "them back to check.";
  var LOST = "Connection lost: your latest answers are not saved yet. Keep this page open: " +
    "they are kept in this browser and saved as soon as the connection is back.";

  function say(message, bad) {
    if (!statusBox) { return; }
    statusBox.textContent = message;
    statusBox.classList.toggle("failing", Boolean(bad));
  }

  function answers() {
    var data = new FormData(form);
    data.set("action", "autosave");
    return data;
  }
  function snapshot(data) {  // the answers only: not the revision a save moves on
    var params = new URLSearchParams(data);
    params.delete("answers_revision");
    params.delete("csrf_token");
    return params.toString();
  }
  // The answers as the server served them (the fields' defaults): a reload may have the
  // browser fill in the fields as they were, answers the server may not have
  function served() {
    var params = new URLSearchParams();
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name || field.disabled || field.type === "submit") { return; }
      if (field.type === "radio" || field.type === "checkbox") {
        if (field.defaultChecked) { params.append(field.name, field.value); }
      } else if (field.tagName === "SELECT") {
        var options = Array.prototype.slice.call(field.options);
        var chosen = options.filter(function (o) { return o.defaultSelected; })[0] || options[0];
        params.append(field.name, chosen ? chosen.value : "");
      } else {
        params.append(field.name, field.defaultValue);
      }
    });
    params.set("action", "autosave");
    return snapshot(params);
  }

  // sessionStorage: the answers not yet saved, with the revision they were given on
  function keepDraft() {
    try {
      var now = snapshot(answers());
      if (now === savedState) { window.sessionStorage.removeItem(draftKey); return; }
      window.sessionStorage.setItem(draftKey, JSON.stringify({
        revision: revision ? revision.value : "", answers: now
      }));
    } catch (e) { /* storage off or full: the page itself still holds the answers */ }
  }
  function fill(state) {  // the form's answer fields as in a snapshot
    var params = new URLSearchParams(state);
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name || field.name.charAt(0) !== "q") { return; }
      if (field.type === "radio" || field.type === "checkbox") {
        field.checked = params.getAll(field.name).indexOf(field.value) !== -1;
      } else {
        field.value = params.get(field.name) || "";
      }
    });
  }

  function questionError(id, message) {
    var box = document.getElementById("q" + id + "-error");
    if (!box) { return; }
    box.querySelector(".text").textContent = message || "";
    box.hidden = !message;
    var item = box.closest("li.question"), field = document.getElementById("q" + id);
    if (item) { item.classList.toggle("field-error", Boolean(message)); }
    if (field && message) { field.setAttribute("aria-invalid", "true"); }
    if (field && !message) { field.removeAttribute("aria-invalid"); }
  }
  // refusals the page was served with (a save shown again, 422) count as shown
  var refusalsShown = Boolean(form.querySelector(".question-error:not([hidden])"));
  function showRefusals(invalid) {  // [{question, message}]; every other question is clear
    if (!invalid.length && !refusalsShown) { return; }
    refusalsShown = invalid.length > 0;
    var summary = document.querySelector(".error-summary");
    if (summary && !invalid.length) { summary.hidden = true; }  // its problems are solved
    var refused = {};
    invalid.forEach(function (i) { refused[i.question] = i.message; });
    Array.prototype.forEach.call(form.querySelectorAll("li.question"), function (item) {
      var id = item.getAttribute("data-question");
      questionError(id, refused[id] ? refused[id].replace(/^Question \d+: /, "") : "");
    });
    say(invalid.length ? "Not saved: " + invalid.map(function (i) { return i.message; })
      .join(" ") + " Your other answers are saved." : "", invalid.length > 0);
  }

  function taken(response) {  // the revision after a taken save (never goes back)
    var now = parseInt(response.headers.get("X-Answers-Revision"), 10);
    if (revision && !isNaN(now) && now > parseInt(revision.value, 10)) {
      revision.value = String(now);
    }
  }
  function refused(response) {  // 409: changed elsewhere, or closed
    stale = true;
    if (pending) { window.clearTimeout(pending); pending = null; }
    return response.json().then(function (body) { return body; }, function () {
      return {message: "This quiz has been changed in another window or tab. Reload the page."};
    }).then(function (body) {
      alertBox.textContent = body.message;
      if (body.closed) { window.setTimeout(function () { window.location.assign(saveUrl); }, 3000); }
      return body.closed ? "closed" : "stale";
    });
  }

  // Retried after a failure: 2 s, doubling to 30 s; at once when the browser is back online
  var retryDelay = 0, retryTimer = null;
  function retryLater() {
    if (retryTimer || stale) { return; }
    retryDelay = Math.min(retryDelay ? retryDelay * 2 : 2000, 30000);
    retryTimer = window.setTimeout(function () { retryTimer = null; save(); }, retryDelay);
  }
  window.addEventListener("online", function () {
    if (retryTimer) { window.clearTimeout(retryTimer); retryTimer = null; }
    if (failing || snapshot(answers()) !== savedState) { save(); }
  });
  window.addEventListener("offline", function () {
    if (inFlight || snapshot(answers()) !== savedState) { failing = true; say(LOST, true); }
    else { say("You are offline. Your answers so far are saved; new ones are kept in this " +
      "browser and saved when the connection is back.", true); failing = true; }
  });

  // One save in flight at a time, so an older save never lands after a newer one; a save
  // asked for meanwhile goes when it ends, with the answers as they are then. ``savedState``:
  // the answers the server last took (as served, then each 204 or 422). Resolves to "saved",
  // "refused" (422: the valid ones saved), "failed", "stale" or "closed" (409).
  var inFlight = null, inFlightState = null, again = false, savedState = served();
  function save() {
    if (stale) { return Promise.resolve("stale"); }
    if (inFlight) { again = true; return inFlight; }
    var body = answers(), state = snapshot(body);
    inFlightState = state;
    inFlight = fetch(saveUrl, {method: "POST", body: body, credentials: "same-origin"})
      .then(function (response) {
        if (response.status === 409) { return refused(response); }
        if (response.status === 204 || response.status === 422) {
          savedState = state;
          taken(response);
          if (failing) { say("Connection back: your answers are saved.", false); }
          if (restored) { say("The answers filled in again from this browser are saved.", false); }
          restored = false;
          failing = false;
          retryDelay = 0;
          if (response.status === 204) { showRefusals([]); return "saved"; }
          return response.json().then(function (b) {
            showRefusals(b.invalid || []);
            return "refused";
          }, function () { return "refused"; });
        }
        if (response.redirected || [400, 401, 403].indexOf(response.status) !== -1) {
          // signed out, or the page's security token expired: no retry will be taken
          failing = false;
          say(EXPIRED, true);
          return "expired";
        }
        throw new Error("save answered " + response.status);
      })
      .catch(function () { failing = true; say(LOST, true); retryLater(); return "failed"; })
      .then(function (outcome) {
        inFlight = null; inFlightState = null;
        keepDraft();
        if (again && outcome !== "stale" && outcome !== "closed") { again = false; return save(); }
        again = false;
        return outcome;
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
    keepDraft();
    if (pending) { window.clearTimeout(pending); }
    pending = window.setTimeout(function () { pending = null; save(); }, CHANGE_DELAY);
  }
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);

  // Leaving the page (another tab, closing it, reloading, following a link) saves too: a
  // beacon (or a keepalive fetch) is delivered even while the page unloads. Not when this
  // page is submitting the form itself. A save in flight ends first, so the form carries the
  // revision it moved the answers to. Offline, the buttons do not leave the page for the
  // browser's "no internet" page: the answers stay here (and in sessionStorage).
  var leaving = false, submitting = false;
  form.addEventListener("submit", function (event) {
    if (pending) { window.clearTimeout(pending); pending = null; }
    if (navigator.onLine === false) {
      event.preventDefault();
      say("You are offline, so nothing was sent: your answers are kept on this page. " +
        "Press the button again when the connection is back.", true);
      return;
    }
    if (inFlight && form.requestSubmit) {
      event.preventDefault();
      var button = event.submitter;
      inFlight.then(function () { form.requestSubmit(button || undefined); });
      return;
    }
    leaving = true;
  });
  var sentOnLeaving = false;  // pagehide and visibilitychange both come: one save
  function saveOnLeaving() {
    if (leaving || submitting || sentOnLeaving || stale) { return; }
    if (pending) { window.clearTimeout(pending); pending = null; }
    if (!inFlight && snapshot(answers()) === savedState) { return; }  // all saved already
    keepDraft();
    sentOnLeaving = true;
    var body = answers(), sent = false;
    // its answer is never read: the page counts the revision it moves the answers to
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

  // The timer's submit at time-up: saved first; the page goes once the server has the answers
  function submitWhenSaved(button) {
    if (submitting) { return; }
    submitting = true;
    var gone = false, wait = 0;
    function attempt() { save().then(go); }
    function go(outcome) {
      if (gone || outcome === "closed") { return; }  // closed: refused() opens the result
      // "expired": the form goes all the same; the server keeps it through the sign-in
      if (outcome === "failed") {
        alertBox.textContent = "Time is up, but this page cannot reach LearnHub: your answers " +
          "are not submitted yet. Keep this page open: they are sent as soon as the connection " +
          "is back. Answers that arrive more than " + grace + " seconds after the end do not " +
          "count; those saved before then do.";
        wait = Math.min(wait ? wait * 2 : 2000, 30000);
        window.setTimeout(attempt, wait);
        return;
      }
      gone = true;
      leaving = true;
      if (form.requestSubmit && button) { form.requestSubmit(button); } else if (button) { button.click(); }
    }
    window.addEventListener("online", function () { if (!gone) { attempt(); } });
    attempt();
  }
  window.LearnHubQuiz = {submitWhenSaved: submitWhenSaved, save: save};

  // Answers given on this page while they could not be saved, then reloaded: filled in again
  // when nothing was saved since (the revision they were given on is still the page's)
  try {
    var draft = JSON.parse(window.sessionStorage.getItem(draftKey) || "null");
    if (draft && revision && draft.revision === revision.value && draft.answers !== savedState) {
      fill(draft.answers);
      restored = true;
      say("Answers you gave while they could not be saved are filled in again from this " +
        "browser; saving them now.", false);
    } else if (draft) {
      window.sessionStorage.removeItem(draftKey);
    }
  } catch (e) { /* no storage: nothing kept */ }
  if (restored || snapshot(answers()) !== savedState) { save(); }

  window.setInterval(saveIfChanged, 60000);
})();
