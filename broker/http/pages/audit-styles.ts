/** The replay pages' additions to the page style sheet (sent inline with the same nonce). */
export const AUDIT_STYLES = `
form.filters{display:grid;grid-template-columns:repeat(5,minmax(0,1fr)) auto;gap:.7rem;align-items:end;padding:.9rem 1.1rem}
form.filters label{display:flex;flex-direction:column;gap:.25rem;font-size:.8rem;font-weight:600;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
form.filters input,form.filters select{font:inherit;font-size:.92rem;text-transform:none;letter-spacing:0;color:var(--ink);height:2.4rem;padding:0 .55rem;border:1px solid var(--line);border-radius:7px;background:#fff;min-width:0}
form.filters .actions{display:flex;gap:.6rem;align-items:center}
form.filters button{font:inherit;font-weight:650;height:2.4rem;padding:0 1.1rem;border-radius:7px;border:1px solid var(--accent);background:var(--accent);color:#fff;cursor:pointer}
@media (max-width:1000px){form.filters{grid-template-columns:repeat(2,minmax(0,1fr))}}
.scope{margin:-.4rem 0 1rem}
.problems{margin-bottom:1rem}
ul.list a.srow{grid-template-columns:84px minmax(0,1fr) auto}
.srow .person{font-weight:600}
.srow .person .sub{font-weight:400;color:var(--muted);margin-left:.45rem;font-size:.9rem}
.counts{display:flex;gap:.35rem;flex-wrap:wrap;justify-content:flex-end}
.counts .chip.bad{background:var(--bad-bg);color:var(--bad);font-weight:600}
.counts .chip.warn{background:var(--warn-bg);color:var(--warn);font-weight:600}
.counts .chip.mask{background:#ede9fe;color:#5b21b6;font-weight:600}
.badge.ended{background:var(--grey-bg);color:var(--muted)}
.badge.allow{background:var(--ok-bg);color:var(--ok)}
.badge.block{background:var(--bad-bg);color:var(--bad)}
.badge.approve{background:var(--warn-bg);color:var(--warn)}
.badge.error{background:var(--bad-bg);color:var(--bad)}
.results-head{display:flex;align-items:baseline;gap:.8rem;margin:1.2rem 0 .6rem}
.results-head h2{margin:0}
ol.tl{list-style:none;margin:0;padding:0 0 0 1.4rem;border-left:2px solid var(--line)}
ol.tl>li{position:relative;margin:0 0 1rem}
ol.tl>li::before{content:"";position:absolute;left:calc(-1.4rem - 7px);top:1.05rem;width:12px;height:12px;border-radius:50%;background:#94a3b8;border:2px solid var(--bg)}
ol.tl>li.allow::before{background:var(--ok)}ol.tl>li.block::before{background:var(--bad)}ol.tl>li.approve::before,ol.tl>li.approval::before{background:#f59e0b}
ol.tl>li.start::before,ol.tl>li.end::before{background:#0f172a}ol.tl>li.open::before{background:#3b82f6;box-shadow:0 0 0 3px #bfdbfe}
ol.tl>li.masked::before{background:#7c3aed}
.tl .card{margin:0}
.tl .marker{padding:.55rem 0 0}
.tl-head{display:flex;align-items:center;gap:.6rem;flex-wrap:wrap;margin-bottom:.6rem}
.tl-head .num{font-family:var(--mono);font-weight:700;color:var(--muted)}
.tl-head .t{font-family:var(--mono);font-size:.85rem;color:var(--muted)}
.tl-head .right{margin-left:auto;display:flex;gap:.35rem;flex-wrap:wrap}
.tl .why{margin:.6rem 0 0;font-size:.92rem}
.tl .why strong{font-family:var(--mono);font-size:.88rem}
.tl pre.sql{max-height:18rem}
.steps{margin:.7rem 0 0;border:1px solid #fde68a;background:#fffbeb;border-radius:8px;padding:.55rem .8rem;font-size:.9rem}
.steps .step{display:flex;gap:.6rem;align-items:baseline;padding:.2rem 0}
.steps .step .t{font-family:var(--mono);font-size:.8rem;color:var(--muted);min-width:6.5rem}
.steps .comment{white-space:pre-wrap;overflow-wrap:anywhere;margin:.2rem 0 .2rem 7.1rem;background:#fff;border-radius:6px;padding:.35rem .6rem;border:1px solid #fde68a}
.masknote{margin:.7rem 0 0;border:1px solid #ddd6fe;background:#f5f3ff;color:#4c1d95;border-radius:8px;padding:.5rem .8rem;font-size:.9rem}
.params{margin:.6rem 0 0;font-size:.88rem}
.params code{font-family:var(--mono);background:#f6f8fa;border-radius:4px;padding:0 .3rem}
.result{margin-top:.7rem;overflow:auto;max-height:20rem;border:1px solid var(--line);border-radius:8px}
.result table{font-size:.85rem}
.result th,.result td{padding:.3rem .55rem;white-space:nowrap;max-width:22rem;overflow:hidden;text-overflow:ellipsis}
.result td{font-family:var(--mono)}
.result th.masked,.result td.masked{background:#f5f3ff;color:#5b21b6}
.result .null{color:#9aa4ae;font-style:italic}
.result-note{font-size:.82rem;color:var(--muted);margin:.3rem 0 0}
.pager{display:block;margin:0 0 1rem;font-size:.92rem}
`;
