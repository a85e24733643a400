// Capability concepts on the profile forms (see web/concepts.py; the pages work without this).
// - fieldset[data-concepts]: the concepts read in the offers or needs, as checkboxes.
// - As the firm types its offers and needs, the form asks POST /api/v1/concepts/read (its URL
//   in the form's data-read-concepts) and shows newly read concepts, ticked; concepts it read
//   before and no longer reads go, unless the firm touched them.
// - Picking a label in the "add" field adds its concept, ticked, at once.
(function () {
  "use strict";

  var WAIT_MS = 600;

  function optionsById() {
    var out = {};
    document.querySelectorAll("#concept-options option").forEach(function (o) {
      out[o.getAttribute("data-id")] = o.value;
    });
    return out;
  }

  function idOfLabel(label) {
    var wanted = label.trim().toLowerCase();
    var found = null;
    document.querySelectorAll("#concept-options option").forEach(function (o) {
      if (o.value.toLowerCase() === wanted) found = o.getAttribute("data-id");
    });
    return found;
  }

  function rowOf(fieldset, id) {
    var box = fieldset.querySelector('input[type=checkbox][value="' + id + '"]');
    return box ? box.closest("li") : null;
  }

  function addRow(fieldset, id, label, source) {
    var field = fieldset.getAttribute("data-field");
    var li = document.createElement("li");
    li.setAttribute("data-source", source);
    var lab = document.createElement("label");
    lab.className = "check";
    var box = document.createElement("input");
    box.type = "checkbox";
    box.name = field;
    box.value = id;
    box.checked = true;
    box.addEventListener("change", function () { li.setAttribute("data-touched", "1"); });
    lab.appendChild(box);
    lab.appendChild(document.createTextNode(" " + label));
    var shown = document.createElement("input");
    shown.type = "hidden";
    shown.name = field + "_shown";
    shown.value = id;
    li.appendChild(lab);
    li.appendChild(shown);
    fieldset.querySelector(".concept-list").appendChild(li);
    return li;
  }

  function showNone(fieldset) {
    var none = fieldset.querySelector(".concept-none");
    if (none) none.hidden = fieldset.querySelectorAll(".concept-list li").length > 0;
  }

  function readInto(fieldset, concepts) {
    var read = {};
    concepts.forEach(function (c) {
      read[c.id] = true;
      if (!rowOf(fieldset, c.id)) addRow(fieldset, c.id, c.label, "read");
    });
    fieldset.querySelectorAll('.concept-list li[data-source="read"]').forEach(function (li) {
      var id = li.querySelector("input[type=checkbox]").value;
      if (!read[id] && !li.hasAttribute("data-touched")) li.remove();
    });
    showNone(fieldset);
  }

  function addPicked(fieldset, input) {
    var id = idOfLabel(input.value);
    if (!id) return false;
    var li = rowOf(fieldset, id);
    if (li) {
      li.querySelector("input[type=checkbox]").checked = true;
      li.setAttribute("data-touched", "1");
    } else {
      addRow(fieldset, id, optionsById()[id], "added");
    }
    input.value = "";
    showNone(fieldset);
    return true;
  }

  function setUp(form) {
    var sets = form.querySelectorAll("fieldset[data-concepts]");
    if (!sets.length) return;
    sets.forEach(function (fieldset) {
      fieldset.querySelectorAll(".concept-list input[type=checkbox]").forEach(function (box) {
        box.addEventListener("change", function () {
          box.closest("li").setAttribute("data-touched", "1");
        });
      });
      var input = fieldset.querySelector(".concept-add input");
      if (!input) return;
      // A pick from the list (not each key typed: one label may begin another).
      input.addEventListener("input", function (event) {
        if (!event.inputType || event.inputType === "insertReplacementText") {
          addPicked(fieldset, input);
        }
      });
      input.addEventListener("change", function () { addPicked(fieldset, input); });
      input.addEventListener("keydown", function (event) {
        if (event.key === "Enter") {
          event.preventDefault();
          addPicked(fieldset, input);
        }
      });
    });
    var url = form.getAttribute("data-read-concepts");
    var offers = form.querySelector("textarea[name=offers]");
    var needs = form.querySelector("textarea[name=needs]");
    if (!url || !offers || !needs) return;
    var timer = null;
    var asked = 0;
    function ask() {
      var mine = ++asked;
      var token = document.querySelector("meta[name=csrf-token]");
      fetch(url, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          "X-CSRFToken": token ? token.getAttribute("content") : ""
        },
        body: JSON.stringify({
          offers: offers.value, needs: needs.value,
          language: document.documentElement.lang === "en" ? "en" : "da"
        })
      }).then(function (r) { return r.ok ? r.json() : null; }).then(function (found) {
        if (!found || mine !== asked) return;
        sets.forEach(function (fieldset) {
          readInto(fieldset, found[fieldset.getAttribute("data-concepts")] || []);
        });
      }).catch(function () { /* the form still works; the page shows them after saving */ });
    }
    [offers, needs].forEach(function (area) {
      area.addEventListener("input", function () {
        window.clearTimeout(timer);
        timer = window.setTimeout(ask, WAIT_MS);
      });
    });
  }

  document.querySelectorAll("form[data-read-concepts], #concepts-form").forEach(setUp);
})();
