/* The pipeline board: HTML5 drag and drop of lead cards between status columns.
   A drop POSTs the new status (with the CSRF token of the page); the server applies the
   same rules and events as the lead form. A status that needs more (a date, a reason)
   answers 422 with the form to complete. No dependencies. */
(function () {
  "use strict";
  var board = document.getElementById("lead-board");
  if (!board) { return; }
  var message = document.getElementById("board-message");
  var tokenTag = document.querySelector('meta[name="csrf-token"]');
  var token = tokenTag ? tokenTag.getAttribute("content") : "";
  var dragged = null;

  function show(text) {
    if (!message) { return; }
    message.textContent = text;
    message.classList.toggle("d-none", !text);
  }

  board.addEventListener("dragstart", function (event) {
    var card = event.target.closest ? event.target.closest(".lead-card[draggable=true]") : null;
    if (!card) { return; }
    dragged = card;
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.getAttribute("data-lead-id"));
  });
  board.addEventListener("dragend", function () {
    if (dragged) { dragged.classList.remove("dragging"); }
    board.querySelectorAll(".drop-target").forEach(function (c) { c.classList.remove("drop-target"); });
  });
  board.addEventListener("dragover", function (event) {
    var column = event.target.closest ? event.target.closest(".lead-column") : null;
    if (!column || !dragged) { return; }
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    board.querySelectorAll(".drop-target").forEach(function (c) { if (c !== column) { c.classList.remove("drop-target"); } });
    column.classList.add("drop-target");
  });
  board.addEventListener("drop", function (event) {
    var column = event.target.closest ? event.target.closest(".lead-column") : null;
    if (!column || !dragged) { return; }
    event.preventDefault();
    column.classList.remove("drop-target");
    var card = dragged;
    var from = card.closest(".lead-column");
    if (from === column) { return; }
    var leadId = card.getAttribute("data-lead-id");
    var url = board.getAttribute("data-move-url").replace("/0/", "/" + leadId + "/");
    var body = new URLSearchParams();
    body.append("status_id", column.getAttribute("data-status-id"));
    column.querySelector(".lead-cards").prepend(card);
    show("");
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": token, "Accept": "application/json" },
      body: body
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      if (result.ok) {
        var source = from.querySelector(".lead-count");
        var target = column.querySelector(".lead-count");
        if (source) { source.textContent = String(Math.max(0, (parseInt(source.textContent, 10) || 0) - 1)); }
        if (target) { target.textContent = String((parseInt(target.textContent, 10) || 0) + 1); }
        card.setAttribute("data-status-id", column.getAttribute("data-status-id"));
        return;
      }
      from.querySelector(".lead-cards").prepend(card);
      if (result.data && result.data.form_url) {
        window.location.assign(result.data.form_url);
      } else {
        show((result.data && result.data.message) || "");
      }
    }).catch(function () {
      from.querySelector(".lead-cards").prepend(card);
      show(board.getAttribute("data-error"));
    });
  });
}());
