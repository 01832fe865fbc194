// Live notifications: new items from the server's event stream go into the aria-live region.
(function () {
  "use strict";
  var feed = document.querySelector('[data-testid="live-feed"][data-stream]');
  if (!feed || !window.EventSource) return;
  var list = feed.querySelector("ul");

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function noteOf(body) {
    var prefixes = ["Le mot de votre conseiller : ", "A word from your counsellor: "];
    var lines = String(body || "").split("\n");
    for (var i = 0; i < lines.length; i++) {
      for (var j = 0; j < prefixes.length; j++) {
        if (lines[i].indexOf(prefixes[j]) === 0) {
          var note = lines[i].slice(prefixes[j].length);
          lines.splice(i, 1);
          return [lines.join("\n"), note];
        }
      }
    }
    return [lines.join("\n"), null];
  }

  function build(n) {
    var item = element("li", "fr-card tr-card" + (n.read ? "" : " tr-card--unread"));
    item.setAttribute("data-testid", "notification");
    item.setAttribute("data-id", n.id);
    if (n.offer_id) item.setAttribute("data-offer-id", n.offer_id);
    var body = element("div", "fr-card__body");
    var content = element("div", "fr-card__content");
    content.appendChild(element("h3", "fr-card__title", n.title));
    var badges = element("p", "tr-badges");
    if (!n.read) badges.appendChild(element("span", "fr-badge fr-badge--new fr-badge--no-icon", feed.getAttribute("data-label-unread")));
    if (n.offer_closed) badges.appendChild(element("span", "fr-badge fr-badge--warning fr-badge--no-icon", feed.getAttribute("data-label-closed")));
    content.appendChild(badges);
    var parts = noteOf(n.body);
    content.appendChild(element("p", "tr-pre", parts[0]));
    if (parts[1]) {
      var callout = element("div", "fr-callout tr-note");
      var text = element("p", "fr-callout__text");
      text.appendChild(element("strong", "", feed.getAttribute("data-label-note") + " : "));
      var note = element("span", "", parts[1]);
      note.setAttribute("data-testid", "counsellor-note");
      text.appendChild(note);
      callout.appendChild(text);
      content.appendChild(callout);
    }
    if (n.offer_id) {
      // A link to the offer's page, as the server renders it.
      var link = element("a", "fr-link", feed.getAttribute("data-label-open"));
      var query = n.seeker_id && feed.getAttribute("data-offer-base").indexOf("/console/") === 0
        ? "?seeker=" + encodeURIComponent(n.seeker_id) : "";
      link.href = feed.getAttribute("data-offer-base") + encodeURIComponent(n.offer_id) + query;
      link.appendChild(element("span", "fr-sr-only", " – " + (n.title || "")));
      var line = element("p");
      line.appendChild(link);
      content.appendChild(line);
    }
    body.appendChild(content);
    item.appendChild(body);
    return item;
  }

  // The last position seen: after an error (the notifier restarting answers 503, which ends an
  // EventSource for good), the stream is opened again from there, waiting longer each time.
  var base = feed.getAttribute("data-stream");
  var lastSeq = null;
  var delay = 1000;

  function show(event) {
    var n;
    try { n = JSON.parse(event.data); } catch (error) { return; }
    if (!n || !n.id) return;
    if (event.lastEventId) lastSeq = event.lastEventId;
    delay = 1000;
    var empty = document.getElementById("feed-empty");
    if (empty) empty.parentNode.removeChild(empty);
    var existing = null;
    var items = list.querySelectorAll('[data-testid="notification"]');
    for (var i = 0; i < items.length; i++) {
      if (items[i].getAttribute("data-id") === n.id) existing = items[i];
    }
    if (existing) {
      if (n.offer_closed && !existing.querySelector(".fr-badge--warning")) {
        existing.parentNode.replaceChild(build(n), existing);
      }
      return;
    }
    list.insertBefore(build(n), list.firstChild);
  }

  function open() {
    var url = new URL(base, window.location.href);
    if (lastSeq !== null) url.searchParams.set("after", lastSeq);
    var source = new EventSource(url.toString());
    source.addEventListener("notification", show);
    source.addEventListener("error", function () {
      if (source.readyState !== EventSource.CLOSED) return; // the browser retries by itself
      window.setTimeout(open, delay);
      delay = Math.min(delay * 2, 30000);
    });
  }

  open();
})();
