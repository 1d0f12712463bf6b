// The question navigator of a long quiz: each link says (in words for screen readers, with a
// tick on screen) whether its question has an answer, kept up to date as the learner answers.
// Without this script the states are those saved on the server when the page was served.
(function () {
  "use strict";
  var nav = document.getElementById("quiz-nav");
  var form = document.getElementById("quiz-form");
  if (!nav || !form) { return; }
  var count = document.getElementById("quiz-nav-answered");

  function answered(item) {
    var controls = item.querySelectorAll("input, select, textarea");
    for (var i = 0; i < controls.length; i++) {
      var c = controls[i];
      if (c.type === "radio" || c.type === "checkbox") {
        if (c.checked) { return true; }
      } else if (c.value && c.value.trim() !== "") {
        return true;
      }
    }
    return false;
  }

  function show(link, done) {
    if (link.classList.contains("info")) { return; }
    link.classList.toggle("answered", done);
    link.classList.toggle("unanswered", !done);
    var state = link.querySelector(".nav-state");
    state.innerHTML = "";
    var words = document.createElement("span");
    words.className = "visually-hidden";
    words.textContent = done ? ", answered" : ", not answered";
    state.appendChild(words);
    if (done) {
      var tick = document.createElement("span");
      tick.className = "tick";
      tick.setAttribute("aria-hidden", "true");
      tick.textContent = "\u2713";
      state.appendChild(tick);
    }
  }

  function refresh() {
    var total = 0;
    var links = nav.querySelectorAll("a[data-question]");
    for (var i = 0; i < links.length; i++) {
      var item = form.querySelector("li.question[data-question='" + links[i].getAttribute("data-question") + "']");
      if (!item || links[i].classList.contains("info")) { continue; }
      var done = answered(item);
      show(links[i], done);
      if (done) { total += 1; }
    }
    if (count) { count.textContent = String(total); }
  }

  form.addEventListener("input", refresh);
  form.addEventListener("change", refresh);
  // a followed link moves focus to the question's heading (tabindex -1), so the next Tab
  // continues inside that question and a screen reader reads where it landed
  nav.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-question]");
    if (!link) { return; }
    var target = document.getElementById(link.getAttribute("href").slice(1));
    if (target) { window.setTimeout(function () { target.focus(); }, 0); }
  });
  refresh();
})();
