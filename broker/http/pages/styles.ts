/** The page's style sheet, sent inline with the response's CSP nonce (no external assets). */
export const STYLES = `
:root{--bg:#f4f5f7;--card:#fff;--ink:#1f2328;--muted:#59636e;--line:#d9dde3;--accent:#2563eb;
--ok:#1a7f37;--ok-bg:#dafbe1;--bad:#cf222e;--bad-bg:#ffebe9;--warn:#9a6700;--warn-bg:#fff8c5;--grey-bg:#eaeef2;
--mono:ui-monospace,SFMono-Regular,"SF Mono",Menlo,Consolas,"Liberation Mono",monospace}
*{box-sizing:border-box}
html{font-size:15px}
body{margin:0;background:var(--bg);color:var(--ink);font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans",sans-serif;line-height:1.5}
a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}
header.top{background:#0f172a;color:#e2e8f0}
header.top .bar{max-width:1160px;margin:0 auto;padding:.7rem 1.5rem;display:flex;align-items:center;gap:1.5rem}
.brand{display:flex;align-items:center;gap:.55rem;color:#fff;font-weight:650;font-size:1.1rem;letter-spacing:.01em}
.brand svg{width:22px;height:22px}
nav.tabs{display:flex;gap:.25rem}
nav.tabs a{color:#cbd5e1;padding:.35rem .75rem;border-radius:6px;font-weight:500}
nav.tabs a:hover{background:#1e293b;text-decoration:none}
nav.tabs a.on{background:#1e293b;color:#fff}
.count{display:inline-block;min-width:1.4em;padding:0 .4em;margin-left:.35em;border-radius:999px;background:#f59e0b;color:#111;font-size:.8rem;font-weight:700;text-align:center}
.count[hidden]{display:none}
.who{margin-left:auto;display:flex;align-items:center;gap:.8rem;font-size:.9rem;color:#cbd5e1}
.who form{margin:0}
.who button{background:transparent;border:1px solid #475569;color:#e2e8f0;border-radius:6px;padding:.25rem .7rem;cursor:pointer;font:inherit}
.who button:hover{background:#1e293b}
main{max-width:1160px;margin:0 auto;padding:1.5rem}
h1{font-size:1.45rem;margin:.2rem 0 1rem;font-weight:650}
h2{font-size:.8rem;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);margin:0 0 .7rem;font-weight:650}
.flash{padding:.7rem 1rem;border-radius:8px;margin-bottom:1rem;border:1px solid}
.flash.ok{background:var(--ok-bg);border-color:#aceebb;color:#0f5323}
.flash.error{background:var(--bad-bg);border-color:#ffcecb;color:#82071e}
.live{font-size:.85rem;color:var(--muted);display:flex;align-items:center;gap:.4rem}
.live::before{content:"";width:8px;height:8px;border-radius:50%;background:#94a3b8}
.live.on::before{background:#22c55e;box-shadow:0 0 0 3px #bbf7d0}
.heading{display:flex;align-items:baseline;gap:1rem;flex-wrap:wrap}
.heading .live{margin-left:auto}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:1.1rem 1.25rem;margin-bottom:1rem}
ul.list{list-style:none;margin:0;padding:0}
ul.list li{background:var(--card);border:1px solid var(--line);border-radius:10px;margin-bottom:.6rem;transition:background 1.5s}
ul.list li.fresh{background:#eff6ff}
ul.list a.row{display:grid;grid-template-columns:110px minmax(0,1fr) auto;gap:1rem;align-items:center;padding:.85rem 1.1rem;color:inherit}
ul.list a.row:hover{text-decoration:none;background:#f8fafc;border-radius:10px}
.row code{display:block;font-family:var(--mono);font-size:.88rem;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.meta{color:var(--muted);font-size:.85rem;margin-top:.2rem}
.meta span+span::before{content:"·";margin:0 .45rem;color:#9aa4ae}
.tag{font-size:.8rem;font-weight:600;padding:.2rem .6rem;border-radius:6px;white-space:nowrap}
.tag.act{background:#dbeafe;color:#1e40af}
.tag.wait{background:var(--grey-bg);color:var(--muted)}
.badge{display:inline-block;font-size:.75rem;font-weight:700;text-transform:uppercase;letter-spacing:.04em;padding:.2rem .55rem;border-radius:999px;text-align:center}
.badge.pending{background:var(--warn-bg);color:var(--warn)}
.badge.approved{background:var(--ok-bg);color:var(--ok)}
.badge.denied{background:var(--bad-bg);color:var(--bad)}
.badge.expired,.badge.cancelled,.badge.abandoned,.badge.revoked{background:var(--grey-bg);color:var(--muted)}
.badge.active{background:#dbeafe;color:#1e40af}
.kind{display:inline-block;font-size:.7rem;font-weight:700;text-transform:uppercase;letter-spacing:.05em;padding:.1rem .45rem;border-radius:4px;background:#ede9fe;color:#5b21b6;margin-right:.55rem;vertical-align:.1em}
.row .what,.row .why{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.row .why{font-size:.9rem;margin-top:.1rem}
.group{margin-top:1.4rem}
.card h3{font-size:.9rem;font-weight:650;margin:1rem 0 .4rem}
p.quote{white-space:pre-wrap;overflow-wrap:anywhere;margin:0;background:#f6f8fa;border-left:3px solid #a78bfa;border-radius:6px;padding:.6rem .8rem}
.stats>div{overflow-wrap:anywhere}
.empty{padding:2.5rem;text-align:center;color:var(--muted);background:var(--card);border:1px dashed var(--line);border-radius:10px}
.grid{display:grid;grid-template-columns:minmax(0,1fr) 330px;gap:1rem;align-items:start}
@media (max-width:900px){.grid{grid-template-columns:1fr}ul.list a.row{grid-template-columns:1fr}}
pre.sql{margin:0;background:#0d1117;color:#e6edf3;border-radius:8px;padding:1rem 1.1rem;font-family:var(--mono);font-size:.9rem;line-height:1.6;overflow:auto;white-space:pre;max-height:32rem}
pre.sql .k{color:#ff7b72;font-weight:600}pre.sql .s{color:#a5d6ff}pre.sql .n{color:#79c0ff}pre.sql .c{color:#8b949e;font-style:italic}
pre.sql .p{color:#ffa657}pre.sql .fn{color:#d2a8ff}pre.sql .qi{color:#7ee787}pre.sql .o{color:#ff9e64}
.inv{background:#cf222e;color:#fff;border-radius:3px;padding:0 .2em;font-size:.8em}
details{margin-top:.7rem}summary{cursor:pointer;color:var(--muted);font-size:.88rem}
details pre.sql{margin-top:.5rem}
dl.facts{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.35rem 1rem;margin:0;font-size:.92rem}
dl.facts dt{color:var(--muted)}dl.facts dd{margin:0;overflow-wrap:anywhere}
.mono{font-family:var(--mono);font-size:.88em}
table{width:100%;border-collapse:collapse;font-size:.92rem}
th,td{text-align:left;padding:.45rem .6rem;border-bottom:1px solid var(--line)}
th{color:var(--muted);font-weight:600;font-size:.8rem;text-transform:uppercase;letter-spacing:.04em}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.big{font-size:1.9rem;font-weight:700;line-height:1.1}
.stats{display:flex;gap:2rem;margin-bottom:.8rem;flex-wrap:wrap}
.stats small{display:block;color:var(--muted);font-size:.8rem}
ul.notes{margin:.6rem 0 0;padding-left:1.2rem;color:var(--muted);font-size:.9rem}
.error-box{background:var(--bad-bg);color:#82071e;border-radius:8px;padding:.6rem .8rem;margin-top:.6rem;font-size:.9rem}
.rule{border-left:3px solid #f59e0b;padding:.2rem 0 .2rem .8rem;margin-bottom:.8rem}
.rule:last-child{margin-bottom:0}
.rule strong{font-family:var(--mono);font-size:.9rem}
.rule p{margin:.2rem 0;color:var(--ink)}
.chips{display:flex;gap:.35rem;flex-wrap:wrap}
.card .chips{margin-top:.8rem}
.card .chips:first-child{margin-top:0}
dd .sub{display:block;color:var(--muted);font-size:.88em}
.chip{background:var(--grey-bg);border-radius:6px;padding:.05rem .5rem;font-size:.82rem}
.decision{border-top:1px solid var(--line);padding:.7rem 0}.decision:first-of-type{border-top:0;padding-top:0}
.decision .comment{white-space:pre-wrap;overflow-wrap:anywhere;margin:.35rem 0 0;background:#f6f8fa;border-radius:6px;padding:.5rem .7rem}
form.decide textarea{width:100%;min-height:6rem;font:inherit;padding:.55rem .65rem;border:1px solid var(--line);border-radius:8px;resize:vertical}
form.decide label{font-weight:600;font-size:.9rem;display:block;margin-bottom:.35rem}
.buttons{display:flex;gap:.6rem;margin-top:.7rem}
.buttons button{flex:1;font:inherit;font-weight:650;padding:.6rem;border-radius:8px;cursor:pointer;border:1px solid}
button.approve{background:var(--ok);border-color:var(--ok);color:#fff}button.approve:hover{background:#116329}
button.deny{background:#fff;border-color:var(--bad);color:var(--bad)}button.deny:hover{background:var(--bad-bg)}
.reason{background:var(--grey-bg);border-radius:8px;padding:.7rem .9rem;color:var(--ink);font-size:.92rem}
.countdown{font-variant-numeric:tabular-nums}
.countdown.soon{color:var(--bad);font-weight:600}
.notice{display:none;background:#eff6ff;border:1px solid #bfdbfe;color:#1e3a8a;padding:.6rem 1rem;border-radius:8px;margin-bottom:1rem}
.notice.show{display:block}
.center{max-width:32rem;margin:3rem auto;text-align:center}
.center .btn{display:inline-block;margin-top:1rem;background:var(--accent);color:#fff;padding:.55rem 1.2rem;border-radius:8px;font-weight:600}
.back{display:inline-block;margin-bottom:.6rem;font-size:.9rem}
`;
