// The quiz page's time limit: a countdown (not announced every second), a spoken warning
// before the end and one at a minute left (WCAG 2.2.1), answers saved every minute, and a
// submit when the time is up. The server enforces the limit whatever this script does: it
// submits an overdue attempt with what was saved.
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

  function answers() {
    var data = new FormData(form);
    data.set("action", "autosave");
    return data;
  }

  function save() {
    return fetch(saveUrl, {
      method: "POST", body: answers(), credentials: "same-origin"
    }).catch(function () { /* the next save or the submit carries the answers */ });
  }

  // Leaving the page (another tab, closing it, following a link) saves too: a beacon is
  // delivered even while the page unloads. Not when this page is submitting the form itself.
  var leaving = false;
  form.addEventListener("submit", function () { leaving = true; });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden" && !leaving && !submitted && navigator.sendBeacon) {
      navigator.sendBeacon(saveUrl, answers());
    }
  });

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
    if (seconds <= warnAt && !warned.first) {
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
  window.setInterval(save, 60000);
})();
