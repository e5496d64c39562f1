// The online test page. It talks to the lean exam path (/exams/live/…, edudx.exams.live):
// start with the signed ticket the page carries, then every request with the attempt token
// start returned (bound to this device). Every answer is saved on its own
// (PUT …/answers/<question>) with an increasing sequence number; answers wait in a queue kept in localStorage, so a dropped
// connection (or a closed tab) loses nothing: the queue is replayed when the network comes
// back, and the server keeps only the newest seq for each question, so replays are harmless.
// The server owns the clock: the page only counts down the seconds the server gave it.
(function () {
  "use strict";
  var root = document.getElementById("exam");
  if (!root) return;
  var S = JSON.parse(document.getElementById("exam-strings").textContent);
  var attempt = root.getAttribute("data-attempt");
  var api = root.getAttribute("data-live") + attempt;
  var ticket = root.getAttribute("data-ticket");
  var token = "";
  var form = document.getElementById("exam-form");
  var saveEl = document.getElementById("exam-save");
  var timerEl = document.getElementById("exam-timer");
  var errorEl = document.getElementById("exam-error");
  var resultEl = document.getElementById("exam-result");
  var submitBtn = document.getElementById("exam-submit");
  var queueKey = "edudx-exam-queue-" + attempt;
  var seqKey = "edudx-exam-seq-" + attempt;
  var flushing = false;
  var closed = false;
  var deadlineAt = null;

  function deviceToken() {
    var t = localStorage.getItem("edudx-device");
    if (!t) {
      var bytes = new Uint8Array(16);
      crypto.getRandomValues(bytes);
      t = Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
      localStorage.setItem("edudx-device", t);
    }
    return t;
  }
  var device = deviceToken();

  function loadQueue() {
    try { return JSON.parse(localStorage.getItem(queueKey) || "{}"); } catch (e) { return {}; }
  }
  function storeQueue(q) { localStorage.setItem(queueKey, JSON.stringify(q)); }
  function nextSeq() {
    var n = parseInt(localStorage.getItem(seqKey) || "0", 10) + 1;
    localStorage.setItem(seqKey, String(n));
    return n;
  }
  function pending() { return Object.keys(loadQueue()).length; }

  function request(method, url, body) {
    return fetch(url, {
      method: method,
      credentials: "omit",  // authenticated by the signed headers, not by cookies
      headers: {
        "Content-Type": "application/json",
        "X-Device-Token": device,
        "X-Exam-Ticket": ticket,
        "X-Attempt-Token": token,
        "Accept": "application/json",
        "Accept-Language": document.documentElement.lang || "vi"  // the page's language
      },
      body: body === undefined ? undefined : JSON.stringify(body)
    });
  }

  function showError(text) {
    errorEl.textContent = text;
    errorEl.hidden = !text;
  }

  function showSaveState() {
    var n = pending();
    saveEl.textContent = n ? S.offline.replace("%n", n) : S.saved;
    saveEl.className = n ? "exam-offline" : "exam-saved";
  }

  function flush() {
    if (flushing || closed || !token) return Promise.resolve();  // not started yet
    var queue = loadQueue();
    var keys = Object.keys(queue);
    if (!keys.length) { showSaveState(); return Promise.resolve(); }
    flushing = true;
    saveEl.textContent = S.saving;
    saveEl.className = "exam-saving";  // text and state class always agree
    var chain = Promise.resolve();
    keys.forEach(function (qv) {
      chain = chain.then(function () {
        var item = queue[qv];
        return request("PUT", api + "/answers/" + qv, { response: item.response, seq: item.seq })
          .then(function (r) {
            return r.json().then(function (body) {
              var now = loadQueue();
              if (r.ok || r.status === 400) {
                // Acknowledged (or refused for good): drop it unless a newer answer replaced it.
                if (now[qv] && now[qv].seq <= item.seq) delete now[qv];
                storeQueue(now);
                if (!r.ok) showError(body.message);
              } else if (r.status === 409 || r.status === 401 || r.status === 403) {
                storeQueue(now);
                showError(body.message);
                if (body.code === "exams.attempt.time_up" || body.code === "exams.attempt.submitted" ||
                    body.code === "exams.token.expired") {
                  closed = true;
                }
                throw new Error("stop");
              } else {
                throw new Error("retry");
              }
            });
          });
      });
    });
    return chain.catch(function () { /* offline or refused: kept in the queue */ })
      .then(function () { flushing = false; showSaveState(); });
  }

  function record(qv, response) {
    var queue = loadQueue();
    queue[qv] = { response: response, seq: nextSeq() };
    storeQueue(queue);
    showSaveState();
    flush();
  }

  function el(tag, attrs, html) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (html !== undefined) e.innerHTML = html; // server-rendered (escaped) HTML / MathML
    return e;
  }

  function collect(q, box) {
    var name = "q" + q.qv;
    if (q.kind === "single") {
      var c = box.querySelector("input[name=" + name + "]:checked");
      return c ? c.value : null;
    }
    if (q.kind === "multiple") {
      return Array.prototype.map.call(box.querySelectorAll("input[name=" + name + "]:checked"), function (i) { return i.value; });
    }
    if (q.kind === "tf4") {
      var out = {};
      q.data.statements.forEach(function (s) {
        var c = box.querySelector("input[name=" + name + "-" + s.id + "]:checked");
        if (c) out[s.id] = c.value === "1";
      });
      return out;
    }
    if (q.kind === "matching" || q.kind === "cloze") {
      var m = {};
      Array.prototype.forEach.call(box.querySelectorAll("[data-key]"), function (f) {
        if (f.value !== "") m[f.getAttribute("data-key")] = f.value;
      });
      return m;
    }
    var t = box.querySelector("[name=" + name + "]");
    return t ? t.value : null;
  }

  function restore(q, box, response) {
    if (response === null || response === undefined) return;
    var name = "q" + q.qv;
    if (q.kind === "single") {
      var r = box.querySelector("input[name=" + name + "][value='" + response + "']");
      if (r) r.checked = true;
    } else if (q.kind === "multiple") {
      (response || []).forEach(function (v) {
        var c = box.querySelector("input[name=" + name + "][value='" + v + "']");
        if (c) c.checked = true;
      });
    } else if (q.kind === "tf4") {
      Object.keys(response).forEach(function (sid) {
        var c = box.querySelector("input[name=" + name + "-" + sid + "][value='" + (response[sid] ? "1" : "0") + "']");
        if (c) c.checked = true;
      });
    } else if (q.kind === "matching" || q.kind === "cloze") {
      Object.keys(response).forEach(function (k) {
        var f = box.querySelector("[data-key='" + k + "']");
        if (f) f.value = response[k];
      });
    } else {
      var t = box.querySelector("[name=" + name + "]");
      if (t) t.value = response;
    }
  }

  function choiceList(q, type) {
    var list = el("div", { "class": "q-choices" });
    q.data.options.forEach(function (o, i) {
      var id = "q" + q.qv + "-" + o.id;
      var label = el("label", { "for": id, "class": "q-choice" });
      var input = el("input", { type: type, id: id, name: "q" + q.qv, value: o.id });
      label.appendChild(input);
      label.appendChild(el("span", { "class": "q-letter" }, "ABCDEFGH".charAt(i) + "."));
      label.appendChild(el("span", {}, o.html));
      list.appendChild(label);
    });
    return list;
  }

  function render(q) {
    var box = el("fieldset", { "class": "q-box", "data-qv": q.qv });
    box.appendChild(el("legend", {}, S.question + " " + (q.position + 1) + " (" + q.points.replace(".", ",") + " " + S.points + ")"));
    box.appendChild(el("div", { "class": "q-stem" }, q.html));
    var name = "q" + q.qv;
    if (q.kind === "single") box.appendChild(choiceList(q, "radio"));
    else if (q.kind === "multiple") box.appendChild(choiceList(q, "checkbox"));
    else if (q.kind === "tf4") {
      q.data.statements.forEach(function (s) {
        var row = el("div", { "class": "q-tf" });
        row.appendChild(el("div", { "class": "q-tf-text" }, s.id + ") " + s.html));
        [["1", S["true"]], ["0", S["false"]]].forEach(function (p) {
          var id = name + "-" + s.id + "-" + p[0];
          var label = el("label", { "for": id, "class": "q-choice" });
          label.appendChild(el("input", { type: "radio", id: id, name: name + "-" + s.id, value: p[0] }));
          label.appendChild(document.createTextNode(" " + p[1]));
          row.appendChild(label);
        });
        box.appendChild(row);
      });
    } else if (q.kind === "matching") {
      q.data.lefts.forEach(function (l) {
        var id = name + "-" + l.id;
        box.appendChild(el("label", { "for": id }, l.text));
        var sel = el("select", { id: id, "data-key": l.id });
        sel.appendChild(el("option", { value: "" }, S.choose));
        q.data.rights.forEach(function (r) {
          var opt = el("option", {});
          opt.value = r; opt.textContent = r;
          sel.appendChild(opt);
        });
        box.appendChild(sel);
      });
    } else if (q.kind === "cloze") {
      q.data.blanks.forEach(function (b) {
        var id = name + "-" + b.id;
        box.appendChild(el("label", { "for": id }, "[" + b.id + "]"));
        var f;
        if (b.mode === "choice") {
          f = el("select", { id: id, "data-key": b.id });
          f.appendChild(el("option", { value: "" }, S.choose));
          b.options.forEach(function (o) { var opt = el("option", { value: o.id }); opt.textContent = o.text; f.appendChild(opt); });
        } else {
          f = el("input", { type: "text", id: id, "data-key": b.id, autocomplete: "off" });
          if (b.mode === "numeric") f.setAttribute("inputmode", "decimal");
        }
        box.appendChild(f);
      });
    } else if (q.kind === "short") {
      var input = el("input", { type: "text", name: name, id: name, autocomplete: "off", "aria-label": S.question + " " + (q.position + 1) });
      if (q.data.mode === "numeric") input.setAttribute("inputmode", "decimal");
      box.appendChild(input);
    } else {
      box.appendChild(el("textarea", { name: name, id: name, rows: "6", "aria-label": S.question + " " + (q.position + 1) }));
    }
    var timer = null;
    function changed(ev) {
      var typing = ev.type === "input";
      clearTimeout(timer);
      timer = setTimeout(function () { record(q.qv, collect(q, box)); }, typing ? 700 : 0);
    }
    box.addEventListener("change", changed);
    box.addEventListener("input", function (ev) {
      if (ev.target.tagName === "TEXTAREA" || ev.target.type === "text") changed(ev);
    });
    return box;
  }

  function tick() {
    if (deadlineAt === null) return;
    var left = Math.max(0, Math.round((deadlineAt - performance.now()) / 1000));
    var m = Math.floor(left / 60), s = left % 60;
    timerEl.textContent = S.time_left + " " + m + ":" + (s < 10 ? "0" : "") + s;
    if (left === 0 && !closed) {
      timerEl.textContent = S.time_up;
      submit(true);
      return;
    }
    setTimeout(tick, 1000);
  }

  function showResult(state) {
    closed = true;
    form.querySelectorAll("input, select, textarea").forEach(function (f) { f.disabled = true; });
    submitBtn.hidden = true;
    var text = state.needs_grading ? S.submitted_manual : S.submitted;
    resultEl.textContent = text.replace("%s", (state.score || "0").replace(".", ",")).replace("%m", state.max_score.replace(".", ","));
    resultEl.hidden = false;
    deadlineAt = null;
    timerEl.textContent = "";
  }

  function submit(auto) {
    if (!auto && !window.confirm(S.submit_confirm)) return;
    flush().then(function () {
      var n = pending();
      if (n && !auto) { showError(S.submit_pending.replace("%n", n)); return; }
      return request("POST", api + "/submit").then(function (r) {
        return r.json().then(function (body) {
          if (r.ok) { localStorage.removeItem(queueKey); showError(""); showResult(body); }
          else showError(body.message);
        });
      });
    }).catch(function () { showError(S.submit_pending.replace("%n", pending())); });
  }

  // Before the window opens the page waits here: it counts down on the server's clock
  // (asked every 20 s, which also keeps the connection open) and starts by itself.
  var waiting = false;
  var openAt = null;
  var syncTimer = null;

  function leaveWaiting() {
    if (!waiting) return;
    waiting = false;
    clearInterval(syncTimer);
    timerEl.textContent = "";
    start();
  }

  function syncClock() {
    return request("GET", api + "/clock").then(function (r) {
      return r.json().then(function (c) {
        if (!r.ok) { showError(c.message); return; }
        if (c.open) { leaveWaiting(); return; }
        openAt = performance.now() + c.seconds_to_open * 1000;
      });
    }).catch(function () { /* offline: keep counting on the last answer */ });
  }

  function countdown() {
    if (!waiting) return;
    if (openAt !== null) {
      var left = Math.max(0, Math.ceil((openAt - performance.now()) / 1000));
      var m = Math.floor(left / 60), s = left % 60;
      timerEl.textContent = S.opens_in + " " + m + ":" + (s < 10 ? "0" : "") + s;
      if (left === 0) { leaveWaiting(); return; }
    }
    setTimeout(countdown, 1000);
  }

  function waitForOpen() {
    if (waiting) return;
    waiting = true;
    openAt = null;
    showError("");
    syncClock();
    syncTimer = setInterval(syncClock, 20000);
    countdown();
  }

  function start() {
    request("POST", api + "/start").then(function (r) {
      return r.json().then(function (state) {
        if (!r.ok && state.code === "exams.attempt.not_open") { waitForOpen(); return; }
        if (!r.ok) { showError(state.message); return; }
        token = state.token || "";
        var queue = loadQueue();
        var maxSeq = parseInt(localStorage.getItem(seqKey) || "0", 10);
        state.paper.questions.forEach(function (q) {
          var box = render(q);
          form.appendChild(box);
          var saved = state.answers[String(q.position)];
          if (saved) maxSeq = Math.max(maxSeq, saved.seq);
          var local = queue[String(q.qv)];
          restore(q, box, local ? local.response : saved ? saved.response : null);
        });
        localStorage.setItem(seqKey, String(maxSeq));
        if (state.status === "submitted") { showResult(state); return; }
        submitBtn.hidden = false;
        deadlineAt = performance.now() + state.seconds_left * 1000;
        tick();
        flush();
      });
    }).catch(function () { showError(S.error); });
  }

  submitBtn.addEventListener("click", function () { submit(false); });
  window.addEventListener("online", flush);
  setInterval(flush, 5000);
  start();
})();
