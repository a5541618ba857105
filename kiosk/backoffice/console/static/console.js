// The console's live parts: every second, the feed (/console/live) gives the open "call a
// clerk" alerts and, on the board, each kiosk's row; only the changed text is replaced, so a
// message being typed into a row's form is left alone. Text goes in with textContent, never
// as HTML.
(function () {
  "use strict";
  const PERIOD_MS = 1000;
  const body = document.body;
  const board = document.getElementById("board");
  const area = document.getElementById("help-alerts");
  const feed = body.dataset.live + (board ? "?board=1" : "");
  let shownAlerts = "";

  function alertBox(alert) {
    const box = document.createElement("div");
    box.className = "alert alert-danger d-flex justify-content-between align-items-center console-help";
    box.setAttribute("role", "alert");
    box.dataset.alertId = alert.id;
    const words = document.createElement("div");
    const title = document.createElement("strong");
    title.textContent = alert.text;
    const where = document.createElement("div");
    where.textContent = alert.where + " · " + alert.since;
    words.append(title, where);
    const form = document.createElement("form");
    form.method = "post";
    form.action = body.dataset.ackUrl + alert.id + "/ack";
    const token = document.createElement("input");
    token.type = "hidden";
    token.name = "csrf";
    token.value = body.dataset.csrf;
    const button = document.createElement("button");
    button.type = "submit";
    button.className = "btn btn-danger btn-sm";
    button.textContent = body.dataset.ackLabel;
    form.append(token, button);
    box.append(words, form);
    return box;
  }

  function drawAlerts(alerts) {
    const seen = JSON.stringify(alerts);
    if (seen === shownAlerts) return;
    shownAlerts = seen;
    area.replaceChildren(...alerts.map(alertBox));
  }

  function drawBoard(kiosks) {
    const rows = board.querySelectorAll("tbody tr[data-kiosk]");
    const names = Array.from(rows, (row) => row.dataset.kiosk).join("\n");
    if (names !== kiosks.map((kiosk) => kiosk.name).join("\n")) {
      window.location.reload();  // a kiosk added or revoked: the server draws the rows
      return;
    }
    kiosks.forEach((kiosk, index) => {
      const row = rows[index];
      row.dataset.state = kiosk.state;
      for (const cell of row.querySelectorAll("[data-field]")) {
        const text = kiosk[cell.dataset.field];
        if (cell.textContent !== text) cell.textContent = text;
      }
      row.querySelector('[data-field="reader"]').dataset.ok = String(kiosk.reader_ok);
      row.querySelector('[data-field="outbox"]').dataset.ok = String(kiosk.outbox_ok);
    });
  }

  async function poll() {
    try {
      const answer = await fetch(feed, { credentials: "same-origin", cache: "no-store" });
      if (answer.status === 401) {
        window.location.reload();  // signed out meanwhile: the page sends to the sign-in form
        return;
      }
      if (answer.ok) {
        const live = await answer.json();
        drawAlerts(live.alerts);
        if (board && live.kiosks) drawBoard(live.kiosks);
      }
    } catch (error) {
      // the back-office restarting, the network gone for a moment: the next poll tries again
    }
    window.setTimeout(poll, PERIOD_MS);
  }

  poll();
})();
