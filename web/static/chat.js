// The facilitator chat page: sends messages to POST /api/v1/chat and renders the answer.
// Every text from the user or the store goes into the page with textContent, never as HTML.
(function () {
  "use strict";

  const root = document.getElementById("chat");
  if (!root) return;
  const log = document.getElementById("chat-log");
  const form = document.getElementById("chat-form");
  const input = document.getElementById("chat-input");
  const send = document.getElementById("chat-send");
  const words = root.dataset;
  const csrfMeta = document.querySelector('meta[name="csrf-token"]');
  const csrf = csrfMeta ? csrfMeta.getAttribute("content") : "";
  const STORAGE_KEY = "matchmaker-chat-session";

  function newSessionId() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    return "s" + Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  let sessionId = window.sessionStorage.getItem(STORAGE_KEY);
  if (!sessionId) {
    sessionId = newSessionId();
    window.sessionStorage.setItem(STORAGE_KEY, sessionId);
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function scrollDown() {
    log.scrollTop = log.scrollHeight;
  }

  // A long answer is read from its top: scroll so that the answer starts at the top of the log
  // (or as far down as the log goes), never to its bottom.
  function scrollToTop(box) {
    const top = box.offsetTop - log.offsetTop - 8;
    log.scrollTop = Math.max(0, Math.min(top, log.scrollHeight - log.clientHeight));
  }

  function headers() {
    const h = { "Content-Type": "application/json", Accept: "application/json" };
    if (csrf) h["X-CSRFToken"] = csrf;
    return h;
  }

  function addUserMessage(text) {
    const box = el("div", "msg user");
    box.appendChild(el("p", "", text));
    log.appendChild(box);
    scrollDown();
  }

  function addBotMessage(answer) {
    const box = el("div", "msg bot");
    box.dataset.intent = answer.intent || "";
    box.appendChild(el("p", "reply", answer.reply));
    const cards = answer.cards || [];
    if (cards.length) {
      const list = el("div", "cards");
      cards.forEach(function (card) {
        list.appendChild(renderCard(card));
      });
      box.appendChild(list);
    }
    log.appendChild(box);
    scrollToTop(box);
    return box;
  }

  // A score as the page's language writes numbers: 0,36 in Danish, 0.36 in English.
  const pageLang = document.documentElement.lang || "da";
  function score(value) {
    if (typeof value !== "number") return "";
    return value.toLocaleString(pageLang, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }

  // A design warning beside a network: what is wrong, then what would fix it.
  function warningsList(warnings) {
    const ul = el("ul", "warnings");
    warnings.forEach(function (w) {
      const li = el("li", "warning", w.text);
      if (w.fix) li.appendChild(el("span", "fix", " " + w.fix));
      ul.appendChild(li);
    });
    return ul;
  }

  function reasonsList(reasons) {
    const ul = el("ul", "reasons");
    (reasons || []).forEach(function (r) {
      ul.appendChild(el("li", "", r));
    });
    return ul;
  }

  // A firm's field label in the language of the card (the reply's), which may differ from
  // the page's: an English question on the Danish page gets English cards.
  function field(name, lang) {
    return words[name + ((lang || pageLang) === "en" ? "En" : "Da")];
  }

  function meta(parts) {
    return el("p", "meta", parts.filter(Boolean).join(" · "));
  }

  function renderCard(card) {
    const box = el("article", "chat-card " + card.type);
    box.dataset.type = card.type;
    if (card.id !== undefined) box.dataset.id = card.id;
    const render = RENDERERS[card.type] || renderPlain;
    render(box, card);
    box.appendChild(renderActions(card, box));
    return box;
  }

  function heading(box, ordinal, title, extra) {
    const h = el("h3");
    if (ordinal) h.appendChild(el("span", "ordinal", ordinal + "."));
    h.appendChild(el("span", "title", title));
    if (extra) h.appendChild(el("span", "badge", extra));
    box.appendChild(h);
  }

  const RENDERERS = {
    firm: function (box, card) {
      heading(box, card.ordinal, card.name, card.type_label);
      box.appendChild(meta([card.region, card.city, card.sector, words.score + " " + score(card.score)]));
      box.appendChild(reasonsList(card.reasons));
      (card.flag_labels || card.flags || []).forEach(function (f) {
        box.appendChild(el("p", "flag", f));
      });
    },
    pair: function (box, card) {
      heading(box, card.ordinal, card.a.name + " ↔ " + card.b.name, card.type_label);
      box.appendChild(meta([words.score + " " + score(card.score)]));
      box.appendChild(reasonsList(card.reasons));
      box.appendChild(bringsList(card.brings, card.lang));
    },
    // Why a network holds together: what each member brings, then its pairs one by one.
    explanation: function (box, card) {
      heading(box, null, card.title);
      if (card.brings && card.brings.length) box.appendChild(bringsList(card.brings, card.lang));
      else box.appendChild(memberList(card.members));
      if (card.pairs && card.pairs.length) {
        const ul = el("ul", "pairs");
        card.pairs.forEach(function (p) {
          const li = el("li");
          li.appendChild(el("strong", "", p.a.name + " ↔ " + p.b.name));
          li.appendChild(el("span", "meta", " " + words.score + " " + score(p.score)));
          if (p.reasons && p.reasons.length) li.appendChild(el("span", "reason", ": " + p.reasons.join("; ")));
          ul.appendChild(li);
        });
        box.appendChild(ul);
      }
    },
    profile: function (box, card) {
      heading(box, card.ordinal, card.name);
      box.appendChild(meta([card.region, card.city, card.sector, card.nace,
        card.employees != null ? field("employees", card.lang) + ": " + card.employees : ""]));
      if (card.reason) box.appendChild(el("p", "reason", card.reason));
      if (card.description) box.appendChild(el("p", "", card.description));
      if (card.offers) box.appendChild(labelled(field("offers", card.lang), card.offers));
      if (card.needs) box.appendChild(labelled(field("needs", card.lang), card.needs));
      if (card.contact_name || card.contact_email) {
        box.appendChild(labelled(field("contact", card.lang), [card.contact_name, card.contact_email].filter(Boolean).join(", ")));
      }
    },
    network: function (box, card) {
      heading(box, null, card.title, card.type_label);
      box.appendChild(meta([words.score + " " + score(card.score), statusText(card.status)]));
      if (card.purpose) box.appendChild(el("p", "purpose", card.purpose));
      box.appendChild(memberList(card.members));
      if (card.reasons && card.reasons.length) box.appendChild(reasonsList(card.reasons));
      if (card.warnings && card.warnings.length) box.appendChild(warningsList(card.warnings));
    },
    cohort: function (box, card) {
      heading(box, null, card.title);
      box.appendChild(meta([words.score + " " + score(card.coherence),
        (card.themes || []).length ? words.themes + ": " + card.themes.join(", ") : ""]));
      box.appendChild(memberList(card.members));
    },
    choice: function (box, card) {
      heading(box, null, card.name);
    },
    // A pointer to another page (e.g. discard an old proposal); its action is a plain link.
    notice: function (box, card) {
      heading(box, null, card.name);
      if (card.text) box.appendChild(el("p", "", card.text));
    },
    export: function () {},
  };

  function renderPlain(box, card) {
    heading(box, null, card.name || card.title || card.type);
  }

  function bringsList(items, lang) {
    const ul = el("ul", "brings");
    (items || []).forEach(function (b) {
      const li = el("li");
      li.appendChild(el("strong", "", b.name + ": "));
      const parts = [];
      if (b.offers) parts.push(field("offers", lang) + ": " + b.offers);
      if (b.needs) parts.push(field("needs", lang) + ": " + b.needs);
      li.appendChild(document.createTextNode(parts.join(" · ")));
      ul.appendChild(li);
    });
    return ul;
  }

  function labelled(label, text) {
    const p = el("p", "labelled");
    p.appendChild(el("strong", "", label + ": "));
    p.appendChild(document.createTextNode(text));
    return p;
  }

  function statusText(status) {
    if (status === "accepted") return words.accepted;
    if (status === "rejected") return words.rejected;
    if (status === "preview") return words.preview;
    return "";
  }

  function memberList(members) {
    const ul = el("ul", "members");
    (members || []).forEach(function (m) {
      const li = el("li");
      if (m.href) {
        const a = el("a", "", m.name);
        a.href = m.href;
        li.appendChild(a);
      } else {
        li.appendChild(el("span", "", m.name));
      }
      if (m.reason) li.appendChild(el("span", "reason", " – " + m.reason));
      ul.appendChild(li);
    });
    return ul;
  }

  function renderActions(card, box) {
    const bar = el("div", "card-actions");
    (card.actions || []).forEach(function (action) {
      if (action.message) {
        const b = el("button", "secondary small", action.label);
        b.type = "button";
        b.dataset.kind = action.kind;
        b.addEventListener("click", function () {
          ask(action.message);
        });
        bar.appendChild(b);
      } else if (action.method === "POST" && action.href) {
        const b = el("button", "small " + (action.kind === "reject" ? "danger" : ""), action.label);
        b.type = "button";
        b.dataset.kind = action.kind;
        b.addEventListener("click", function () {
          review(action, box, bar);
        });
        bar.appendChild(b);
      } else if (action.links) {
        const group = el("span", "downloads");
        group.appendChild(el("span", "label", action.label + ":"));
        action.links.forEach(function (link) {
          group.appendChild(downloadLink(link.label, link.href, link.format));
        });
        bar.appendChild(group);
      } else if (action.kind === "download" && action.href) {
        bar.appendChild(downloadLink(action.label, action.href, action.format, "button"));
      } else if (action.href) {
        const a = el("a", "button secondary small", action.label);
        a.href = action.href;
        a.dataset.kind = action.kind;
        bar.appendChild(a);
      }
    });
    return bar;
  }

  function downloadLink(label, href, format, extra) {
    const a = el("a", "download " + (extra || ""), label);
    a.href = href;
    a.setAttribute("download", "");
    a.dataset.format = format || "";
    a.dataset.kind = "download";
    return a;
  }

  function review(action, box, bar) {
    fetch(action.href, { method: "POST", headers: headers(), credentials: "same-origin", body: "{}" })
      .then(function (r) {
        return r.json().then(function (body) {
          return { ok: r.ok, body: body };
        });
      })
      .then(function (result) {
        if (!result.ok) throw new Error(result.body.error || words.error);
        const status = result.body.status || action.kind + "ed";
        box.dataset.status = status;
        bar.querySelectorAll("button[data-kind=accept], button[data-kind=reject]").forEach(function (b) {
          b.remove();
        });
        bar.prepend(el("span", "status " + status, statusText(status) || status));
      })
      .catch(function (err) {
        bar.appendChild(el("span", "error", err.message || words.error));
      });
  }

  function setBusy(busy) {
    send.disabled = busy;
    root.classList.toggle("busy", busy);
  }

  function ask(text) {
    text = (text || "").trim();
    if (!text) return;
    addUserMessage(text);
    const waiting = el("div", "msg bot thinking", words.thinking);
    log.appendChild(waiting);
    scrollDown();
    setBusy(true);
    fetch(root.dataset.endpoint, {
      method: "POST",
      headers: headers(),
      credentials: "same-origin",
      body: JSON.stringify({ session_id: sessionId, message: text }),
    })
      .then(function (r) {
        return r.json().then(function (body) {
          return { ok: r.ok, body: body };
        });
      })
      .then(function (result) {
        waiting.remove();
        if (!result.ok) {
          const fields = result.body.fields || {};
          const detail = Object.keys(fields).map(function (k) {
            return k + ": " + fields[k];
          }).join("; ");
          addError(detail || result.body.error || words.error);
          return;
        }
        addBotMessage(result.body);
      })
      .catch(function () {
        waiting.remove();
        addError(words.error);
      })
      .finally(function () {
        setBusy(false);
        input.focus();
      });
  }

  function addError(text) {
    const box = el("div", "msg bot error");
    box.appendChild(el("p", "", text));
    log.appendChild(box);
    scrollDown();
  }

  function loadHistory() {
    const url = root.dataset.history + "?session_id=" + encodeURIComponent(sessionId);
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) {
        return r.ok ? r.json() : { items: [] };
      })
      .then(function (body) {
        (body.items || []).forEach(function (item) {
          if (item.role === "user") addUserMessage(item.text);
          else addBotMessage({ reply: item.text, intent: item.intent, cards: item.cards });
        });
      })
      .catch(function () {});
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const text = input.value;
    input.value = "";
    ask(text);
  });

  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  document.querySelectorAll("#chat-examples [data-example]").forEach(function (b) {
    b.addEventListener("click", function () {
      input.value = b.dataset.example;
      input.focus();
    });
  });

  document.getElementById("chat-new").addEventListener("click", function () {
    sessionId = newSessionId();
    window.sessionStorage.setItem(STORAGE_KEY, sessionId);
    log.querySelectorAll(".msg:not(.intro)").forEach(function (m) {
      m.remove();
    });
    input.focus();
  });

  loadHistory();
})();
