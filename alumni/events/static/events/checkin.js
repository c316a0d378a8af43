/* The check-in scanner (no build step). Online: every scan goes to the server, which admits a
 * ticket once. Offline (no network, or the server unreachable): the scan is checked here against
 * the cached bundle — Ed25519 signature with the event's public key (WebCrypto, else tweetnacl),
 * current version, revocations, this device's own admissions — and queued; the queue is uploaded
 * when the network returns, and the server reports double admissions as conflicts. */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("ck-config").textContent);
  var $ = function (id) { return document.getElementById(id); };
  var KEY = "ck:" + cfg.event;
  var LABELS = {
    admitted: "签到成功", already: "已签到", revoked: "票已作废", wrong_event: "非本活动门票",
    wrong_gate: "不可从此入口入场", invalid: "无效票码", conflict: "离线重复入场", error: "出错了"
  };
  var state = {
    bundle: load("bundle"), queue: load("queue") || [], admitted: load("admitted") || {}, online: navigator.onLine
  };

  function load(name) { try { return JSON.parse(localStorage.getItem(KEY + ":" + name)); } catch (e) { return null; } }
  function save(name, value) { try { localStorage.setItem(KEY + ":" + name, JSON.stringify(value)); } catch (e) { /* full */ } }
  function nonce() {
    var bytes = new Uint8Array(16); crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function gate() { return $("ck-gate").value || null; }
  function hhmm(iso) { if (!iso) return ""; var d = new Date(iso); return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2); }

  var gateSelect = $("ck-gate");
  if (load("gate")) gateSelect.value = load("gate");
  gateSelect.addEventListener("change", function () { save("gate", gateSelect.value); refreshCounts(); });

  function setNet(online) {
    state.online = online;
    $("ck-net").dataset.state = online ? "online" : "offline";
    $("ck-net").textContent = online ? "在线" : "离线模式";
  }

  function show(r, offline) {
    var box = $("ck-result");
    box.dataset.result = r.result;
    var lines = [];
    var label = LABELS[r.result] || r.label || r.result;
    if (r.result === "already" || r.result === "conflict") {
      label += r.checked_in_at ? "（" + hhmm(r.checked_in_at) + (r.gate ? " · " + r.gate : "") + "）" : "";
    }
    if (r.holder_name) lines.push(r.holder_name);
    if (r.ticket_type) lines.push(r.ticket_type);
    if (r.seat) lines.push("座位 " + r.seat);
    if (r.code) lines.push("票号 " + r.code);
    if (offline) lines.push("离线验票，联网后自动上传");
    box.innerHTML = "";
    var h = document.createElement("p"); h.className = "ck-result__label"; h.textContent = label; box.appendChild(h);
    lines.forEach(function (text) { var p = document.createElement("p"); p.textContent = text; box.appendChild(p); });
    if (navigator.vibrate) navigator.vibrate(r.result === "admitted" ? 80 : [60, 60, 60]);
  }

  function api(url, options) {
    options = options || {};
    options.headers = Object.assign({ "Authorization": "Scanner " + cfg.token, "Accept": "application/json" },
      options.body ? { "Content-Type": "application/json" } : {}, options.headers || {});
    options.credentials = "omit";
    var controller = window.AbortController ? new AbortController() : null;
    if (controller) { options.signal = controller.signal; setTimeout(function () { controller.abort(); }, 6000); }
    return fetch(url, options).then(function (response) {
      if (response.status === 401 || response.status === 403) { location.href = cfg.login_url; throw new Error("auth"); }
      return response.json().then(function (data) { if (!response.ok && !data.result) data.result = "error"; return data; });
    });
  }

  /* ---------- Online ---------- */
  function scanOnline(payload, id, attempt) {
    return api(cfg.scan_url, { method: "POST", body: JSON.stringify({ payload: payload, gate: gate(), nonce: id }) })
      .catch(function (err) {
        if (err && err.message === "auth") throw err;
        // The same nonce on retry: the server answers as the first time and never counts twice.
        if (attempt < 1) return scanOnline(payload, id, attempt + 1);
        throw err;
      });
  }

  /* ---------- Offline ---------- */
  function b64urlBytes(text) {
    var b64 = text.replace(/-/g, "+").replace(/_/g, "/"); while (b64.length % 4) b64 += "=";
    var raw = atob(b64), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }
  function verifySignature(message, signature) {
    var key = b64urlBytes(state.bundle.public_key), data = new TextEncoder().encode(message);
    var viaNacl = function () {
      if (!window.nacl) return false;
      return window.nacl.sign.detached.verify(data, signature, key);
    };
    if (!(window.crypto && crypto.subtle)) return Promise.resolve(viaNacl());
    return crypto.subtle.importKey("raw", key, { name: "Ed25519" }, false, ["verify"])
      .then(function (k) { return crypto.subtle.verify({ name: "Ed25519" }, k, signature, data); })
      .catch(viaNacl);
  }
  function ticketOf(code) {
    var list = state.bundle.tickets;
    for (var i = 0; i < list.length; i++) if (list[i].code === code) return list[i];
    return null;
  }
  function gateAdmits(ticket) {
    var g = gate(); if (!g) return true;
    var found = state.bundle.gates.filter(function (x) { return String(x.id) === String(g); })[0];
    return !found || !found.ticket_types.length || found.ticket_types.indexOf(ticket.type_id) >= 0;
  }
  function verifyOffline(payload) {
    if (!state.bundle) return Promise.resolve({ result: "error", label: "无离线数据，请联网后重试" });
    var text = payload.trim(), code, version = null, check = Promise.resolve(true);
    if (/^T1\./i.test(text)) {
      var cut = text.lastIndexOf("."), message = text.slice(0, cut), parts = message.split(".");
      if (parts.length !== 5) return Promise.resolve({ result: "invalid" });
      if (parts[1] !== state.bundle.event) return Promise.resolve({ result: "wrong_event" });
      if (Number(parts[4]) * 1000 < Date.now()) return Promise.resolve({ result: "invalid" });
      code = parts[2]; version = Number(parts[3]);
      try { check = verifySignature(message, b64urlBytes(text.slice(cut + 1))); } catch (e) { check = Promise.resolve(false); }
    } else {
      code = text.toUpperCase();
    }
    return check.then(function (ok) {
      if (!ok) return { result: "invalid" };
      if (state.bundle.revoked.indexOf(code) >= 0) return { result: "revoked", code: code };
      var t = ticketOf(code);
      if (!t) return { result: "invalid", code: code };
      var shown = { code: code, holder_name: t.name, ticket_type: t.type, seat: t.seat };
      if (version !== null && version < t.version) return Object.assign({ result: "revoked" }, shown);
      var first = state.admitted[code] || (t.checked_in ? { at: t.checked_in } : null);
      if (first) return Object.assign({ result: "already", checked_in_at: first.at, gate: first.gate || "" }, shown);
      if (!gateAdmits(t)) return Object.assign({ result: "wrong_gate" }, shown);
      return Object.assign({ result: "admitted" }, shown);
    });
  }
  function scanOffline(payload, id) {
    return verifyOffline(payload).then(function (r) {
      if (r.result === "admitted") {
        var gateName = gateSelect.options[gateSelect.selectedIndex] ? gateSelect.options[gateSelect.selectedIndex].text : "";
        state.admitted[r.code] = { at: new Date().toISOString(), gate: gateName }; save("admitted", state.admitted);
        // Only admissions need reconciling; refusals let no one in.
        state.queue.push({ nonce: id, payload: payload, gate: gate(), scanned_at: Date.now() }); save("queue", state.queue);
        showQueue();
      }
      return r;
    });
  }
  function showQueue() {
    $("ck-queue").hidden = !state.queue.length;
    $("ck-queue").textContent = "待上传离线签到 " + state.queue.length + " 条";
  }
  function upload() {
    if (!state.queue.length || !navigator.onLine) return;
    var batch = state.queue.slice(0, 200);
    api(cfg.upload_url, { method: "POST", body: JSON.stringify({ scans: batch }) }).then(function (data) {
      var done = {}; (data.results || []).forEach(function (r) { if (r.result !== "error" || r.code === "invalid_ticket") done[r.nonce] = r; });
      var conflicts = (data.results || []).filter(function (r) { return r.result === "conflict"; });
      state.queue = state.queue.filter(function (s) { return !done[s.nonce]; }); save("queue", state.queue);
      showQueue(); setNet(true);
      if (conflicts.length) show({ result: "conflict", holder_name: conflicts.length + " 张票离线重复入场，已通知主办方" });
      fetchBundle();
    }).catch(function () { setNet(false); });
  }
  function fetchBundle() {
    return api(cfg.bundle_url).then(function (b) {
      if (b && b.public_key) { state.bundle = b; save("bundle", b); }
    }).catch(function () { /* keep the cached bundle */ });
  }

  /* ---------- Scanning ---------- */
  var busy = false, last = { text: "", at: 0 };
  function handle(payload) {
    payload = (payload || "").trim();
    if (!payload || busy) return;
    if (payload === last.text && Date.now() - last.at < 2500) return; // the camera sees one code many times
    last = { text: payload, at: Date.now() };
    busy = true;
    var id = nonce();
    var run = state.online
      ? scanOnline(payload, id, 0).then(function (r) { setNet(true); return [r, false]; })
          .catch(function (err) { if (err && err.message === "auth") throw err; setNet(false); return scanOffline(payload, id).then(function (r) { return [r, true]; }); })
      : scanOffline(payload, id).then(function (r) { return [r, true]; });
    run.then(function (pair) { show(pair[0], pair[1]); if (!pair[1]) refreshCounts(); })
      .catch(function () { show({ result: "error" }); })
      .then(function () { busy = false; $("ck-input").value = ""; $("ck-input").focus(); });
  }
  $("ck-form").addEventListener("submit", function (e) { e.preventDefault(); handle($("ck-input").value); });

  function startCamera() {
    var video = $("ck-video"), canvas = $("ck-canvas"), ctx = canvas.getContext("2d", { willReadFrequently: true });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      video.srcObject = stream; video.hidden = false; video.play();
      (function tick() {
        if (video.readyState === video.HAVE_ENOUGH_DATA) {
          canvas.width = video.videoWidth; canvas.height = video.videoHeight;
          ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
          var found = window.jsQR(ctx.getImageData(0, 0, canvas.width, canvas.height).data, canvas.width, canvas.height,
            { inversionAttempts: "dontInvert" });
          if (found && found.data) handle(found.data);
        }
        requestAnimationFrame(tick);
      })();
      $("ck-camera").hidden = true;
    }).catch(function () { show({ result: "error", holder_name: "无法打开摄像头，请使用扫码枪或输入票号" }); });
  }

  function setupWeChat() {
    if (!cfg.wechat || !window.wx) return;
    wx.config(Object.assign({ debug: false, jsApiList: ["scanQRCode"] }, cfg.wechat));
    wx.ready(function () {
      $("ck-wechat").hidden = false;
      $("ck-wechat").addEventListener("click", function () {
        wx.scanQRCode({ needResult: 1, scanType: ["qrCode"], success: function (res) { handle(res.resultStr); } });
      });
    });
  }

  /* ---------- Counts ---------- */
  function refreshCounts() {
    if (!state.online) return;
    api(cfg.counts_url).then(function (c) {
      if (c.total === undefined) return;
      $("ck-in").textContent = c.checked_in; $("ck-total").textContent = c.total;
      var ul = $("ck-gates"); ul.innerHTML = "";
      c.gates.forEach(function (g) {
        var li = document.createElement("li");
        li.textContent = g.name + "：" + g.checked_in + " / " + g.expected;
        if (String(g.id) === String(gate())) li.style.fontWeight = "bold";
        ul.appendChild(li);
      });
    }).catch(function () { setNet(false); });
  }

  window.addEventListener("online", function () { setNet(true); upload(); refreshCounts(); });
  window.addEventListener("offline", function () { setNet(false); });
  window.addEventListener("load", function () {
    if (window.jsQR && navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
      $("ck-camera").hidden = false;
      $("ck-camera").addEventListener("click", startCamera);
    }
    setupWeChat();
  });
  setNet(navigator.onLine);
  showQueue();
  fetchBundle().then(upload);
  refreshCounts();
  setInterval(refreshCounts, 5000);
  setInterval(upload, 10000);
  setInterval(fetchBundle, 60000);
  $("checkin").dataset.ready = "1";
})();
