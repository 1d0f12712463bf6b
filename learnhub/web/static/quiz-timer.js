// The quiz page's time limit: a countdown (not announced every second), a spoken warning
// before the end and one at a minute left (WCAG 2.2.1), and a submit when the time is up. The
// server enforces the limit whatever this script does: it submits an overdue attempt with what
// was saved. Saving the answers is quiz-save.js's (loaded first): at time-up the answers are
// saved, and the form is submitted once that worked (window.LearnHubQuiz.submitWhenSaved), so
// a learner offline at the end is told and stays on the page instead of the browser's
// "no internet" page.
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
        if (window.LearnHubQuiz) { window.LearnHubQuiz.submitWhenSaved(button); }
        else if (form.requestSubmit && button) { form.requestSubmit(button); } else { button.click(); }
      }, 2000);
    }
  }

  tick();
  window.setInterval(tick, 1000);
})();
