/* The projector page: polls the staff feed, rolls names while a round is being drawn, then shows
   its winners. Any screen showing the event animates a round drawn elsewhere (another screen, the
   back office) the moment it notices it. */
(function () {
  "use strict";
  var root = document.getElementById("draw-screen");
  var $ = function (id) { return document.getElementById(id); };
  var stage = $("screen-stage"), list = $("screen-winners"), select = $("screen-select");
  var csrf = document.querySelector("input[name=csrfmiddlewaretoken]").value;
  var known = null, names = [], rolling = null, state = null, busy = false;
  var ROLL_MS = 3000;

  function feed(withNames) {
    return fetch(root.dataset.feed + (withNames ? "?names=1" : ""), { credentials: "same-origin" })
      .then(function (r) { return r.json(); });
  }

  function current() {
    var id = Number(select.value);
    return state && state.draws.filter(function (d) { return d.id === id; })[0];
  }

  function showRound(draw) {
    list.textContent = "";
    if (!draw) { $("screen-round").textContent = "暂无抽奖轮次"; return; }
    $("screen-round").textContent = draw.name + " · " + draw.prize + " × " + draw.winners_count;
    $("screen-hash").textContent = draw.status === "drawn"
      ? "种子 " + draw.seed + "（SHA-256 " + draw.seed_hash + "）"
      : "种子哈希 SHA-256 " + draw.seed_hash + (draw.eligible_now != null ? " · 当前参与 " + draw.eligible_now + " 人" : "");
    $("screen-run").disabled = draw.status === "drawn";
    if (draw.status === "drawn" && !rolling) {
      stage.textContent = "";
      draw.winners.forEach(function (w) {
        var li = document.createElement("li");
        li.textContent = w.name;
        var code = document.createElement("small");
        code.textContent = "No." + w.rank + " · 抽奖号 " + w.entry;
        li.appendChild(code);
        list.appendChild(li);
      });
    }
  }

  function roll(draw, done) {
    var pool = names.length ? names : ["？？？"];
    var started = Date.now();
    list.textContent = "";
    rolling = setInterval(function () {
      stage.textContent = pool[Math.floor(Math.random() * pool.length)];
      if (Date.now() - started > ROLL_MS && done()) {
        clearInterval(rolling);
        rolling = null;
        showRound(current());
      }
    }, 60);
  }

  function fillSelect() {
    var keep = select.value;
    select.textContent = "";
    state.draws.forEach(function (d) {
      var o = document.createElement("option");
      o.value = d.id;
      o.textContent = d.name + (d.status === "drawn" ? "（已开奖）" : "");
      select.appendChild(o);
    });
    var next = state.draws.filter(function (d) { return d.status !== "drawn"; })[0];
    if (keep && state.draws.some(function (d) { return String(d.id) === keep; })) select.value = keep;
    else if (next) select.value = next.id;
    else if (state.draws.length) select.value = state.draws[state.draws.length - 1].id;
  }

  function refresh(first) {
    return feed(first).then(function (data) {
      if (data.rolling_names && data.rolling_names.length) names = data.rolling_names;
      state = data;
      var drawn = data.draws.filter(function (d) { return d.status === "drawn"; }).map(function (d) { return d.id; });
      if (known !== null && !busy && !rolling) {
        var fresh = drawn.filter(function (id) { return known.indexOf(id) === -1; });
        if (fresh.length) {
          fillSelect();
          select.value = fresh[0];
          known = drawn;
          roll(current(), function () { return true; });
          return;
        }
      }
      known = drawn;
      fillSelect();
      if (!rolling) showRound(current());
    });
  }

  select.addEventListener("change", function () { showRound(current()); });
  $("screen-run").addEventListener("click", function () {
    var draw = current();
    if (!draw || draw.status === "drawn" || busy) return;
    busy = true;
    $("screen-status").textContent = "";
    var finished = false;
    roll(draw, function () { return finished; });
    fetch(root.dataset.run.replace("/0/run/", "/" + draw.id + "/run/"), {
      method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrf }
    }).then(function (r) { return r.json().then(function (body) { return [r.ok, body]; }); })
      .then(function (result) {
        if (!result[0]) $("screen-status").textContent = result[1].detail || "开奖失败";
        return refresh(true);
      })
      .catch(function (e) { $("screen-status").textContent = e.message; })
      .finally(function () {
        known = state ? state.draws.filter(function (d) { return d.status === "drawn"; }).map(function (d) { return d.id; }) : known;
        finished = true;
        busy = false;
      });
  });

  refresh(true);
  setInterval(function () { if (!busy && !rolling) refresh(false); }, 2000);
})();
