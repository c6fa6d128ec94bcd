// Keyboard shortcuts and search-as-you-type on top of plain forms and links: the page works without this file.
(function () {
  "use strict";

  function typing(event) {
    var target = event.target;
    return target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName) && target.type !== "checkbox";
  }

  // One selected item in a list: the rows of the queue or the jobs (j/k; on the queue only the rows no other
  // reviewer is working on), or the candidates of a posting (arrow keys; x rejects the selected one).
  function chooser(selector) {
    var items = Array.prototype.slice.call(document.querySelectorAll(selector));
    var chosen = { items: items, at: -1 };
    chosen.move = function (step) {
      if (!items.length) return;
      chosen.at = Math.max(0, Math.min(items.length - 1, chosen.at < 0 ? 0 : chosen.at + step));
      items.forEach(function (item, i) { item.classList.toggle("selected", i === chosen.at); });
      var item = items[chosen.at];
      item.scrollIntoView({ block: "nearest" });
      var focusable = item.matches("[data-row]") ? item.querySelector("a, input[type=checkbox]") : item;
      if (focusable) focusable.focus({ preventScroll: true });
    };
    chosen.selected = function () { return chosen.at < 0 ? null : items[chosen.at]; };
    return chosen;
  }

  var rows = chooser("[data-row]:not([data-held])");
  var candidates = chooser("[data-candidate]");

  function submit(button) {
    if (!button) return;
    button.disabled = true;  // one decision per key press, however long the answer takes
    button.form.submit();
  }

  function action(name) {
    return document.querySelector('[data-action="' + name + '"]');
  }

  var help = document.getElementById("help");

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event)) return;
    if (event.target.classList.contains("result")) return;  // the search results' own arrow keys
    if (help && help.open) return;  // the dialog's own keys: Esc closes it
    var key = event.key;
    var confirming = document.querySelector("[data-confirm-key]");
    if ((key === "j" || key === "k") && action("forward")) {
      submit(action(key === "j" ? "forward" : "back"));  // another posting, claimed: the server picks which
    } else if (key === "j" || key === "k") {
      rows.move(key === "j" ? 1 : -1);
    } else if ((key === "ArrowDown" || key === "ArrowUp") && candidates.items.length) {
      candidates.move(key === "ArrowDown" ? 1 : -1);
    } else if (/^[1-5]$/.test(key) && confirming && confirming.dataset.confirmKey === key) {
      submit(action("confirm-inactive"));  // the second keystroke for a job that takes no applications
    } else if (/^[1-5]$/.test(key)) {
      submit(document.querySelector('[data-candidate="' + key + '"] [data-action="confirm"]'));
    } else if (key === "x" && candidates.selected()) {
      submit(candidates.selected().querySelector('[data-action="reject"]'));
    } else if (key === "n" && (action("none") || action("next"))) {
      submit(action("none") || action("next"));
    } else if (key === "s" && action("skip")) {
      submit(action("skip"));
    } else if (key === "u" && action("unlink")) {
      submit(action("unlink"));
    } else if (key === "z" && action("undo")) {
      submit(action("undo"));
    } else if (key === "?" && help) {
      help.showModal();
    } else if (key === "/") {
      var search = document.querySelector("input[type=search]");
      if (!search) return;
      search.focus();
      search.select();
    } else {
      return;
    }
    event.preventDefault();
  });

  // Search as you type: the results fragment replaces the list; Enter still submits the plain form.
  var form = document.querySelector("form[data-fragment]");
  if (!form) return;
  var input = form.querySelector("input[type=search]");
  var timer = null;
  var asked = 0;

  function refresh() {
    var mine = ++asked;
    var query = new URLSearchParams(new FormData(form));
    fetch(form.dataset.fragment + "?" + query, { headers: { Accept: "text/html" }, credentials: "same-origin" })
      .then(function (response) {
        if (response.redirected) { window.location.assign(response.url); return null; }  // signed out meanwhile
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (html === null || mine !== asked) return;  // a later keystroke's answer wins
        document.getElementById("search-results").outerHTML = html;
      });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 150);
  });
  input.addEventListener("keydown", function (event) {
    var results = document.querySelectorAll("#search-results .result");
    if (event.key === "ArrowDown" && results.length) {
      results[0].focus();
      event.preventDefault();
    } else if (event.key === "Escape") {
      input.blur();
    }
  });
  document.addEventListener("keydown", function (event) {
    if (!event.target.classList.contains("result")) return;
    var results = Array.prototype.slice.call(document.querySelectorAll("#search-results .result"));
    var at = results.indexOf(event.target);
    if (event.key === "ArrowDown" && at < results.length - 1) results[at + 1].focus();
    else if (event.key === "ArrowUp") (at > 0 ? results[at - 1] : input).focus();
    else return;
    event.preventDefault();
  });
})();
