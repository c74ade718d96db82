// shoveltap's web monitor. Read-only: it only listens to /events and asks
// /api for one message at a time.
//
// Every string that comes from a message is hostile: it reaches the page
// only through textContent (or a property such as title), never as HTML.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const rowsEl = $('rows');
  const scroller = $('scroller');
  const filterEl = $('filter');
  const pauseEl = $('pause');
  const followEl = $('follow');
  const detailEl = $('detail');

  let maxRows = 500;       // the server says in its hello
  let es = null;           // the EventSource
  let lastId = '';         // the last event id: where a new stream resumes
  let query = '';
  let paused = false;
  let held = [];           // rows that arrived while paused
  let heldOver = 0;        // of those, how many were dropped to stay bounded
  let following = true;    // keep the newest row in view
  let selectedId = 0;
  let retryMs = 1000;
  let retryTimer = 0;
  let authLost = false;

  // el makes an element with a class and text, the only way text gets in.
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function pad(n, w) { return String(n).padStart(w, '0'); }

  function clock(ms) {
    const d = new Date(ms);
    return pad(d.getHours(), 2) + ':' + pad(d.getMinutes(), 2) + ':' +
      pad(d.getSeconds(), 2) + '.' + pad(d.getMilliseconds(), 3);
  }

  // fullTime is the date and time in this browser's zone, with the zone
  // named, as the terminal's detail pane shows it: 2025-03-14
  // 09:26:53.123 CET.
  function fullTime(ms) {
    const d = new Date(ms);
    return d.getFullYear() + '-' + pad(d.getMonth() + 1, 2) + '-' + pad(d.getDate(), 2) +
      ' ' + clock(ms) + ' ' + zoneName(d);
  }

  // zoneName is the short name of d's zone (CET, UTC, GMT+5:30), or its
  // offset from UTC when the browser has no name for it.
  function zoneName(d) {
    try {
      const parts = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(d);
      const z = parts.find((p) => p.type === 'timeZoneName');
      if (z && z.value) return z.value;
    } catch (_) { /* no Intl: the offset below */ }
    const off = -d.getTimezoneOffset();
    const sign = off < 0 ? '-' : '+';
    return 'UTC' + sign + pad(Math.floor(Math.abs(off) / 60), 2) + ':' + pad(Math.abs(off) % 60, 2);
  }

  function count(n) { return Number(n || 0).toLocaleString('en-US'); }

  // ---- the event stream -------------------------------------------------

  function connect(fresh) {
    clearTimeout(retryTimer);
    if (es) es.close();
    const params = new URLSearchParams();
    if (query) params.set('q', query);
    if (!fresh && lastId) params.set('after', lastId);
    const qs = params.toString();
    es = new EventSource('/events' + (qs ? '?' + qs : ''));
    es.addEventListener('hello', onHello);
    es.addEventListener('rows', onRows);
    es.addEventListener('status', onStatus);
    es.onopen = () => { retryMs = 1000; authLost = false; setConn('live', 'ok'); };
    es.onerror = () => {
      // The browser retries a dropped stream by itself; a refused one
      // (CLOSED) is retried here, after finding out why it was refused.
      if (es.readyState !== EventSource.CLOSED) {
        setConn('reconnecting…', 'warn');
        return;
      }
      probe();
    };
  }

  function probe() {
    setConn('reconnecting…', 'warn');
    fetch('/api/status', { cache: 'no-store', credentials: 'same-origin' })
      .then((res) => {
        if (res.status === 401) {
          authLost = true;
          setConn('token needed: open the address shoveltap printed', 'bad');
        }
      })
      .catch(() => {})
      .finally(() => {
        retryTimer = setTimeout(() => connect(false), retryMs);
        retryMs = Math.min(retryMs * 2, authLost ? 30000 : 8000);
      });
  }

  function setConn(text, level) {
    const c = $('conn');
    c.textContent = text;
    c.className = 'conn ' + level;
  }

  function onHello(e) {
    const h = JSON.parse(e.data);
    maxRows = h.history || maxRows;
    if (!h.resumed) {
      // A new stream: another filter, or a restarted shoveltap.
      rowsEl.replaceChildren();
      held = [];
      heldOver = 0;
      following = true;
    }
    updateShown();
  }

  function onRows(e) {
    lastId = e.lastEventId || lastId;
    const items = JSON.parse(e.data);
    if (paused) {
      // Hold one row fewer than the table keeps: room for the marker of
      // what had to be let go.
      for (const it of items) held.push(it);
      if (held.length > maxRows - 1) {
        heldOver += held.length - (maxRows - 1);
        held.splice(0, held.length - (maxRows - 1));
      }
      updateShown();
      return;
    }
    append(items);
  }

  // ---- the table --------------------------------------------------------

  function append(items) {
    if (!items.length) return;
    const frag = document.createDocumentFragment();
    for (const it of items) frag.appendChild(it.skipped ? markerRow(it) : messageRow(it));
    rowsEl.appendChild(frag);
    trim();
    if (following) scroller.scrollTop = scroller.scrollHeight;
    updateShown();
  }

  // trim keeps at most maxRows rows in the DOM, dropping the oldest, and
  // keeps what the user looks at in place when they scrolled away.
  function trim() {
    let extra = rowsEl.rows.length - maxRows;
    if (extra <= 0) return;
    let removed = 0;
    while (extra-- > 0) {
      const r = rowsEl.firstElementChild;
      removed += r.offsetHeight;
      r.remove();
    }
    if (!following) scroller.scrollTop -= removed;
  }

  function messageRow(m) {
    const tr = el('tr');
    tr.dataset.id = String(m.id);
    if (m.id === selectedId) tr.className = 'sel';
    const time = el('td', 'c-time', clock(m.t));
    if (m.unroutable) {
      // The silent drop made visible: the routing model says no queue got it.
      tr.classList.add('unroutable');
      const mark = el('span', 'unroutable-mark', '!');
      mark.title = 'unroutable: no production queue got this message';
      time.prepend(mark);
    }
    tr.appendChild(time);
    tr.appendChild(el('td', 'c-x', m.x));
    tr.appendChild(el('td', 'c-rk', m.rk));
    tr.appendChild(el('td', 'c-size', m.size));
    const f = el('td', 'c-fmt');
    f.appendChild(el('span', 'fmt fmt-' + formatClass(m.fmt), m.fmt));
    tr.appendChild(f);
    const s = el('td', 'c-sum', m.sum);
    s.title = m.sum;
    tr.appendChild(s);
    return tr;
  }

  function formatClass(fmt) {
    const base = String(fmt || '').split('/')[0];
    return /^[a-z]+$/.test(base) ? base : 'other';
  }

  function markerRow(m) {
    const tr = el('tr', 'marker');
    const why = {
      web: 'the web monitor fell behind the tap',
      page: 'this page fell behind and they were pushed out',
      paused: 'more arrived while paused than the page keeps',
    }[m.reason] || m.reason;
    // With a filter, not every message skipped would have matched it.
    const n = (query && m.reason !== 'paused' ? 'up to ' : '') + count(m.skipped);
    const td = el('td', '', '⋯ ' + n + ' messages skipped: ' + why);
    td.colSpan = 6;
    tr.appendChild(td);
    return tr;
  }

  function updateShown() {
    const n = rowsEl.rows.length;
    $('empty').hidden = n > 0 || held.length > 0;
    let text = count(n) + (n === 1 ? ' row' : ' rows');
    if (paused) text += ' · paused, ' + count(held.length + heldOver) + ' new';
    $('shown').textContent = text;
    followEl.hidden = following || paused;
  }

  scroller.addEventListener('scroll', () => {
    const atEnd = scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 8;
    // A selected row holds the view: End or the newest button follows
    // again, not a scroll that happens to reach the end.
    if (atEnd && selectedId !== 0) return;
    if (atEnd !== following) {
      following = atEnd;
      updateShown();
    }
  });

  function follow() {
    following = true;
    scroller.scrollTop = scroller.scrollHeight;
    updateShown();
  }
  followEl.addEventListener('click', follow);

  function setPaused(p) {
    paused = p;
    pauseEl.textContent = p ? 'Resume' : 'Pause';
    pauseEl.setAttribute('aria-pressed', String(p));
    document.body.classList.toggle('paused', p);
    if (!p) {
      const rows = held;
      if (heldOver > 0) rows.unshift({ id: 0, skipped: heldOver, reason: 'paused' });
      held = [];
      heldOver = 0;
      append(rows);
    }
    updateShown();
  }
  pauseEl.addEventListener('click', () => setPaused(!paused));

  // ---- the filter -------------------------------------------------------

  let filterTimer = 0;
  filterEl.addEventListener('input', () => {
    clearTimeout(filterTimer);
    filterTimer = setTimeout(applyFilter, 250);
  });
  filterEl.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') { clearTimeout(filterTimer); applyFilter(); }
  });

  function applyFilter() {
    const q = filterEl.value.trim();
    if (q === query) return;
    query = q;
    // The filter goes in the address, so a wall screen can be set up with
    // one.
    const url = new URL(location.href);
    url.hash = q ? 'q=' + encodeURIComponent(q) : '';
    history.replaceState(null, '', url.pathname + url.search + url.hash);
    if (paused) setPaused(false);
    connect(true);
  }

  function queryFromHash() {
    const h = location.hash.replace(/^#/, '');
    for (const part of h.split('&')) {
      if (part.startsWith('q=')) {
        try { return decodeURIComponent(part.slice(2)); } catch (_) { return ''; }
      }
    }
    return '';
  }

  // ---- the status -------------------------------------------------------

  function onStatus(e) {
    const s = JSON.parse(e.data);
    const badge = $('state');
    badge.textContent = s.state;
    badge.className = 'badge ' + s.level;
    badge.title = s.detail || '';
    const where = [s.broker, 'vhost ' + s.vhost];
    if (s.sources.length) where.push(s.sources.join(', '));
    $('where').textContent = where.join(' · ');
    $('rate').textContent = s.rate.toFixed(s.rate < 10 ? 1 : 0);
    $('seen').textContent = count(s.seen);
    $('dropped').textContent = s.dropped_unknown ? '?' : count(s.dropped);
    $('dropped').title = s.dropped_unknown ? 'the broker keeps no message statistics' : '';
    $('evicted').textContent = count(s.evicted);
    const skipped = (s.skipped || 0) + (s.lost || 0);
    $('skipped-wrap').hidden = skipped === 0;
    $('skipped').textContent = count(skipped);
    const notes = $('notes');
    const lines = (s.notes || []).slice();
    if (s.detail && s.level !== 'ok') lines.unshift(s.detail);
    notes.hidden = lines.length === 0;
    notes.textContent = lines.join(' · ');
  }

  // ---- the detail view --------------------------------------------------

  rowsEl.addEventListener('click', (e) => {
    const tr = e.target.closest('tr');
    if (!tr || !tr.dataset.id) return;
    select(tr);
  });

  // select marks tr and opens its detail. Like the terminal UI, a
  // selection stops following: new rows arrive below and the selected row
  // stays where it is on screen (End or the newest button follows again).
  function select(tr) {
    const prev = rowsEl.querySelector('tr.sel');
    if (prev) prev.classList.remove('sel');
    tr.classList.add('sel');
    selectedId = Number(tr.dataset.id);
    following = false;
    updateShown();
    openDetail(selectedId);
    // The detail pane takes room: keep the row in view.
    requestAnimationFrame(() => tr.scrollIntoView({ block: 'nearest' }));
  }

  function openDetail(id) {
    detailEl.hidden = false;
    document.body.classList.add('detail-open');
    $('d-title').textContent = 'loading…';
    $('d-body').replaceChildren();
    fetch('/api/message?id=' + encodeURIComponent(id), { cache: 'no-store', credentials: 'same-origin' })
      .then((res) => res.json().then((body) => ({ ok: res.ok, body })))
      .then(({ ok, body }) => {
        if (id !== selectedId) return;
        if (!ok) {
          $('d-title').textContent = 'message #' + id;
          $('d-body').appendChild(el('p', 'note', body.error || 'not available'));
          return;
        }
        renderDetail(body);
      })
      .catch((err) => {
        $('d-title').textContent = 'message #' + id;
        $('d-body').appendChild(el('p', 'note', 'could not load it: ' + err));
      });
  }

  function closeDetail() {
    detailEl.hidden = true;
    document.body.classList.remove('detail-open');
    const prev = rowsEl.querySelector('tr.sel');
    if (prev) prev.classList.remove('sel');
    selectedId = 0;
  }
  $('d-close').addEventListener('click', closeDetail);

  function renderDetail(m) {
    $('d-title').textContent = '#' + m.seq + '  ' + m.exchange + ' → ' + m.routing_key;
    const body = $('d-body');
    const section = (title) => {
      const s = el('section');
      s.appendChild(el('h3', '', title));
      body.appendChild(s);
      return s;
    };
    const fields = (parent, list) => {
      const dl = el('dl');
      for (const f of list) {
        dl.appendChild(el('dt', '', f.name));
        dl.appendChild(el('dd', '', f.value));
      }
      parent.appendChild(dl);
    };
    if (m.fields.length || m.notes.length) {
      const s = section('decoded · ' + m.format);
      fields(s, m.fields);
      for (const n of m.notes) s.appendChild(el('p', 'note', '! ' + n));
    }
    const msg = [
      { name: 'exchange', value: m.exchange },
      { name: 'routing key', value: m.routing_key },
      { name: 'received', value: fullTime(m.t) },
      { name: 'size', value: count(m.size) + ' bytes' },
    ];
    if (m.redelivered) msg.push({ name: 'redelivered', value: 'yes' });
    if (m.source) msg.push({ name: 'tapped from', value: m.source });
    fields(section('message'), msg);
    for (const x of m.sections || []) {
      const s = section(x.title);
      if (x.mark === 'bad') s.classList.add('bad');
      fields(s, x.fields);
      for (const n of x.notes || []) s.appendChild(el('p', 'note', '! ' + n));
      if (x.link && /^https?:\/\//.test(x.link)) {
        const a = el('a', 'trace-link', x.link);
        a.href = x.link;
        a.target = '_blank';
        a.rel = 'noopener noreferrer';
        s.appendChild(a);
      }
    }
    if (m.properties.length) fields(section('properties'), m.properties);
    if (m.headers.length) {
      const s = section('headers');
      const dl = el('dl', 'headers');
      for (const h of m.headers) {
        const dt = el('dt', 'depth-' + Math.min(h.depth, 6), h.key);
        dl.appendChild(dt);
        dl.appendChild(el('dd', '', h.value));
      }
      s.appendChild(dl);
    }
    const b = section('body · ' + m.body.kind + ' · ' + count(m.size) + ' bytes');
    if (m.body.kind === 'empty') {
      b.appendChild(el('p', 'muted', '(empty)'));
    } else {
      const pre = el('pre', 'body body-' + m.body.kind);
      if (m.body.kind === 'json') colorJSON(pre, m.body.text);
      else pre.textContent = m.body.text;
      b.appendChild(pre);
    }
    if (m.body.omitted > 0) {
      b.appendChild(el('p', 'muted', '… ' + count(m.body.omitted) + ' more bytes not shown'));
    }
  }

  // colorJSON puts pretty-printed JSON into pre as text spans by token.
  function colorJSON(pre, text) {
    const re = /("(?:[^"\\]|\\.)*")(\s*:)?|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|\b(true|false|null)\b/g;
    let last = 0;
    let m;
    while ((m = re.exec(text)) !== null) {
      if (m.index > last) pre.appendChild(document.createTextNode(text.slice(last, m.index)));
      if (m[1] !== undefined) {
        pre.appendChild(el('span', m[2] ? 'j-key' : 'j-str', m[1]));
        if (m[2]) pre.appendChild(document.createTextNode(m[2]));
      } else if (m[3] !== undefined) {
        pre.appendChild(el('span', 'j-num', m[3]));
      } else {
        pre.appendChild(el('span', 'j-lit', m[4]));
      }
      last = re.lastIndex;
    }
    if (last < text.length) pre.appendChild(document.createTextNode(text.slice(last)));
  }

  // ---- keys -------------------------------------------------------------

  document.addEventListener('keydown', (e) => {
    if (e.target === filterEl) {
      if (e.key === 'Escape') filterEl.blur();
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    switch (e.key) {
      case '/': e.preventDefault(); filterEl.focus(); break;
      case 'p': setPaused(!paused); break;
      case 'End': follow(); break;
      case 'Escape': closeDetail(); break;
      default: return;
    }
  });

  query = queryFromHash();
  filterEl.value = query;
  connect(true);
})();
