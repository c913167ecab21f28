// Web chat: a thin client of POST /v1/chat. Numbers come formatted from the server.
(function () {
  "use strict";
  var sid = sessionStorage.getItem("sm_session") || null;
  var log = document.getElementById("log");
  var quick = document.getElementById("quick");

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function addMine(text) {
    var li = el("li", "msg me", text);
    log.appendChild(li);
    li.scrollIntoView({ block: "end" });
  }

  function addReply(r) {
    var li = el("li", "msg bot");
    li.appendChild(el("div", "reply", r.reply));
    (r.charts || []).forEach(function (c) {
      if (c.svg) { var box = el("div", "chart"); box.innerHTML = c.svg; li.appendChild(box); }
    });
    if (r.detail) {
      var d = el("details");
      d.appendChild(el("summary", null, "Como calculei"));
      d.appendChild(el("div", "detail", r.detail));
      li.appendChild(d);
    }
    if (r.citations && r.citations.length) {
      var cites = el("div", "cites", "Fontes: ");
      r.citations.forEach(function (c, i) {
        var a = el("a", null, c.source || c.title);
        a.href = c.article_id ? "/v1/knowledge/articles/" + encodeURIComponent(c.article_id) : "#";
        a.target = "_blank";
        if (i) cites.appendChild(document.createTextNode("; "));
        cites.appendChild(a);
      });
      li.appendChild(cites);
    }
    log.appendChild(li);
    li.scrollIntoView({ block: "end" });
    quick.innerHTML = "";
    (r.suggestions || []).forEach(function (s) {
      var b = el("button", null, s);
      b.type = "button";
      b.addEventListener("click", function () { send(s); });
      quick.appendChild(b);
    });
    if (r.identified) {
      document.getElementById("ident-status").textContent = "Identificação confirmada.";
      document.getElementById("ident").hidden = true;
    }
  }

  function send(text) {
    addMine(text);
    return fetch("/v1/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ session_id: sid, text: text, channel: "web" })
    }).then(function (res) { return res.json(); }).then(function (r) {
      if (r.session_id) { sid = r.session_id; sessionStorage.setItem("sm_session", sid); }
      if (r.reply !== undefined) addReply(r); else addReply({ reply: r.detail || "Erro ao enviar." });
      return r;
    });
  }
  window.smSend = send;

  document.getElementById("ask").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var input = document.getElementById("text");
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    send(text);
  });

  document.getElementById("ident-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var inst = document.getElementById("inst").value.trim();
    var cpf4 = document.getElementById("cpf4").value.trim();
    document.getElementById("ident-status").textContent = "Verificando…";
    send("minha instalação é " + inst).then(function () {
      return send(cpf4);
    });
  });
})();
