/* The verification page's "重新计算并比对" button: fetch the eligible list, re-run the draw with
   the revealed seed (lottery.js) and compare with the published commitment, digest and winners. */
(function () {
  "use strict";
  var root = document.getElementById("draw-verify");
  var button = document.getElementById("draw-recompute");
  if (!root || !button) return;
  var data = JSON.parse(document.getElementById("draw-json").textContent);
  var checks = document.getElementById("draw-checks");
  var recomputed = document.getElementById("draw-recomputed");

  function check(ok, text) {
    var li = document.createElement("li");
    li.className = ok ? "draw-ok" : "draw-fail";
    li.textContent = (ok ? "✓ " : "✗ ") + text;
    checks.appendChild(li);
  }

  button.addEventListener("click", function () {
    checks.textContent = "";
    button.disabled = true;
    fetch(root.dataset.eligible, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (text) {
        var L = window.AlumniLottery;
        var entries = text.split("\n").map(function (s) { return s.trim(); }).filter(Boolean);
        check(L.sha256Hex(data.seed) === data.seed_hash, "种子与开奖前公布的哈希一致");
        check(L.listDigest(entries) === data.eligible_digest && entries.length === data.eligible_count,
              "参与名单与公布的摘要一致（" + entries.length + " 人）");
        var winners = L.drawWinners(data.seed, entries, data.name, data.winners_count);
        var published = data.winners.map(function (w) { return w.entry; });
        check(winners.join(",") === published.join(","), "重新计算的中奖名单与公布结果一致");
        var mine = (document.getElementById("draw-my-entry").value || "").trim();
        var found = entries.indexOf(mine) !== -1;
        if (mine) check(found, "抽奖号 " + mine + (found ? " 在参与名单中" : " 不在参与名单中"));
        recomputed.textContent = "";
        winners.forEach(function (entry) {
          var li = document.createElement("li");
          li.textContent = entry;
          recomputed.appendChild(li);
        });
        recomputed.hidden = false;
      })
      .catch(function (error) { check(false, "无法下载参与名单：" + error.message); })
      .finally(function () { button.disabled = false; });
  });
})();
