// The lifecycles section of shoveltap's web monitor (issue 24): the
// per-task-name (and per oslo method) table and the per-worker table,
// from /api/lifecycle, polled every two seconds while the section is
// open. Its button goes in the filter bar; the section replaces the
// message table until it is closed. Strings reach the page through
// textContent only, as in app.js.
'use strict';

(() => {
  const bar = document.querySelector('nav.bar');
  const main = document.getElementById('main');
  if (!bar || !main) return;

  const button = document.createElement('button');
  button.type = 'button';
  button.id = 'lifecycle-toggle';
  button.textContent = 'Lifecycles';
  button.title = 'task lifecycles per name and per worker (L)';
  button.setAttribute('aria-pressed', 'false');
  bar.appendChild(button);

  const section = document.createElement('section');
  section.id = 'lifecycle';
  section.className = 'lifecycle';
  section.hidden = true;
  main.parentNode.insertBefore(section, main.nextSibling);

  let timer = 0;

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function msText(v) {
    if (v === null || v === undefined) return '–';
    if (v < 1) return Math.round(v * 1000) + 'µs';
    if (v < 1000) return v.toFixed(1) + 'ms';
    return (v / 1000).toFixed(2) + 's';
  }

  function table(id, heads, rows) {
    const t = el('table', 'lc-table');
    t.id = id;
    const tr = el('tr');
    for (const h of heads) tr.appendChild(el('th', null, h));
    t.appendChild(el('thead')).appendChild(tr);
    const body = el('tbody');
    for (const cells of rows) {
      const r = el('tr');
      for (const c of cells) {
        const td = el('td', c.cls || null, c.text);
        if (c.title) td.title = c.title;
        r.appendChild(td);
      }
      body.appendChild(r);
    }
    t.appendChild(body);
    return t;
  }

  function render(d) {
    section.replaceChildren();
    if (!d.facts) {
      section.appendChild(el('p', 'empty',
        'Nothing lifecycle-shaped seen yet: no Celery task message, event or result and no oslo.messaging RPC call. ' +
        'Tap the task queues and the celeryev exchange (shoveltap --celery), with workers started with -E.'));
      return;
    }
    for (const n of d.notes) section.appendChild(el('p', 'lc-note', n));
    section.appendChild(el('h2', null, 'Per task name and RPC method'));
    section.appendChild(table('lc-names',
      ['name', 'seen', 'rate/s', 'running', 'ok', 'failed', 'retried', 'p50', 'p95', 'p99', 'last failure'],
      d.names.map((n) => [
        { text: (n.kind === 'rpc' ? 'rpc ' : '') + n.name },
        { text: n.seen, cls: 'num' }, { text: n.rate.toFixed(1), cls: 'num' }, { text: n.running, cls: 'num' },
        { text: n.ok, cls: 'num' }, { text: n.failed, cls: n.failed ? 'num bad' : 'num' },
        { text: n.kind === 'rpc' ? '–' : n.retried, cls: 'num' },
        { text: msText(n.p50_ms), cls: 'num' }, { text: msText(n.p95_ms), cls: 'num' }, { text: msText(n.p99_ms), cls: 'num' },
        n.last_failure
          ? { text: n.last_failure.exception + (n.last_failure.worker ? ' on ' + n.last_failure.worker : ''), title: n.last_failure.id }
          : { text: '' },
      ])));
    section.appendChild(el('h2', null, 'Per worker'));
    section.appendChild(table('lc-workers',
      ['worker', 'online', 'active', 'processed', 'running', 'succeeded', 'failed', 'note'],
      d.workers.map((w) => [
        { text: w.host }, { text: w.online ? 'yes' : 'no', cls: w.online ? 'ok' : 'bad' },
        { text: w.active === null ? '–' : w.active, cls: 'num' },
        { text: w.processed === null ? '–' : w.processed, cls: 'num' },
        { text: w.running, cls: 'num' }, { text: w.succeeded, cls: 'num' }, { text: w.failed, cls: 'num' },
        { text: w.without_events ? 'runs without -E: no task events' : '', cls: 'warn-text' },
      ])));
  }

  function load() {
    fetch('/api/lifecycle', { cache: 'no-store', credentials: 'same-origin' })
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error(String(r.status)))))
      .then(render)
      .catch(() => { section.replaceChildren(el('p', 'empty', 'lifecycles: the monitor did not answer')); });
  }

  function setOpen(open) {
    section.hidden = !open;
    main.hidden = open;
    button.setAttribute('aria-pressed', String(open));
    clearInterval(timer);
    if (open) {
      load();
      timer = setInterval(load, 2000);
    }
  }

  button.addEventListener('click', () => setOpen(section.hidden));
  document.addEventListener('keydown', (e) => {
    if (e.key !== 'L' || e.ctrlKey || e.metaKey || e.altKey) return;
    const t = e.target;
    if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA')) return;
    setOpen(section.hidden);
  });
})();
