// Web chat: a thin client of POST /v1/chat. Numbers and charts come formatted from the server.
// Every text from the server is inserted as text (never as HTML); only **x** becomes <strong>.
(function () {
  "use strict";
  var MAX_CHARS = 2000;
  var GENERAL = ["Como funciona a Tarifa Branca?", "Quais são meus direitos se faltar energia?",
    "O que vem na minha conta de luz?", "Falar com atendente"];
  var PERSONAL = ["Quanto consumi ontem?", "Explique minha última conta", "Teve falta de energia?",
    "Vale a pena a Tarifa Branca?"];
  var store = window.sessionStorage;
  var sid = store.getItem("sm_session") || null;
  var identified = store.getItem("sm_identified") === "1";
  var awaiting = null; // identification step the next message answers ("installation" | "cpf")
  var busy = false;
  var scroller = document.getElementById("scroller");
  var log = document.getElementById("log");
  var quick = document.getElementById("quick");
  var input = document.getElementById("text");
  var sendBtn = document.getElementById("send");
  var limit = document.getElementById("limit");
  var ident = document.getElementById("ident");
  var identStatus = document.getElementById("ident-status");
  var identBtn = document.getElementById("ident-btn");

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  // An amount of money ("R$ 1.234,56", "-R$ 10,00") is one unit on screen: it never wraps between
  // "R$" and the number (a nowrap span; the server's text keeps its plain space for WhatsApp and voice).
  var MONEY = /(-?R\$\s*-?\d[\d.]*(?:,\d+)?)/;

  function appendText(parent, text) {
    String(text).split(MONEY).forEach(function (part, k) {
      if (!part) return;
      parent.appendChild(k % 2 ? el("span", "money", part) : document.createTextNode(part));
    });
    return parent;
  }

  // "**x**" → <strong>x</strong>; "## Título" → a bold line; everything else stays text.
  function richText(container, text) {
    String(text).split("\n").forEach(function (line, i) {
      if (i) container.appendChild(document.createTextNode("\n"));
      var heading = /^#{1,6}\s+(.*)$/.exec(line);
      if (heading) { container.appendChild(appendText(el("strong"), heading[1].replace(/\*\*/g, ""))); return; }
      var parts = line.split(/\*\*(.+?)\*\*/);
      parts.forEach(function (part, j) {
        if (!part) return;
        appendText(j % 2 ? container.appendChild(el("strong")) : container, part);
      });
    });
    return container;
  }

  function maskDigits(text) {
    return String(text)
      .replace(/\b\d{3}\.?\d{3}\.?\d{3}-?\d{2}\b/g, "•••.•••.•••-••")
      .replace(/^\s*\d{4}\s*$/, "••••");
  }

  function formatInt(n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, "."); }

  function scrollToStart(li) {
    var top = li.offsetTop - scroller.offsetTop - 8;
    scroller.scrollTop = Math.max(0, top);
  }
  function scrollToEnd() { scroller.scrollTop = scroller.scrollHeight; }

  function addMine(shown) {
    var li = el("li", "msg me");
    li.appendChild(el("div", "text", shown));
    var state = el("div", "state", "Enviando…");
    li.appendChild(state);
    log.appendChild(li);
    scrollToEnd();
    return li;
  }

  function addTyping() {
    var li = el("li", "msg bot typing");
    li.setAttribute("aria-label", "O assistente está escrevendo");
    li.appendChild(el("span", "dot")); li.appendChild(el("span", "dot")); li.appendChild(el("span", "dot"));
    log.appendChild(li);
    scrollToEnd();
    return li;
  }

  function normSource(s) {
    return String(s || "").toLowerCase().replace(/\barts?\.?/g, "art").replace(/[^a-z0-9]/g, "");
  }

  function citationLinks(citations) {
    var seen = {};
    var box = el("div", "cites");
    box.appendChild(el("span", "cites-h", "Fontes: "));
    var n = 0;
    citations.forEach(function (c) {
      var label = c.source || c.title;
      var key = normSource(label);
      if (!label || seen[key]) return;
      seen[key] = true;
      if (n++) box.appendChild(document.createTextNode(" · "));
      var href = null;
      if (c.article_id) {
        href = "/v1/knowledge/articles/" + encodeURIComponent(c.article_id);
        if (c.excerpt) href += "?trecho=" + encodeURIComponent(String(c.excerpt).slice(0, 120));
        href += "#citado";
      } else if (c.url && /^https:\/\//.test(c.url)) {
        href = c.url;
      }
      if (href) {
        var a = el("a", null, c.title ? c.title + " (" + label + ")" : label);
        a.href = href; a.target = "_blank"; a.rel = "noopener";
        box.appendChild(a);
      } else {
        box.appendChild(el("span", "cite", label));
      }
    });
    return n ? box : null;
  }

  function addReply(r) {
    var li = el("li", "msg bot");
    li.appendChild(richText(el("div", "reply"), r.reply));
    (r.charts || []).forEach(function (c) {
      if (c.svg) { var box = el("figure", "chart"); box.innerHTML = c.svg; li.appendChild(box); }
    });
    var cites = r.citations && r.citations.length ? citationLinks(r.citations) : null;
    if (r.detail) { // the working and its sources sit behind "Como calculei"
      var d = el("details", "how");
      d.appendChild(el("summary", null, "Como calculei"));
      d.appendChild(richText(el("div", "detail"), String(r.detail).replace(/^\s*Como calculei:?\s*\n?/, "")));
      if (cites) d.appendChild(cites);
      li.appendChild(d);
    } else if (cites) {
      li.appendChild(cites);
    }
    log.appendChild(li);
    scrollToStart(li);
    return li;
  }

  // The server's quick replies; "Como calculou?" is dropped when the "Como calculei" button is already there.
  function suggestionsFor(r) {
    var list = (r.suggestions || []).filter(function (s) { return !(r.detail && /^como calculou/i.test(s)); });
    return list.length ? list : (identified ? PERSONAL : GENERAL);
  }

  function setSuggestions(list) {
    quick.textContent = "";
    (list || []).forEach(function (s) {
      var b = el("button", "chip", s);
      b.type = "button";
      b.addEventListener("click", function () { if (!busy) send(s); });
      quick.appendChild(b);
    });
  }

  function setBusy(on) {
    busy = on;
    sendBtn.disabled = on;
    sendBtn.textContent = on ? "Enviando…" : "Enviar";
    identBtn.disabled = on;
  }

  function markIdentified() {
    identified = true;
    store.setItem("sm_identified", "1");
    ident.hidden = true;
  }

  function errorText(res, body) {
    if (!res) return "Sem conexão com o atendimento. Verifique sua internet e tente de novo.";
    if (body && body.detail && typeof body.detail === "string") return body.detail;
    if (res.status === 429) return "Muitas mensagens em pouco tempo. Aguarde um minuto e tente de novo.";
    if (res.status >= 500) return "O atendimento está indisponível no momento. Tente de novo em instantes.";
    return "Não foi possível enviar sua mensagem.";
  }

  // One request. Resolves with the reply object, or rejects with {message, retry}.
  function post(text) {
    return fetch("/v1/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify({ session_id: sid, text: text, channel: "web" })
    }).then(function (res) {
      return res.json().catch(function () { return null; }).then(function (body) {
        if (!res.ok || !body || body.reply === undefined) {
          if (sid && res.status >= 400 && res.status < 500 && body && /session/.test(String(body.code || ""))) {
            sid = null; store.removeItem("sm_session"); // the server no longer knows this conversation
            return post(text);
          }
          throw { message: errorText(res, body), retry: res.status === 429 || res.status >= 500 };
        }
        if (body.session_id) { sid = body.session_id; store.setItem("sm_session", sid); }
        awaiting = body.awaiting || null;
        if (body.identified) markIdentified();
        return body;
      });
    }, function () {
      throw { message: errorText(null, null), retry: true };
    });
  }

  function showFailure(li, err, retry) {
    li.classList.add("failed");
    var state = li.querySelector(".state");
    state.textContent = "";
    state.appendChild(el("span", "err", err.message));
    var b = el("button", "retry", "Tentar de novo");
    b.type = "button";
    b.addEventListener("click", function () { if (!busy) retry(); });
    state.appendChild(b);
  }

  function send(text, shown) {
    var li = addMine(shown || (awaiting === "cpf" ? maskDigits(text.replace(/\d/g, "•")) : maskDigits(text)));
    return deliver(li, text);
  }

  function deliver(li, text) {
    setBusy(true);
    li.classList.remove("failed");
    li.querySelector(".state").textContent = "Enviando…";
    var typing = addTyping();
    return post(text).then(function (r) {
      typing.remove();
      li.querySelector(".state").textContent = "";
      addReply(r);
      setSuggestions(suggestionsFor(r));
      setBusy(false);
      return r;
    }, function (err) {
      typing.remove();
      setBusy(false);
      showFailure(li, err, function () { deliver(li, text); });
      return null;
    });
  }
  window.smSend = send;

  function checkLength() {
    var n = input.value.length;
    if (n > MAX_CHARS) {
      limit.textContent = "Sua mensagem tem " + formatInt(n) + " caracteres; o limite é " + formatInt(MAX_CHARS) +
        ". Resuma ou envie em partes.";
      limit.className = "limit over";
      return false;
    }
    limit.textContent = n > MAX_CHARS - 300 ? formatInt(n) + " de " + formatInt(MAX_CHARS) + " caracteres" : "";
    limit.className = "limit";
    return true;
  }

  input.addEventListener("input", function () {
    checkLength();
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight, 120) + "px";
  });
  input.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); document.getElementById("ask").requestSubmit(); }
  });

  document.getElementById("ask").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var text = input.value.trim();
    if (!text || busy || !checkLength()) return;
    input.value = "";
    input.style.height = "auto";
    checkLength();
    send(text);
  });

  function identFail(message) {
    identStatus.textContent = message;
    identStatus.className = "status error";
  }

  document.getElementById("ident-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    if (busy) return;
    var inst = document.getElementById("inst").value.replace(/\D/g, "");
    var cpf4 = document.getElementById("cpf4").value.replace(/\D/g, "");
    if (inst.length < 6 || inst.length > 15) {
      identFail("O número da instalação tem de 6 a 15 dígitos. Confira na sua conta de luz.");
      return;
    }
    if (cpf4.length !== 4) { identFail("Informe os 4 últimos dígitos do CPF do titular."); return; }
    identStatus.textContent = "Verificando…";
    identStatus.className = "status";
    var li = addMine("Instalação " + inst + " · CPF final ••••");
    setBusy(true);
    var typing = addTyping();
    var done = function () { typing.remove(); setBusy(false); li.querySelector(".state").textContent = ""; };
    post("minha instalação é " + inst).then(function (r) {
      if (r.identified) return r;
      if (r.awaiting !== "cpf") return r; // unknown installation or locked: the reply says why
      return post(cpf4);
    }).then(function (r) {
      done();
      if (r.identified) {
        identStatus.textContent = "";
        document.getElementById("cpf4").value = "";
      } else {
        identFail(r.reply);
        document.getElementById("cpf4").value = "";
      }
      addReply(r);
      setSuggestions(suggestionsFor(r));
    }, function (err) {
      done();
      identFail(err.message);
      li.remove();
    });
  });

  if (identified) ident.hidden = true;
  setSuggestions(identified ? PERSONAL : GENERAL);
})();
