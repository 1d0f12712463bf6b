// The assign forms (assignments/new.html, team_assign.html; the macro "modules" of
// assignments/_fields.html): show only the chosen course's modules. Every course's list is in
// the page; this shows the chosen one's and hides the others, disabling their boxes so that
// they are never sent, as the course select changes. The "Show the modules" button is for
// pages without JavaScript (the server shows the form again for the chosen course): removed
// here, where the list follows the select at once.
(function () {
  "use strict";
  document.querySelectorAll("[data-course-modules]").forEach(function (box) {
    var select = document.getElementById(box.dataset.courseModules);
    if (!select) return;
    var button = box.querySelector("[data-show-modules]");
    if (button) button.remove();
    function show() {
      var chosen = select.value;
      box.querySelectorAll("[data-course]").forEach(function (list) {
        var on = list.dataset.course === chosen;
        list.hidden = !on;
        list.querySelectorAll("input").forEach(function (input) { input.disabled = !on; });
      });
      var none = box.querySelector("[data-no-course]");
      if (none) none.hidden = chosen !== "";
    }
    select.addEventListener("change", show);
    show();
  });
})();
