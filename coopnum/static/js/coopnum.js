// Progressive enhancement only: every page works without JavaScript.
document.documentElement.classList.add("js");
// The menu (templates/base.html): the phone's "Menu" button; one group open at a time in the bar and on a phone
// (the office's side navigation keeps its sections open on a wide screen, and on a phone opens only the section of
// the current page); a click elsewhere or Escape closes the bar's dropdown.
var NARROW = window.matchMedia("(max-width: 1023.98px)");
function mainMenu() { return document.getElementById("main-menu"); }
function menuGroups() { return document.querySelectorAll("#main-menu details[data-nav-group]"); }
function sideMenu() { var menu = mainMenu(); return !!menu && menu.classList.contains("side-nav"); }
function dropdowns() { return !sideMenu() && !NARROW.matches; }
function syncSideMenu() {
  if (!sideMenu()) { return; }
  menuGroups().forEach(function (d) { d.open = !NARROW.matches || d.hasAttribute("data-current"); });
}
document.addEventListener("click", function (event) {
  const toggle = event.target.closest(".menu-toggle");
  if (toggle) {
    const menu = document.getElementById(toggle.getAttribute("aria-controls"));
    const open = menu.classList.toggle("open");
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    return;
  }
  // close the bar's open dropdown when clicking elsewhere
  if (dropdowns()) {
    menuGroups().forEach(function (d) {
      if (d.open && !d.contains(event.target)) { d.open = false; }
    });
  }
});
document.addEventListener("toggle", function (event) {
  var opened = event.target;
  if (!opened.matches || !opened.matches("details[data-nav-group]") || !opened.open) { return; }
  if (sideMenu() && !NARROW.matches) { return; }
  menuGroups().forEach(function (d) { if (d !== opened && d.open) { d.open = false; } });
}, true);
document.addEventListener("keydown", function (event) {
  if (event.key !== "Escape" || !dropdowns()) { return; }
  menuGroups().forEach(function (d) {
    if (d.open) {
      d.open = false;
      if (d.contains(document.activeElement)) { d.querySelector("summary").focus(); }
    }
  });
});
if (NARROW.addEventListener) { NARROW.addEventListener("change", syncSideMenu); }
document.addEventListener("submit", function (event) {
  const form = event.target;
  if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
});
document.addEventListener("htmx:configRequest", function (event) {
  const token = document.querySelector('meta[name="csrf-token"]');
  if (token) { event.detail.headers["X-CSRFToken"] = token.content; }
});

// Page behaviours, read from data-* attributes (no inline script: the Content-Security-Policy forbids them).
function coopnumReady(init) {
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
}

coopnumReady(syncSideMenu);

// Tables: a wide table scrolls inside its own box, never the page. list_table wraps its table server-side
// (templates/_lists.html); the other tables of the page get the same box here. A box that scrolls can be reached
// with the keyboard (tabindex, a named region); one that does not scroll is not a tab stop.
function markScrollBoxes() {
  document.querySelectorAll(".table-scroll").forEach(function (box) {
    if (box.scrollWidth > box.clientWidth + 1) {
      box.tabIndex = 0;
    } else if (box.hasAttribute("tabindex")) {
      box.removeAttribute("tabindex");
    }
  });
}
coopnumReady(function () {
  document.querySelectorAll("main table").forEach(function (table) {
    if (table.closest(".table-scroll, .overflow-auto, figure, [data-no-scroll]")) { return; }
    var box = document.createElement("div");
    var caption = table.querySelector("caption");
    box.className = "table-scroll";
    box.setAttribute("role", "region");
    box.setAttribute("aria-label", (caption && caption.textContent.trim()) || table.getAttribute("aria-label") ||
                     table.closest("main").dataset.tableLabel || "");
    table.parentNode.insertBefore(box, table);
    box.appendChild(table);
  });
  markScrollBoxes();
  var pending = null;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(markScrollBoxes, 100);
  });
});

// Invoice draft, "add a line": choosing a service fills the description and the unit price (data-prices:
// {service id: price in cents}) when they are still empty.
coopnumReady(function () {
  document.querySelectorAll("form[data-prices]").forEach(function (form) {
    var prices = JSON.parse(form.dataset.prices || "{}");
    var select = form.querySelector("[name='add-service_id']");
    if (!select) { return; }
    select.addEventListener("change", function () {
      var option = select.options[select.selectedIndex];
      var description = form.querySelector("[name='add-description']");
      var price = form.querySelector("[name='add-unit_price_cents']");
      if (!select.value || select.value === "0") { return; }
      if (description && !description.value) { description.value = option.text.replace(/ \([^)]*\)$/, ""); }
      var cents = prices[select.value];
      if (price && !price.value && cents !== undefined) { price.value = (cents / 100).toFixed(2).replace(".", ","); }
    });
  });
});

// Mission form: show only the fields of the chosen recurrence (data-recurrence="weekly biweekly" on each group).
coopnumReady(function () {
  var select = document.getElementById("recurrence");
  var groups = document.querySelectorAll("[data-recurrence]");
  if (!select || !groups.length) { return; }
  function sync() {
    groups.forEach(function (el) {
      el.hidden = el.dataset.recurrence.split(" ").indexOf(select.value) === -1;
    });
  }
  select.addEventListener("change", sync);
  sync();
});

// Calendar feeds: "copy the address" buttons (data-copy: the id of the input; data-done: the text once copied),
// hidden without JavaScript.
coopnumReady(function () {
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var input = document.getElementById(button.dataset.copy);
      input.select();
      if (navigator.clipboard) {
        navigator.clipboard.writeText(input.value).then(function () { button.textContent = button.dataset.done; },
                                                         function () {});
      }
    });
  });
});

// « Tout sélectionner »: a checkbox data-select-all="NAME" checks or unchecks the checkboxes named NAME of its form,
// and follows them (checked when all are, mixed when some are).
coopnumReady(function () {
  document.querySelectorAll("input[data-select-all]").forEach(function (all) {
    var form = all.form || all.closest("form");
    if (!form) { return; }
    var boxes = function () {
      return Array.prototype.slice.call(form.querySelectorAll("input[type=checkbox][name='" + all.dataset.selectAll + "']"));
    };
    all.addEventListener("change", function () {
      boxes().forEach(function (box) { box.checked = all.checked; });
    });
    form.addEventListener("change", function (event) {
      if (event.target === all) { return; }
      var checked = boxes().filter(function (box) { return box.checked; }).length;
      all.checked = checked > 0 && checked === boxes().length;
      all.indeterminate = checked > 0 && checked < boxes().length;
    });
  });
});

// The mission form: choosing a convention narrows the places (data-places on its option: the ids of the places it
// covers, the same rule as the service) and shows its end date and volume left (data-hint) under the select.
coopnumReady(function () {
  document.querySelectorAll("select[data-places-of]").forEach(function (places) {
    var conventions = document.getElementById(places.dataset.placesOf);
    if (!conventions) { return; }
    var hint = document.getElementById(conventions.id + "-hint");
    function sync() {
      var option = conventions.options[conventions.selectedIndex];
      if (!option || option.dataset.places === undefined) { return; }
      var allowed = option.dataset.places.split(" ").filter(Boolean);
      Array.prototype.forEach.call(places.options, function (place) {
        var ok = allowed.indexOf(place.value) !== -1;
        place.hidden = !ok;
        place.disabled = !ok;
      });
      var current = places.options[places.selectedIndex];
      if (!current || current.disabled) {
        var first = Array.prototype.find.call(places.options, function (p) { return !p.disabled; });
        places.value = first ? first.value : "";
      }
      if (hint && option.dataset.hint) { hint.textContent = option.dataset.hint; }
    }
    conventions.addEventListener("change", sync);
    sync();
  });
});
