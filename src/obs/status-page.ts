/**
 * The SRE status page: one self-contained HTML document (inline CSS and JS, no external
 * assets, so it works from an air-gapped cluster through `kubectl port-forward`). It polls
 * `status.json` (relative, so it also works behind a path prefix) and lists each influencer's
 * two listeners with a dual/single/dark coverage badge, worst coverage first.
 * The script avoids template literals so it can live inside this TS template string.
 */

/** How often the page refreshes, in ms. */
export const STATUS_PAGE_REFRESH_MS = 1500;

export const STATUS_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ingest status</title>
<style>
  :root {
    --bg: #111418; --panel: #181b20; --line: #2a2f37; --text: #d8dde5; --muted: #8b93a1;
    --ok: #3fb950; --warn: #e3a008; --bad: #f85149; --accent: #58a6ff;
  }
  * { box-sizing: border-box; }
  body { margin: 0; background: var(--bg); color: var(--text);
    font: 14px/1.45 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
  header { display: flex; align-items: center; gap: 16px; padding: 14px 24px;
    border-bottom: 1px solid var(--line); background: var(--panel); flex-wrap: wrap; }
  h1 { font-size: 17px; margin: 0; font-weight: 600; }
  .live { display: inline-flex; align-items: center; gap: 6px; color: var(--muted); font-size: 13px; }
  .dot { width: 9px; height: 9px; border-radius: 50%; background: var(--muted); }
  .dot.on { background: var(--ok); box-shadow: 0 0 6px var(--ok); }
  .dot.off { background: var(--bad); }
  .facts { color: var(--muted); font-size: 12px; margin-left: auto; }
  .facts span { margin-left: 14px; }
  main { padding: 18px 24px 40px; }
  .cards { display: flex; gap: 12px; margin-bottom: 16px; flex-wrap: wrap; }
  .card { background: var(--panel); border: 1px solid var(--line); border-radius: 8px;
    padding: 10px 16px; min-width: 130px; border-top: 3px solid var(--muted); }
  .card .n { font-size: 26px; font-weight: 650; font-variant-numeric: tabular-nums; }
  .card .l { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .06em; }
  .card.dual { border-top-color: var(--ok); } .card.single { border-top-color: var(--warn); }
  .card.dark { border-top-color: var(--bad); } .card.total { border-top-color: var(--accent); }
  .tools { display: flex; gap: 12px; align-items: center; margin-bottom: 10px; }
  input[type=search] { background: var(--panel); color: var(--text); border: 1px solid var(--line);
    border-radius: 6px; padding: 6px 10px; width: 280px; }
  label { color: var(--muted); font-size: 13px; }
  #error { display: none; background: #3a1d1d; border: 1px solid var(--bad); color: #ffd7d5;
    padding: 8px 12px; border-radius: 6px; margin-bottom: 12px; }
  table { width: 100%; border-collapse: collapse; background: var(--panel);
    border: 1px solid var(--line); border-radius: 8px; overflow: hidden; }
  th, td { padding: 7px 12px; text-align: left; border-bottom: 1px solid var(--line); white-space: nowrap; }
  th { color: var(--muted); font-weight: 500; font-size: 12px; text-transform: uppercase;
    letter-spacing: .05em; background: #1d2127; }
  tbody.inf:hover td { background: #1c2026; }
  td.name { font-weight: 600; }
  td.name .addr { display: block; color: var(--muted); font-weight: 400; font-size: 12px;
    font-family: ui-monospace, Menlo, Consolas, monospace; }
  td.num { font-variant-numeric: tabular-nums; text-align: right; }
  td.num .why { display: block; color: var(--muted); font-size: 11px; }
  .mono { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; color: var(--muted); }
  .badge { display: inline-block; padding: 2px 10px; border-radius: 999px; font-size: 12px;
    font-weight: 700; letter-spacing: .05em; text-transform: uppercase; }
  .badge.dual { background: rgba(63,185,80,.15); color: var(--ok); border: 1px solid var(--ok); }
  .badge.single { background: rgba(227,160,8,.15); color: var(--warn); border: 1px solid var(--warn); }
  .badge.dark { background: rgba(248,81,73,.18); color: var(--bad); border: 1px solid var(--bad); }
  .state { display: inline-flex; align-items: center; gap: 6px; }
  .state::before { content: ""; width: 8px; height: 8px; border-radius: 50%; background: currentColor; }
  .s-ok { color: var(--ok); } .s-warn { color: var(--warn); } .s-bad { color: var(--bad); }
  .role { font-weight: 600; }
  .lag-warn { color: var(--warn); } .lag-bad { color: var(--bad); }
  .empty { color: var(--muted); padding: 24px; text-align: center; }
</style>
</head>
<body>
<header>
  <h1>hl-influencer-ingest &middot; listener status</h1>
  <span class="live"><span id="dot" class="dot"></span><span id="updated">connecting&hellip;</span></span>
  <span class="facts" id="facts"></span>
</header>
<main>
  <div class="cards">
    <div class="card dual"><div class="n" id="c-dual">&ndash;</div><div class="l">dual coverage</div></div>
    <div class="card single"><div class="n" id="c-single">&ndash;</div><div class="l">single listener</div></div>
    <div class="card dark"><div class="n" id="c-dark">&ndash;</div><div class="l">dark</div></div>
    <div class="card total"><div class="n" id="c-total">&ndash;</div><div class="l">influencers</div></div>
  </div>
  <div id="error"></div>
  <div class="tools">
    <input type="search" id="filter" placeholder="Filter influencers, states, kinds&hellip;" autocomplete="off">
    <label><input type="checkbox" id="degraded"> degraded only</label>
  </div>
  <table>
    <thead><tr>
      <th>Influencer</th><th>Coverage</th><th class="num">Failovers</th><th>Role</th><th>Kind</th>
      <th>State</th><th class="num">Lag</th><th>Last event</th><th>Listener</th>
    </tr></thead>
    <tbody id="rows"><tr><td colspan="9" class="empty">Loading&hellip;</td></tr></tbody>
  </table>
</main>
<script>
(function () {
  'use strict';
  var REFRESH_MS = ${STATUS_PAGE_REFRESH_MS};
  var RANK = { dark: 0, single: 1, dual: 2 };
  var last = null, lastOkAt = 0;
  function $(id) { return document.getElementById(id); }
  function esc(v) {
    return String(v == null ? '' : v).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }
  function dur(ms) {
    if (ms == null || !isFinite(ms)) return '\\u2013';
    if (ms < 1000) return Math.round(ms) + ' ms';
    if (ms < 120000) return (ms / 1000).toFixed(1) + ' s';
    if (ms < 7200000) return Math.round(ms / 60000) + ' min';
    return (ms / 3600000).toFixed(1) + ' h';
  }
  function stateClass(l) {
    if (l.healthy) return 's-ok';
    return /down|dead|closed|fail|stop|error|dark/i.test(l.state) ? 's-bad' : 's-warn';
  }
  function lagClass(ms) { return ms == null ? '' : ms >= 5000 ? 'lag-bad' : ms >= 1000 ? 'lag-warn' : ''; }
  function matches(inf, q) {
    if (!q) return true;
    var hay = [inf.influencer, inf.address, inf.coverage].concat(
      (inf.listeners || []).map(function (l) { return l.state + ' ' + l.kind + ' ' + l.role + ' ' + l.id; })
    ).join(' ').toLowerCase();
    return hay.indexOf(q) >= 0;
  }
  function render(s) {
    var cov = s.coverage || {};
    $('c-dual').textContent = cov.dual != null ? cov.dual : 0;
    $('c-single').textContent = cov.single != null ? cov.single : 0;
    $('c-dark').textContent = cov.dark != null ? cov.dark : 0;
    $('c-total').textContent = (s.influencers || []).length;
    var facts = s.service || {};
    $('facts').innerHTML = Object.keys(facts).map(function (k) {
      return '<span>' + esc(k) + ': <b>' + esc(facts[k]) + '</b></span>';
    }).join('');
    var q = $('filter').value.trim().toLowerCase();
    var degradedOnly = $('degraded').checked;
    var list = (s.influencers || []).filter(function (inf) {
      return matches(inf, q) && (!degradedOnly || inf.coverage !== 'dual');
    }).sort(function (a, b) {
      return (RANK[a.coverage] - RANK[b.coverage]) || (b.failovers - a.failovers) ||
        String(a.influencer).localeCompare(String(b.influencer));
    });
    var html = '';
    list.forEach(function (inf) {
      var ls = (inf.listeners || []).slice().sort(function (a, b) {
        return a.role === b.role ? 0 : a.role === 'primary' ? -1 : 1;
      });
      if (ls.length === 0) ls = [null];
      html += '<tbody class="inf" data-influencer="' + esc(inf.influencer) + '">';
      ls.forEach(function (l, i) {
        html += '<tr>';
        if (i === 0) {
          var span = ' rowspan="' + ls.length + '"';
          html += '<td class="name"' + span + '>' + esc(inf.influencer) +
            (inf.address ? '<span class="addr">' + esc(inf.address) + '</span>' : '') + '</td>' +
            '<td' + span + '><span class="badge ' + esc(inf.coverage) + '">' + esc(inf.coverage) + '</span></td>' +
            '<td class="num"' + span + '>' + esc(inf.failovers) +
            (inf.lastFailoverReason ? '<span class="why">last: ' + esc(inf.lastFailoverReason) + '</span>' : '') + '</td>';
        }
        if (l === null) {
          html += '<td colspan="6" class="empty">no listeners</td>';
        } else {
          var ago = l.lastEventAt == null ? null : Math.max(0, s.generatedAt - l.lastEventAt);
          html += '<td class="role">' + esc(l.role) + '</td><td>' + esc(l.kind) + '</td>' +
            '<td><span class="state ' + stateClass(l) + '">' + esc(l.state) + '</span></td>' +
            '<td class="num ' + lagClass(l.lagMs) + '">' + dur(l.lagMs) + '</td>' +
            '<td title="' + (l.lastEventAt ? esc(new Date(l.lastEventAt).toISOString()) : '') + '">' +
            (ago == null ? 'never' : dur(ago) + ' ago') + '</td>' +
            '<td class="mono">' + esc(l.id) + (l.pool ? ' @ ' + esc(l.pool) : '') + '</td>';
        }
        html += '</tr>';
      });
      html += '</tbody>';
    });
    if (list.length === 0) {
      html = '<tbody><tr><td colspan="9" class="empty">No influencers match.</td></tr></tbody>';
    }
    var table = $('rows').parentNode;
    var tmp = document.createElement('table');
    tmp.innerHTML = html;
    table.querySelectorAll('tbody').forEach(function (tb) { tb.remove(); });
    var first = tmp.querySelector('tbody');
    if (first) first.id = 'rows';
    while (tmp.firstChild) table.appendChild(tmp.firstChild);
  }
  function showError(msg) {
    var el = $('error');
    if (!msg) { el.style.display = 'none'; return; }
    el.style.display = 'block';
    el.textContent = msg + (lastOkAt ? ' \\u2014 showing data from ' + dur(Date.now() - lastOkAt) + ' ago' : '');
  }
  function tick() {
    var headers = { Accept: 'application/json' };
    var token = sessionStorage.getItem('ingest-ops-token');
    if (token) headers.Authorization = 'Bearer ' + token;
    fetch('status.json', { cache: 'no-store', headers: headers })
      .then(function (r) {
        if (r.status === 401) {
          // The service has an ops token (http.token): ask once, keep it for this tab only.
          var t = window.prompt('Ops token for this status page (http.token)');
          if (t) sessionStorage.setItem('ingest-ops-token', t.trim());
        }
        if (!r.ok) return r.text().then(function (t) { throw new Error('HTTP ' + r.status + ': ' + t); });
        return r.json();
      })
      .then(function (s) {
        last = s; lastOkAt = Date.now();
        render(s);
        showError(null);
        $('dot').className = 'dot on';
        $('updated').textContent = 'live \\u00b7 ' + new Date(s.generatedAt).toISOString().slice(11, 19) + ' UTC';
      })
      .catch(function (e) {
        $('dot').className = 'dot off';
        $('updated').textContent = 'stale';
        showError('Status fetch failed: ' + (e && e.message ? e.message : e));
      })
      .then(function () { setTimeout(tick, REFRESH_MS); });
  }
  $('filter').addEventListener('input', function () { if (last) render(last); });
  $('degraded').addEventListener('change', function () { if (last) render(last); });
  tick();
})();
</script>
</body>
</html>
`;
