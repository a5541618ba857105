// The console's live parts: every second, the feed (/console/live) gives the open alerts
// ("call a clerk", a case opened), the tickets waiting (the menu's badge, and an alert for each ticket that
// arrived since this tab first looked) and, on the board, each kiosk's row, on the tickets
// page the queue; only the changed text is replaced, so a message being typed into a row's
// form is left alone. Text goes in with textContent, never as HTML.
(function () {
  "use strict";
  const PERIOD_MS = 1000;
  const body = document.body;
  const board = document.getElementById("board");
  const area = document.getElementById("help-alerts");
  const queue = document.getElementById("queue");
  const ticketArea = document.getElementById("ticket-alerts");
  const badge = document.getElementById("tickets-waiting");
  const feed = body.dataset.live + (board ? "?board=1" : queue ? "?tickets=1" : "");
  // The newest ticket this tab knew of when it first polled (kept across its pages): only
  // later ones are news.
  const SEEN_KEY = "console.tickets.seen";
  let shownAlerts = "";
  let shownTickets = "";

  function alertBox(alert) {
    const box = document.createElement("div");
    box.className = "alert alert-danger d-flex justify-content-between align-items-center console-" + alert.kind;
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

  // A live table's rows (tbody tr[data-KEY]) take the feed's lines: each [data-field] cell its
  // text, then `more` for the rest. Lines come or go: the page reloads, the server draws rows.
  function drawRows(table, key, lines, keyOf, more) {
    const rows = table.querySelectorAll(`tbody tr[data-${key}]`);
    const keys = Array.from(rows, (row) => row.dataset[key]).join("\n");
    if (keys !== lines.map(keyOf).join("\n")) {
      window.location.reload();
      return;
    }
    lines.forEach((line, index) => {
      const row = rows[index];
      for (const cell of row.querySelectorAll("[data-field]")) {
        const text = line[cell.dataset.field];
        if (cell.textContent !== text) cell.textContent = text;
      }
      more(row, line);
    });
  }

  function drawBoard(kiosks) {
    drawRows(board, "kiosk", kiosks, (kiosk) => kiosk.name, (row, kiosk) => {
      row.dataset.state = kiosk.state;
      row.dataset.tampered = String(kiosk.tampered);
      row.querySelector('[data-field="reader"]').dataset.ok = String(kiosk.reader_ok);
      row.querySelector('[data-field="outbox"]').dataset.ok = String(kiosk.outbox_ok);
      drawHealth(row.querySelector("[data-health]"), kiosk.health);
    });
  }

  // A kiosk's health badges (under-voltage, a printer without paper...): redrawn when they change.
  function drawHealth(cell, badges) {
    const drawn = JSON.stringify(badges);
    if (cell.dataset.drawn === drawn) return;
    cell.dataset.drawn = drawn;
    cell.replaceChildren(...badges.map((badge) => {
      const span = document.createElement("span");
      span.className = "badge console-health";
      span.dataset.problem = badge.problem;
      span.textContent = badge.label;
      return span;
    }));
  }

  function ticketBox(ticket) {
    const box = document.createElement("div");
    box.className = "alert alert-warning d-flex justify-content-between align-items-center console-ticket";
    box.setAttribute("role", "status");
    box.dataset.ticketId = ticket.id;
    const words = document.createElement("strong");
    words.textContent = ticket.text;
    const link = document.createElement("a");
    link.className = "btn btn-primary btn-sm";
    link.href = ticketArea.dataset.url + ticket.id;
    link.textContent = ticketArea.dataset.openLabel;
    box.append(words, link);
    return box;
  }

  function drawTickets(tickets) {
    if (badge) {
      badge.textContent = String(tickets.waiting);
      badge.hidden = tickets.waiting === 0;
    }
    const newest = tickets.fresh.reduce((top, ticket) => Math.max(top, ticket.id), 0);
    let seen = Number(window.sessionStorage.getItem(SEEN_KEY));
    if (!window.sessionStorage.getItem(SEEN_KEY)) {
      seen = newest;
      window.sessionStorage.setItem(SEEN_KEY, String(seen));
    }
    ticketArea.dataset.seen = String(seen);
    const news = tickets.fresh.filter((ticket) => ticket.id > seen).reverse();
    const drawn = JSON.stringify(news);
    if (drawn === shownTickets) return;
    shownTickets = drawn;
    ticketArea.replaceChildren(...news.map(ticketBox));
  }

  function drawQueue(lines) {
    drawRows(queue, "ticket", lines, (line) => String(line.id), (row, line) => {
      row.dataset.status = line.status;
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
        drawTickets(live.tickets);
        if (board && live.kiosks) drawBoard(live.kiosks);
        if (queue && live.tickets.queue) drawQueue(live.tickets.queue);
      }
    } catch (error) {
      // the back-office restarting, the network gone for a moment: the next poll tries again
    }
    window.setTimeout(poll, PERIOD_MS);
  }

  poll();
})();
