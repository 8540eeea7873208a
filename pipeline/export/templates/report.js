/* policyx report: inline, admitted by hash in the page's CSP. Draws the matrix, the
   charts, the provision list and the source panel from the JSON block, on demand.
   Document text is set with textContent only (never parsed as markup); links are our own
   "#p-N" / "#q-N" anchors. Sets window.__reportReady after the first render. */
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("report-data").textContent);
  var STR = D.str, EX = D.excerpts, AX = D.axes, LBL = D.labels;
  var PAGE = 50, MAX_COLS = 30, MAX_LANES = 40, MAX_ROWS = 30;

  /* a string, or [an earlier string, the length it shares, the rest] */
  function S(i) {
    if (!(i >= 0 && i < STR.length)) { return ""; }
    var x = STR[i];
    if (typeof x !== "string") { x = STR[i] = S(x[0]).slice(0, x[1]) + x[2]; }
    return x;
  }
  function at(a, i) { return a.length > i ? a[i] : -1; }
  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null && text !== "") { e.textContent = String(text); }
    return e;
  }
  function add(parent) {
    for (var k = 1; k < arguments.length; k++) {
      var c = arguments[k];
      if (c === null || c === undefined || c === "") { continue; }
      parent.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
    }
    return parent;
  }
  function link(href, cls, text) { var a = el("a", cls, text); a.setAttribute("href", href); return a; }
  function clear(e) { while (e.firstChild) { e.removeChild(e.firstChild); } return e; }

  /* ---- the data ---- */
  /* columns stored as the change from the row before (D.delta), then the row's own */
  var prev = D.columns.map(function () { return 0; });
  var P = D.p.map(function (a, i) {
    a = a.slice();
    D.delta.forEach(function (c) { a[c] = prev[c] = prev[c] + a[c]; });
    var qs = at(a, 9), qe = qs + at(a, 10), before = at(a, 11), after = at(a, 12), cs = at(a, 22);
    return {i: i, doc: a[0], kind: a[1], jur: a[2], subj: a[3], sec: at(a, 4), q: at(a, 5), val: at(a, 6),
      ver: at(a, 7), ex: a[8], qs: qs, qe: qe, ss: before >= 0 ? qs - before : -1,
      se: before >= 0 ? qe + after : -1, sent: at(a, 13), cond: at(a, 14), cites: at(a, 15), sanc: at(a, 16),
      cur: at(a, 17), axis: at(a, 18), lo: a.length > 19 ? a[19] : null, hi: a.length > 20 ? a[20] : null,
      quote: at(a, 21), cs: cs, ce: cs >= 0 ? cs + at(a, 23) : -1};
  });
  var Q = D.questions.map(function (a, i) {
    return {i: i, subj: a[0], ind: S(a[1]), kind: a[2], def: S(a[3]), axes: a[4], ps: [], m: null};
  });
  var M = D.matrices.map(function (a) {
    var m = {subj: a[0], jurs: a[1], qs: a[2], cells: {}};
    a[3].forEach(function (c) {
      m.cells[c[0] + ":" + c[1]] = c[2];
      c[2].forEach(function (p) { Q[c[0]].ps.push(p); });
    });
    a[2].forEach(function (q) { Q[q].m = m; });
    return m;
  });
  var JUR = D.jurisdictions, DOCS = D.docs, SUBJ = D.subjects;
  function kindName(k) { var n = D.kinds[k]; return n ? (LBL.kind[n] || n) : "?"; }
  function verdictName(v) { var n = D.verdicts[v]; return n ? (LBL.verdict[n] || n) : ""; }
  function sanctionName(s) { var n = D.sanctions[s]; return n ? (LBL.sanction[n] || n) : ""; }
  function jurName(j) { return j >= 0 ? JUR[j] : "?"; }
  function docName(d) { return DOCS[d] ? DOCS[d][0] : "?"; }
  function exText(p) { return p.ex >= 0 ? EX[p.ex][1] : ""; }
  function quoteOf(p) { return p.ex >= 0 ? exText(p).slice(p.qs, p.qe) : S(p.quote); }
  function sentenceOf(p) { return p.ss >= 0 ? exText(p).slice(p.ss, p.se) : S(p.sent); }
  function conditionOf(p) { return p.cs >= 0 ? exText(p).slice(p.cs, p.ce) : S(p.cond); }
  function valueOf(p) { return S(p.val) || quoteOf(p); }

  /* ---- small views ---- */
  function kindBadge(k) { var b = el("span", "kind kind-" + (D.kinds[k] || "x"), kindName(k)); return b; }
  function verdictChip(v) {
    if (v < 0) { return null; }
    var c = el("span", "verdict", verdictName(v));
    c.setAttribute("data-verdict", D.verdicts[v]);
    return c;
  }
  function sourceLink(p, text, cls) {
    var a = link("#p-" + p.i, cls || "src-link", text === undefined ? "原文" : text);
    a.setAttribute("data-p", String(p.i));
    return a;
  }
  /* the sentence with its quote marked, or the quote alone */
  function sentenceView(p) {
    var box = el("div", "sentence"), s = sentenceOf(p), q = quoteOf(p);
    if (p.ss >= 0 && p.qs >= p.ss && p.qe <= p.se) {
      var x = exText(p);
      return add(box, x.slice(p.ss, p.qs), el("mark", "", q), x.slice(p.qe, p.se));
    }
    var k = q ? s.indexOf(q) : -1;
    if (k >= 0) { return add(box, s.slice(0, k), el("mark", "", q), s.slice(k + q.length)); }
    if (s) { add(box, s, " "); }
    return add(box, el("mark", "", q));
  }
  function facts(p, withPlace) {
    var ul = el("ul", "facts");
    function fact(label, text, cls) {
      if (!text) { return; }
      var li = el("li", "fact" + (cls ? " " + cls : ""));
      add(li, el("b", "", label), " ", text);
      ul.appendChild(li);
    }
    fact("条件", conditionOf(p), "fact-condition");
    fact("引用", S(p.cites), "fact-cites");
    fact("币种", S(p.cur), "fact-currency");
    fact("处罚", p.sanc >= 0 ? sanctionName(p.sanc) : "", "fact-sanction");
    if (withPlace) {
      fact("章节", S(p.sec), "fact-section");
      fact("文件", docName(p.doc), "fact-doc");
    }
    var copy = DOCS[p.doc] && DOCS[p.doc][3] >= 0 ? docName(DOCS[p.doc][3]) : "";
    fact("副本", copy ? "与 " + copy + " 同文，不重复比较" : "", "fact-copy");
    return ul.firstChild ? ul : null;
  }

  /* ---- filters ---- */
  var F = {jur: new Set(), kind: -1, subj: -1, sanc: -1, text: ""};
  var on = new Uint8Array(P.length), qCount = new Int32Array(Q.length), sCount = new Int32Array(SUBJ.length);
  var total = 0, hay = null;
  function haystack(p) {
    if (!hay) {
      hay = P.map(function (x) {
        return [quoteOf(x), sentenceOf(x), conditionOf(x), S(x.cites), S(x.sec), valueOf(x), jurName(x.jur),
          docName(x.doc), x.q >= 0 ? Q[x.q].ind : "", x.sanc >= 0 ? sanctionName(x.sanc) : ""].join("\n").toLowerCase();
      });
    }
    return hay[p.i];
  }
  function match(p) {
    if (F.jur.size && !F.jur.has(p.jur)) { return false; }
    if (F.kind >= 0 && p.kind !== F.kind) { return false; }
    if (F.subj >= 0 && p.subj !== F.subj) { return false; }
    if (F.sanc >= 0 && p.sanc !== F.sanc) { return false; }
    if (F.text) {
      var words = F.text.split(/\s+/);
      var h = haystack(p);
      for (var w = 0; w < words.length; w++) { if (words[w] && h.indexOf(words[w]) < 0) { return false; } }
    }
    return true;
  }
  function compute() {
    total = 0;
    qCount.fill(0);
    sCount.fill(0);
    for (var i = 0; i < P.length; i++) {
      var p = P[i], ok = match(p);
      on[i] = ok ? 1 : 0;
      if (!ok) { continue; }
      total += 1;
      if (p.q >= 0) { qCount[p.q] += 1; }
      if (p.subj >= 0) { sCount[p.subj] += 1; }
    }
  }
  function options(select, items) {
    items.forEach(function (it) {
      var o = el("option", "", it[1]);
      o.value = String(it[0]);
      select.appendChild(o);
    });
  }

  /* ---- table of contents ---- */
  var tocItems = [];
  function tocEntry(ul, href, text, cls) {
    var li = el("li", cls), a = link(href, "", text), n = el("span", "n");
    add(li, a, " ", n);
    ul.appendChild(li);
    return {li: li, n: n};
  }
  function buildToc() {
    var ul = $("toc-list");
    tocItems.push({e: tocEntry(ul, "#matrix", "比较矩阵", "top"), count: function () { return null; }});
    M.forEach(function (m) {
      var e = tocEntry(ul, "#m-" + m.subj, SUBJ[m.subj], "subject");
      tocItems.push({e: e, count: function () { return sCount[m.subj]; }});
      var sub = el("ul");
      e.li.appendChild(sub);
      m.qs.forEach(function (q) {
        var qe = tocEntry(sub, "#q-" + q, Q[q].ind, "question");
        qe.li.setAttribute("data-q", String(q));
        tocItems.push({e: qe, count: function () { return qCount[q]; }});
      });
    });
    tocItems.push({e: tocEntry(ul, "#list", "全部条款", "top"), count: function () { return total; }});
    tocItems.push({e: tocEntry(ul, "#docs", "文件", "top"), count: function () { return DOCS.length; }});
  }
  function updateToc() {
    tocItems.forEach(function (t) {
      var n = t.count();
      t.e.n.textContent = n === null ? "" : String(n);
      t.e.li.hidden = n === 0;
    });
  }

  /* ---- the matrices ---- */
  var wide = {};
  function legend() {
    var p = $("legend");
    D.verdicts.forEach(function (v, k) {
      if (v === "n/a") { return; }
      add(p, verdictChip(k), " ");
    });
    add(p, el("span", "none", LBL.none), " ", el("span", "muted", "较严/较宽：与其他所有地区同一问题、同一单位的数值相比"));
  }
  /* the picked jurisdictions (silent ones too); under a kind, sanction or text filter,
     only those with a provision that matches it */
  function matrixColumns(m) {
    var cols = F.jur.size ? m.jurs.filter(function (j) { return F.jur.has(j); }) : m.jurs;
    if (F.kind < 0 && F.sanc < 0 && !F.text) { return cols; }
    var hit = {};
    Object.keys(m.cells).forEach(function (k) {
      if (m.cells[k].some(function (i) { return on[i]; })) { hit[k.split(":")[1]] = true; }
    });
    return cols.filter(function (j) { return hit[j]; });
  }
  function renderMatrices() {
    var box = clear($("matrices"));
    M.forEach(function (m) {
      if (F.subj >= 0 && m.subj !== F.subj) { return; }
      var cols = matrixColumns(m);
      var rows = m.qs.filter(function (q) { return qCount[q] > 0; });
      if (!cols.length || !rows.length) { return; }
      var sec = el("section", "subject-matrix");
      sec.id = "m-" + m.subj;
      var shown = wide[m.subj] ? cols : cols.slice(0, MAX_COLS);
      add(sec, add(el("h3"), SUBJ[m.subj], " ", el("span", "muted",
        cols.length + " 个地区 · " + rows.length + " 个问题 · " + sCount[m.subj] + " 条")));
      var scroller = el("div", "matrix-wrap"), table = el("table", "matrix"), thead = el("thead"), tr = el("tr");
      add(tr, el("th", "qh", "问题 \\ 地区"));
      shown.forEach(function (j) { var th = el("th", "jh", JUR[j]); th.setAttribute("data-jur", String(j)); tr.appendChild(th); });
      add(table, add(thead, tr));
      var tbody = el("tbody");
      rows.forEach(function (q) {
        var row = el("tr", "mrow");
        row.setAttribute("data-q", String(q));
        var th = el("th", "qcell");
        th.setAttribute("scope", "row");
        var open = link("#q-" + q, "qlink", Q[q].ind);
        add(th, open, " ", kindBadge(Q[q].kind), el("div", "def", Q[q].def));
        row.appendChild(th);
        shown.forEach(function (j) {
          var td = el("td", "cell"), ps = m.cells[q + ":" + j];
          td.setAttribute("data-jur", String(j));
          if (!ps) {
            add(td, el("span", "none", LBL.none));
          } else {
            ps.forEach(function (i) {
              var p = P[i], a = sourceLink(p, valueOf(p), "cv" + (on[i] ? "" : " dim"));
              if (p.ver >= 0) { a.setAttribute("data-verdict", D.verdicts[p.ver]); }
              td.appendChild(a);
            });
          }
          row.appendChild(td);
        });
        tbody.appendChild(row);
      });
      table.appendChild(tbody);
      sec.appendChild(add(scroller, table));
      if (cols.length > shown.length || wide[m.subj]) {
        var b = el("button", "more", wide[m.subj] ? "只显示前 " + MAX_COLS + " 个地区" : "显示全部 " + cols.length + " 个地区（或用地区筛选）");
        b.type = "button";
        b.addEventListener("click", function () { wide[m.subj] = !wide[m.subj]; renderMatrices(); });
        sec.appendChild(b);
      }
      box.appendChild(sec);
    });
    if (!box.firstChild && Q.length) { box.appendChild(el("p", "empty", "没有符合筛选条件的比较问题。")); }
  }

  /* ---- question cards: a chart per axis and the question's provisions ---- */
  function position(ax, v, side) {
    var lo = ax[2], hi = ax[3];
    if (v === null) { return side < 0 ? 0 : 1; }
    if (ax[1] === "log") {
      if (v <= lo) { return 0; }
      return Math.min(1, (Math.log(v) - Math.log(lo)) / (Math.log(hi) - Math.log(lo)));
    }
    return Math.max(0, Math.min(1, (v - lo) / (hi - lo)));
  }
  function chart(q, ps, limit) {
    return Q[q].axes.map(function (a) { return axisChart(a, ps, limit); }).filter(Boolean);
  }
  /* one axis: a lane per jurisdiction and distinct bound, bars coloured by verdict */
  function axisChart(a, ps, limit) {
    var ax = AX[a], lanes = [], seen = {};
    ps.forEach(function (i) {
      var p = P[i];
      if (p.axis !== a) { return; }
      var key = p.jur + "|" + p.lo + "|" + p.hi + "|" + p.val + "|" + p.ver;
      if (seen[key]) { seen[key].n += 1; return; }
      seen[key] = {p: p, n: 1};
      lanes.push(seen[key]);
    });
    if (!lanes.length) { return null; }
    lanes.sort(function (x, y) {
      return JUR[x.p.jur] < JUR[y.p.jur] ? -1 : JUR[x.p.jur] > JUR[y.p.jur] ? 1 : (x.p.lo || 0) - (y.p.lo || 0);
    });
    var jurs = [];
    lanes.forEach(function (l) { if (jurs.indexOf(l.p.jur) < 0) { jurs.push(l.p.jur); } });
    var keep = jurs.slice(0, limit);
    var fig = el("figure", "chart");
    fig.setAttribute("data-axis", String(a));
    add(fig, el("figcaption", "", ax[0] + (ax[1] === "log" ? " · 对数刻度 log scale" : "") +
      " · " + jurs.length + " 个地区"));
    var grid = el("div", "lanes"), last = null;
    lanes.forEach(function (l) {
      if (keep.indexOf(l.p.jur) < 0) { return; }
      var p = l.p, lab = el("span", "lab" + (last === p.jur ? " cont" : ""), last === p.jur ? "" : JUR[p.jur]);
      last = p.jur;
      var track = el("span", "track"), x1 = position(ax, p.lo, -1), x2 = position(ax, p.hi, 1);
      var bar = sourceLink(p, "", "bar" + (x2 - x1 < 0.004 ? " dot" : "") + (p.hi === null ? " open-right" : "") +
        (p.lo !== null && ax[1] === "log" && p.lo < ax[2] ? " from-zero" : ""));
      if (p.ver >= 0) { bar.setAttribute("data-verdict", D.verdicts[p.ver]); }
      bar.setAttribute("aria-label", JUR[p.jur] + " " + valueOf(p));
      bar.style.left = (x1 * 100).toFixed(2) + "%";
      bar.style.width = Math.max(0, (x2 - x1) * 100).toFixed(2) + "%";
      track.appendChild(bar);
      var val = el("span", "val", valueOf(p) + (l.n > 1 ? " ×" + l.n : ""));
      add(grid, lab, track, val);
    });
    var ticks = el("span", "ticks");
    ax[4].forEach(function (t) {
      var s = el("span", "tick", t[1]);
      s.style.left = (position(ax, t[0], 0) * 100).toFixed(2) + "%";
      ticks.appendChild(s);
    });
    add(grid, el("span", "lab"), ticks, el("span", "val"));
    fig.appendChild(grid);
    if (jurs.length > keep.length) {
      var b = el("button", "more", "显示全部 " + jurs.length + " 个地区");
      b.type = "button";
      b.addEventListener("click", function () { fig.replaceWith(axisChart(a, ps, Infinity)); });
      fig.appendChild(b);
    }
    return fig;
  }
  function provisionRow(p, showQuestion) {
    var row = el("div", "prow" + (on[p.i] ? "" : " dim"));
    row.setAttribute("data-p", String(p.i));
    row.setAttribute("data-jur", String(p.jur));
    row.setAttribute("data-kind", D.kinds[p.kind] || "");
    var head = el("div", "phead");
    add(head, kindBadge(p.kind), " ", el("b", "pval", valueOf(p)), " ", verdictChip(p.ver), " ",
      el("span", "pjur", jurName(p.jur)));
    if (showQuestion && p.q >= 0) { add(head, " · ", link("#q-" + p.q, "qlink", Q[p.q].ind)); }
    add(head, " ", sourceLink(p, "原文 ›"));
    add(row, head, sentenceView(p), facts(p, true));
    return row;
  }
  function fillCard(card, q) {
    var body = card.querySelector(".qbody");
    clear(body);
    var ps = Q[q].ps.filter(function (i) { return on[i]; });
    add(body, el("p", "def", "定义：" + Q[q].def));
    chart(q, ps, MAX_LANES).forEach(function (f) { body.appendChild(f); });
    var list = el("div", "qrows");
    ps.slice(0, MAX_ROWS).forEach(function (i) { list.appendChild(provisionRow(P[i], false)); });
    body.appendChild(list);
    if (ps.length > MAX_ROWS) {
      var b = el("button", "more", "显示全部 " + ps.length + " 条");
      b.type = "button";
      b.addEventListener("click", function () {
        ps.slice(MAX_ROWS).forEach(function (i) { list.appendChild(provisionRow(P[i], false)); });
        b.remove();
      });
      body.appendChild(b);
    }
    card.setAttribute("data-filled", "1");
  }
  function renderCards() {
    var wasOpen = {};
    Array.prototype.forEach.call(document.querySelectorAll("details.qcard[open]"), function (c) { wasOpen[c.id] = 1; });
    var box = clear($("qcards"));
    M.forEach(function (m) {
      if (F.subj >= 0 && m.subj !== F.subj) { return; }
      var qs = m.qs.filter(function (q) { return qCount[q] > 0; });
      if (!qs.length) { return; }
      box.appendChild(el("h3", "", SUBJ[m.subj]));
      qs.forEach(function (q) {
        var card = el("details", "qcard");
        card.id = "q-" + q;
        var jurs = {};
        Q[q].ps.forEach(function (i) { if (on[i]) { jurs[P[i].jur] = 1; } });
        var sum = el("summary");
        add(sum, el("b", "", Q[q].ind), " ", kindBadge(Q[q].kind), " ",
          el("span", "muted", Object.keys(jurs).length + " 个地区 · " + qCount[q] + " 条"));
        add(card, sum, el("div", "qbody"));
        card.addEventListener("toggle", function () { if (card.open && !card.getAttribute("data-filled")) { fillCard(card, q); } });
        box.appendChild(card);
        if (wasOpen[card.id]) { fillCard(card, q); card.open = true; }
      });
    });
  }

  /* ---- the provision list, a page at a time ---- */
  var listed = [], shownRows = 0;
  function renderList() {
    listed = [];
    for (var i = 0; i < P.length; i++) { if (on[i]) { listed.push(i); } }
    clear($("plist"));
    shownRows = 0;
    moreRows();
    $("list-count").textContent = total + " 条";
  }
  function moreRows() {
    var box = $("plist"), end = Math.min(listed.length, shownRows + PAGE);
    var frag = document.createDocumentFragment();
    for (var k = shownRows; k < end; k++) { frag.appendChild(provisionRow(P[listed[k]], true)); }
    box.appendChild(frag);
    shownRows = end;
    var more = $("more");
    more.hidden = shownRows >= listed.length;
    more.textContent = "显示更多（还有 " + (listed.length - shownRows) + " 条）";
  }

  /* ---- documents ---- */
  function renderDocs() {
    var box = clear($("doclist")), table = el("table", "docs"), tr = el("tr");
    ["文件", "地区", "主题"].concat(D.kinds.map(function (k, n) { return kindName(n); })).concat(["全部"])
      .forEach(function (h) { tr.appendChild(el("th", "", h)); });
    add(table, add(el("thead"), tr));
    var counts = DOCS.map(function () { return D.kinds.map(function () { return 0; }); });
    P.forEach(function (p) { if (on[p.i] && p.kind >= 0) { counts[p.doc][p.kind] += 1; } });
    var tb = el("tbody");
    DOCS.forEach(function (d, n) {
      var row = el("tr"), all = counts[n].reduce(function (a, b) { return a + b; }, 0);
      var name = el("td", "doc");
      var pick = el("button", "linkish", d[0]);
      pick.type = "button";
      pick.addEventListener("click", function () { $("f-text").value = d[0]; F.text = d[0].toLowerCase(); apply(); location.hash = "#list"; });
      add(name, pick, d[3] >= 0 ? el("span", "muted", " （" + docName(d[3]) + " 的副本）") : null);
      add(row, name, el("td", "", jurName(d[1])), el("td", "", d[2] >= 0 ? SUBJ[d[2]] : ""));
      counts[n].forEach(function (c) { row.appendChild(el("td", "num", String(c))); });
      row.appendChild(el("td", "num", String(all)));
      tb.appendChild(row);
    });
    box.appendChild(add(table, tb));
  }

  /* ---- the source panel ---- */
  var panel = $("panel"), current = -1;
  function openPanel(i) {
    var p = P[i];
    if (!p) { return; }
    current = i;
    var body = clear($("panel-body"));
    var head = el("div", "phead");
    add(head, kindBadge(p.kind), " ", el("b", "pval", valueOf(p)), " ", verdictChip(p.ver));
    body.appendChild(head);
    var dl = el("dl", "where");
    function row(k, v) { if (v) { add(dl, el("dt", "", k), v.nodeType ? add(el("dd"), v) : el("dd", "", v)); } }
    row("地区", jurName(p.jur));
    row("文件", docName(p.doc));
    row("章节", S(p.sec));
    row("主题", p.subj >= 0 ? SUBJ[p.subj] : "");
    if (p.q >= 0) { row("问题", link("#q-" + p.q, "qlink", Q[p.q].ind)); }
    body.appendChild(dl);
    body.appendChild(el("h4", "", "原文 source text"));
    var ctx = el("p", "ctx");
    if (p.ex >= 0) {
      var ex = EX[p.ex], x = ex[1], lo = p.ss >= 0 ? Math.min(p.ss, p.qs) : p.qs, hi = p.ss >= 0 ? Math.max(p.se, p.qe) : p.qe;
      var a = Math.max(0, lo - 40), b = Math.min(x.length, hi + 40);
      add(ctx, a > 0 || ex[2] ? "…" : "", x.slice(a, p.qs), el("mark", "", x.slice(p.qs, p.qe)), x.slice(p.qe, b),
        b < x.length || ex[3] ? "…" : "");
    } else {
      add(ctx, el("mark", "", quoteOf(p)));
      body.appendChild(ctx);
      ctx = el("p", "warn", "原文不可用：仅显示引文 (source text not available: quote shown alone)");
    }
    body.appendChild(ctx);
    if (p.ss < 0 && sentenceOf(p)) {
      body.appendChild(el("h4", "", "句子 sentence"));
      body.appendChild(sentenceView(p));
    }
    var f = facts(p, false);
    if (f) { body.appendChild(f); }
    var nav = el("div", "pnav");
    [[-1, "‹ 上一条"], [1, "下一条 ›"]].forEach(function (d) {
      var j = i + d[0];
      if (P[j] && P[j].doc === p.doc) { nav.appendChild(sourceLink(P[j], d[1] + "（同一文件）", "step")); }
    });
    body.appendChild(nav);
    panel.hidden = false;
    var mark = body.querySelector("mark");
    if (mark) { mark.scrollIntoView({block: "nearest"}); }
  }
  function closePanel() {
    panel.hidden = true;
    current = -1;
    if (/^#p-/.test(location.hash)) { history.replaceState(null, "", location.href.split("#")[0]); }
  }
  function route() {
    var h = location.hash, m = /^#p-(\d+)$/.exec(h);
    if (m) { openPanel(Number(m[1])); return; }
    m = /^#q-(\d+)$/.exec(h);
    if (m) {
      var card = $("q-" + m[1]);
      if (card) {
        card.open = true;
        if (!card.getAttribute("data-filled")) { fillCard(card, Number(m[1])); }
        card.scrollIntoView({block: "start"});
      }
    }
  }

  /* ---- wiring ---- */
  var jurBoxes = [];
  function jurLabel() {
    var names = Array.from(F.jur).map(jurName);
    $("f-jur-label").textContent = !names.length ? "全部" : names.length <= 2 ? names.join("、") : names.length + " 个地区";
  }
  function buildFilters() {
    var list = $("f-jur-list"), per = new Int32Array(JUR.length);
    P.forEach(function (p) { if (p.jur >= 0) { per[p.jur] += 1; } });
    JUR.forEach(function (name, j) {
      var lab = el("label", "opt"), box = el("input");
      box.type = "checkbox";
      box.value = String(j);
      box.addEventListener("change", function () {
        if (box.checked) { F.jur.add(j); } else { F.jur.delete(j); }
        jurLabel();
        apply();
      });
      add(lab, box, " " + name + " ", el("span", "n", String(per[j])));
      lab.setAttribute("data-name", name.toLowerCase());
      jurBoxes.push(box);
      list.appendChild(lab);
    });
    $("f-jur-find").addEventListener("input", function () {
      var t = this.value.trim().toLowerCase();
      Array.prototype.forEach.call(list.children, function (lab) {
        lab.hidden = !!t && lab.getAttribute("data-name").indexOf(t) < 0;
      });
    });
    $("f-jur-clear").addEventListener("click", function () {
      F.jur.clear();
      jurBoxes.forEach(function (b) { b.checked = false; });
      jurLabel();
      apply();
    });
    var kinds = new Set(), sancs = new Set();
    P.forEach(function (p) { kinds.add(p.kind); if (p.sanc >= 0) { sancs.add(p.sanc); } });
    options($("f-kind"), D.kinds.map(function (k, n) { return [n, kindName(n) + " " + k]; })
      .filter(function (o) { return kinds.has(o[0]); }));
    options($("f-subject"), SUBJ.map(function (s, n) { return [n, s]; }));
    options($("f-sanction"), D.sanctions.map(function (s, n) { return [n, sanctionName(n) + " " + s]; })
      .filter(function (o) { return sancs.has(o[0]); }));
    [["f-kind", "kind"], ["f-subject", "subj"], ["f-sanction", "sanc"]].forEach(function (f) {
      $(f[0]).addEventListener("change", function () { F[f[1]] = this.value === "" ? -1 : Number(this.value); apply(); });
    });
    var timer = null;
    $("f-text").addEventListener("input", function () {
      var v = this.value.trim().toLowerCase();
      clearTimeout(timer);
      timer = setTimeout(function () { F.text = v; apply(); }, 150);
    });
    $("f-reset").addEventListener("click", function () {
      F.jur.clear();
      jurBoxes.forEach(function (b) { b.checked = false; });
      F.kind = F.subj = F.sanc = -1;
      F.text = "";
      ["f-kind", "f-subject", "f-sanction", "f-text"].forEach(function (id) { $(id).value = ""; });
      jurLabel();
      apply();
    });
  }
  function apply() {
    compute();
    $("shown-count").textContent = total + " / " + P.length;
    $("shown-count").setAttribute("data-search", F.text);
    updateToc();
    renderMatrices();
    renderCards();
    renderList();
    if ($("docs-d").open) { renderDocs(); }
  }

  buildFilters();
  buildToc();
  legend();
  $("more").addEventListener("click", moreRows);
  $("panel-close").addEventListener("click", closePanel);
  document.addEventListener("keydown", function (e) { if (e.key === "Escape" && !panel.hidden) { closePanel(); } });
  document.addEventListener("click", function (e) {
    var pop = $("f-jur");
    if (pop.open && !pop.contains(e.target)) { pop.open = false; }
    var a = e.target.closest ? e.target.closest("a[data-p]") : null;
    if (a && "#p-" + a.getAttribute("data-p") === location.hash) { openPanel(Number(a.getAttribute("data-p"))); }
  });
  $("docs-d").addEventListener("toggle", function () { if (this.open) { renderDocs(); } });
  window.addEventListener("hashchange", route);
  apply();
  route();
  window.__reportReadyMs = performance.now();
  window.__reportReady = true;
  if (performance.mark) { performance.mark("report-ready"); }
})();
