
(function () {
  'use strict';
  // Every string from the data goes into the page with textContent, never as markup.
  var dataElement = document.getElementById('redflag-data');
  var DATA = JSON.parse(dataElement.textContent);
  var HASH = dataElement.getAttribute('data-sha256');
  var STORE_KEY = 'redflag-review:' + HASH;
  var records = DATA.records;
  var decisions = DATA.decisions;
  var reviewClasses = DATA.review_classes.map(function (t) { return t.class; });
  var main = document.getElementById('records');
  var progress = document.getElementById('progress');
  var exportArea = document.getElementById('export');
  var exportStatus = document.getElementById('export-status');
  var storageStatus = document.getElementById('storage-status');

  // The strongest |weight| on the page: colours are comparable across records.
  var maxWeight = 0;
  records.forEach(function (r) {
    r.reasons.forEach(function (x) { maxWeight = Math.max(maxWeight, Math.abs(x.weight)); });
  });

  var state = load();
  var cards = [];
  var current = Math.max(0, Math.min(records.length - 1, state.current | 0));

  function load() {
    var empty = { version: 1, current: 0, decisions: {} };
    try {
      var saved = window.localStorage.getItem(STORE_KEY);
      if (!saved) { return empty; }
      var parsed = JSON.parse(saved);
      if (!parsed || typeof parsed.decisions !== 'object' || parsed.decisions === null) { return empty; }
      return parsed;
    } catch (e) {
      return empty;
    }
  }

  function save() {
    try {
      window.localStorage.setItem(STORE_KEY, JSON.stringify(state));
      storageStatus.textContent = '';
    } catch (e) {
      storageStatus.textContent = 'Decisions cannot be saved in this browser: export them before closing the page.';
    }
  }

  function el(tag, className, text) {
    var e = document.createElement(tag);
    if (className) { e.className = className; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }

  function colour(weight, alpha) {
    var rgb = weight >= 0 ? '200, 30, 30' : '30, 90, 200';
    return 'rgba(' + rgb + ', ' + alpha.toFixed(3) + ')';
  }

  function strength(weight) {
    // Stronger weight, stronger colour: from 0.12 to 0.75 opacity.
    var w = maxWeight > 0 ? Math.abs(weight) / maxWeight : 1;
    return 0.12 + 0.63 * Math.min(1, w);
  }

  function fmt(x) { return (Math.round(x * 1000) / 1000).toFixed(3); }

  // The text, with one <mark> per stretch covered by the same set of reasons. Spans are
  // UTF-16 offsets (JavaScript string indices), converted from the byte spans by redflag.
  function renderText(container, r) {
    var text = r.text;
    var bounds = [0, text.length];
    r.reasons.forEach(function (x) {
      x.js_spans.forEach(function (s) { bounds.push(s[0], s[1]); });
    });
    bounds = bounds.filter(function (b) { return b >= 0 && b <= text.length; })
      .sort(function (a, b) { return a - b; })
      .filter(function (b, i, all) { return i === 0 || b !== all[i - 1]; });
    for (var i = 0; i + 1 < bounds.length; i++) {
      var from = bounds[i];
      var to = bounds[i + 1];
      var piece = text.slice(from, to);
      var covering = [];
      r.reasons.forEach(function (x, k) {
        if (x.js_spans.some(function (s) { return s[0] <= from && to <= s[1]; })) { covering.push(k); }
      });
      if (covering.length === 0) {
        container.appendChild(document.createTextNode(piece));
        continue;
      }
      var strongest = covering.reduce(function (a, k) {
        return Math.abs(r.reasons[k].weight) > Math.abs(r.reasons[a].weight) ? k : a;
      });
      var w = r.reasons[strongest].weight;
      var mark = el('mark', 'hl ' + (w >= 0 ? 'pos' : 'neg'), piece);
      mark.dataset.reasons = covering.join(' ');
      mark.dataset.from = String(from);
      mark.dataset.to = String(to);
      mark.style.backgroundColor = colour(w, strength(w));
      mark.title = covering.map(function (k) {
        var x = r.reasons[k];
        return x.feature + ' (' + x.kind + ', ' + (x.weight >= 0 ? '+' : '') + x.weight + ')';
      }).join('; ');
      container.appendChild(mark);
    }
  }

  function renderRecord(r, index) {
    var card = el('article', 'record');
    card.tabIndex = -1;
    card.dataset.index = String(index);
    card.dataset.rank = String(index + 1);
    card.dataset.id = r.id;
    card.dataset.source = r.source;
    card.dataset.harmful = String(r.harmful);

    var head = el('div', 'record-head');
    head.appendChild(el('span', 'rank', '#' + (index + 1)));
    var id = el('span', 'id');
    id.appendChild(document.createTextNode('id '));
    id.appendChild(el('span', 'id-value', r.id));
    head.appendChild(id);
    head.appendChild(el('span', 'source', r.source));
    head.appendChild(el('span', 'lang', 'language ' + r.lang));
    r.warnings.forEach(function (w) { head.appendChild(el('span', 'warning', w)); });
    card.appendChild(head);

    var explains = el('p', 'explains');
    explains.appendChild(document.createTextNode('Model label '));
    explains.appendChild(el('strong', 'model-label', r.label));
    explains.appendChild(document.createTextNode(' · harmful score ' + fmt(r.harmful)));
    if (r.explains !== null && r.explains !== undefined) {
      explains.appendChild(document.createTextNode(' · reasons explain '));
      explains.appendChild(el('strong', 'explains-class', r.explains));
      if (r.threshold !== null && r.threshold !== undefined) {
        explains.appendChild(document.createTextNode(' (review threshold ' + fmt(r.threshold) + ')'));
      }
    }
    card.appendChild(explains);

    var scores = el('div', 'scores');
    DATA.classes.forEach(function (c, k) {
      var p = r.scores[k];
      var review = reviewClasses.indexOf(c) >= 0;
      var name = el('span', review ? 'class review-class' : 'class', c);
      var bar = el('span', 'bar');
      var fill = el('span');
      fill.style.width = (Math.max(0, Math.min(1, p)) * 100).toFixed(1) + '%';
      bar.appendChild(fill);
      var wrap = el('span', review ? 'review-class' : '');
      wrap.appendChild(bar);
      scores.appendChild(name);
      scores.appendChild(wrap);
      var value = el('span', 'score', fmt(p));
      value.dataset.class = c;
      scores.appendChild(value);
    });
    card.appendChild(scores);

    var text = el('div', 'text');
    text.dir = 'auto';
    renderText(text, r);
    card.appendChild(text);

    if (r.reasons.length > 0) {
      var list = el('ol', 'reasons');
      r.reasons.forEach(function (x, k) {
        var item = el('li', 'reason');
        item.dataset.reason = String(k);
        var swatch = el('span', 'swatch');
        swatch.style.backgroundColor = colour(x.weight, strength(x.weight));
        item.appendChild(swatch);
        item.appendChild(el('span', 'feature', x.feature));
        item.appendChild(document.createTextNode(' '));
        item.appendChild(el('span', 'kind', x.kind));
        item.appendChild(document.createTextNode(' '));
        item.appendChild(el('span', 'weight', (x.weight >= 0 ? '+' : '') + x.weight));
        list.appendChild(item);
      });
      card.appendChild(list);
    }

    var buttons = el('div', 'decide');
    decisions.forEach(function (d, k) {
      var b = el('button', 'decision', (k < 9 ? (k + 1) + ' ' : '') + d);
      b.type = 'button';
      b.dataset.decision = d;
      b.setAttribute('aria-pressed', 'false');
      b.addEventListener('click', function () {
        setCurrent(index, false);
        var d0 = decisionOf(index);
        decide(index, d0 === d ? null : d, false);
      });
      buttons.appendChild(b);
    });
    buttons.appendChild(el('span', 'decision-label', ''));
    card.appendChild(buttons);

    var notes = el('textarea', 'notes');
    notes.rows = 2;
    notes.placeholder = 'Notes (n)';
    notes.setAttribute('aria-label', 'Notes on record ' + (index + 1));
    notes.value = notesOf(index);
    notes.addEventListener('input', function () {
      entry(index).notes = notes.value;
      save();
    });
    notes.addEventListener('focus', function () { setCurrent(index, false); });
    card.appendChild(notes);

    card.addEventListener('mousedown', function () { setCurrent(index, false); });
    return card;
  }

  function entry(index) {
    var key = String(index);
    if (!state.decisions[key]) { state.decisions[key] = { decision: null, notes: '' }; }
    return state.decisions[key];
  }

  function decisionOf(index) {
    var e = state.decisions[String(index)];
    return e && typeof e.decision === 'string' && decisions.indexOf(e.decision) >= 0 ? e.decision : null;
  }

  function notesOf(index) {
    var e = state.decisions[String(index)];
    return e && typeof e.notes === 'string' ? e.notes : '';
  }

  function showDecision(index) {
    var card = cards[index];
    var d = decisionOf(index);
    card.classList.toggle('decided', d !== null);
    card.classList.toggle('unsure', d === DATA.unsure);
    card.dataset.decision = d === null ? '' : d;
    Array.prototype.forEach.call(card.querySelectorAll('button.decision'), function (b) {
      b.setAttribute('aria-pressed', b.dataset.decision === d ? 'true' : 'false');
    });
    card.querySelector('.decision-label').textContent = d === null ? '' : 'Decided: ' + d;
  }

  function showProgress() {
    var done = 0;
    var unsure = 0;
    records.forEach(function (r, i) {
      var d = decisionOf(i);
      if (d !== null) { done++; }
      if (d === DATA.unsure) { unsure++; }
    });
    progress.textContent = done + ' / ' + records.length + ' decided' + (unsure ? ' (' + unsure + ' unsure)' : '');
  }

  function decide(index, decision, advance) {
    entry(index).decision = decision;
    save();
    showDecision(index);
    showProgress();
    if (advance && index + 1 < records.length) { setCurrent(index + 1, true); }
  }

  function setCurrent(index, scroll) {
    if (records.length === 0) { return; }
    index = Math.max(0, Math.min(records.length - 1, index));
    if (cards[current]) { cards[current].classList.remove('current'); }
    current = index;
    cards[current].classList.add('current');
    state.current = current;
    save();
    if (scroll) {
      cards[current].focus({ preventScroll: true });
      cards[current].scrollIntoView({ block: 'nearest' });
    }
  }

  function exportDecisions() {
    var lines = [];
    var unsure = 0;
    records.forEach(function (r, i) {
      var d = decisionOf(i);
      if (d === null) { return; }
      if (d === DATA.unsure) { unsure++; return; }
      var reviewScores = {};
      reviewClasses.forEach(function (c) {
        var k = DATA.classes.indexOf(c);
        if (k >= 0) { reviewScores[c] = r.scores[k]; }
      });
      lines.push(JSON.stringify({
        id: r.id,
        text: r.text,
        label: d,
        notes: notesOf(i),
        source: r.source,
        model_label: r.label,
        review_scores: reviewScores,
        model_sha256: DATA.model.sha256
      }));
    });
    var body = lines.length ? lines.join('\n') + '\n' : '';
    exportArea.value = body;
    document.getElementById('export-details').open = true;
    exportStatus.textContent = 'Exported ' + lines.length + ' decision' + (lines.length === 1 ? '' : 's') +
      (unsure ? '; ' + unsure + ' unsure left out' : '') + '.';
    try {
      var blob = new Blob([body], { type: 'application/x-ndjson' });
      var url = URL.createObjectURL(blob);
      var a = document.createElement('a');
      a.href = url;
      a.download = 'redflag-decisions-' + HASH.slice(0, 12) + '.jsonl';
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
    } catch (e) {
      exportStatus.textContent += ' The download failed: copy the lines below.';
    }
  }

  function typing(target) {
    return target && (target.tagName === 'TEXTAREA' || target.tagName === 'INPUT' || target.isContentEditable);
  }

  document.addEventListener('keydown', function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (typing(event.target)) {
      if (event.key === 'Escape') {
        event.target.blur();
        if (cards[current]) { cards[current].focus({ preventScroll: true }); }
        event.preventDefault();
      }
      return;
    }
    if (records.length === 0) { return; }
    var key = event.key;
    if (key === 'j' || key === 'ArrowDown') {
      setCurrent(current + 1, true);
    } else if (key === 'k' || key === 'ArrowUp') {
      setCurrent(current - 1, true);
    } else if (key === 'n') {
      cards[current].querySelector('textarea.notes').focus();
    } else if (key === '0') {
      decide(current, null, false);
    } else if (/^[1-9]$/.test(key) && Number(key) <= decisions.length) {
      decide(current, decisions[Number(key) - 1], true);
    } else {
      return;
    }
    event.preventDefault();
  });

  document.getElementById('export-button').addEventListener('click', exportDecisions);

  // Scrolling to a record keeps it clear of the sticky bar.
  var bar = document.getElementById('bar');
  function padScroll() {
    document.documentElement.style.scrollPaddingTop = (bar.offsetHeight + 8) + 'px';
  }
  window.addEventListener('resize', padScroll);
  document.getElementById('export-details').addEventListener('toggle', padScroll);
  padScroll();

  var fragment = document.createDocumentFragment();
  records.forEach(function (r, i) {
    var card = renderRecord(r, i);
    cards.push(card);
    fragment.appendChild(card);
  });
  main.appendChild(fragment);
  if (records.length === 0) {
    main.appendChild(el('p', 'empty', 'No record was flagged for review.'));
  }
  records.forEach(function (r, i) { showDecision(i); });
  showProgress();
  if (records.length > 0) {
    cards[current].classList.add('current');
    cards[current].scrollIntoView({ block: 'nearest' });
  }
  document.documentElement.dataset.ready = 'true';
})();
