/* Australis plugin for Open MCT: the ground's points (from the dictionary when the ground has
 * one, else from what the archive holds) as telemetry objects with historical (GET
 * /api/points/NAME/history) and realtime (GET /api/stream, server-sent events) providers and
 * limit colours; views for commands, the link, keys and images. docs/http-api.md. */
(function () {
  'use strict';
  const NS = 'aus';
  const ROOT = { namespace: NS, key: 'spacecraft' };
  let token = '';
  let dictionary = null; // { points: {name: {unit, yellow, red, type}}, commands: [...] }
  const listeners = new Map(); // event -> Set(fn)

  function auth() {
    return { Authorization: 'Bearer ' + token };
  }

  async function api(path, opts) {
    const o = Object.assign({}, opts || {});
    o.headers = Object.assign({}, o.headers || {}, auth());
    const r = await fetch(path, o);
    const text = await r.text();
    let body = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch (e) {
      body = { error: text };
    }
    if (!r.ok) {
      const err = new Error((body && body.error) || r.statusText);
      err.status = r.status;
      err.body = body;
      throw err;
    }
    return body;
  }

  function on(ev, fn) {
    if (!listeners.has(ev)) listeners.set(ev, new Set());
    listeners.get(ev).add(fn);
    return () => listeners.get(ev).delete(fn);
  }

  function emit(ev, data) {
    (listeners.get(ev) || []).forEach((fn) => {
      try {
        fn(data);
      } catch (e) {
        console.warn('australis listener', e);
      }
    });
  }

  /* The live stream over fetch (EventSource cannot send the bearer token). */
  async function stream() {
    const dec = new TextDecoder();
    for (;;) {
      try {
        const r = await fetch('/api/stream', { headers: auth() });
        if (r.ok && r.body) {
          emit('connected', true);
          const reader = r.body.getReader();
          let buf = '';
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            buf += dec.decode(value, { stream: true });
            let i;
            while ((i = buf.indexOf('\n\n')) >= 0) {
              const block = buf.slice(0, i);
              buf = buf.slice(i + 2);
              let ev = 'message';
              let data = '';
              block.split('\n').forEach((line) => {
                if (line.startsWith('event: ')) ev = line.slice(7);
                else if (line.startsWith('data: ')) data += line.slice(6);
              });
              if (data) {
                try {
                  emit(ev, JSON.parse(data));
                } catch (e) {
                  /* a malformed message is skipped */
                }
              }
            }
          }
        }
      } catch (e) {
        /* reconnect below */
      }
      emit('connected', false);
      await new Promise((res) => setTimeout(res, 1000));
    }
  }

  /* ---- limits (dictionary) ---- */
  function level(name, v) {
    const p = dictionary && dictionary.points && dictionary.points[name];
    if (!p || typeof v !== 'number') return 'nominal';
    const out = (r) => r && ((r.lo !== undefined && v < r.lo) || (r.hi !== undefined && v > r.hi));
    if (out(p.red)) return 'red';
    if (out(p.yellow)) return 'yellow';
    return 'nominal';
  }

  function limitClass(name, v) {
    const l = level(name, v);
    return l === 'red' ? 'aus-red' : l === 'yellow' ? 'aus-yellow' : '';
  }

  /* ---- objects ---- */
  const VIEWS = [
    { key: 'overview', name: 'Overview (latest values)', type: 'aus.overview' },
    { key: 'commands', name: 'Commands', type: 'aus.commands' },
    { key: 'link', name: 'Link and passes', type: 'aus.link' },
    { key: 'keys', name: 'Keys', type: 'aus.keys' },
    { key: 'images', name: 'Images', type: 'aus.images' }
  ];

  async function pointNames() {
    const names = new Set();
    if (dictionary && dictionary.points) Object.keys(dictionary.points).forEach((n) => names.add(n));
    try {
      (await api('/api/points')).forEach((p) => names.add(typeof p === 'string' ? p : p.name));
    } catch (e) {
      console.warn('australis: /api/points', e.message);
    }
    return Array.from(names).sort();
  }

  function pointObject(name) {
    const d = (dictionary && dictionary.points && dictionary.points[name]) || {};
    const textual = d.type === 'text' || d.type === 'enum' || d.type === 'bool';
    return {
      identifier: { namespace: NS, key: 'pt.' + name },
      name: name,
      type: 'aus.telemetry',
      location: NS + ':spacecraft',
      telemetry: {
        values: [
          {
            key: 'value',
            source: 'value',
            name: name,
            unit: d.unit || undefined,
            format: textual ? 'string' : undefined,
            hints: { range: 1 }
          },
          { key: 'utc', source: 't', name: 'Time', format: 'utc', hints: { domain: 1 } }
        ]
      }
    };
  }

  const objectProvider = {
    get(id) {
      if (id.key === 'spacecraft')
        return Promise.resolve({ identifier: id, name: 'Australis', type: 'folder', location: 'ROOT' });
      const v = VIEWS.find((x) => x.key === id.key);
      if (v)
        return Promise.resolve({ identifier: id, name: v.name, type: v.type, location: NS + ':spacecraft' });
      if (id.key.startsWith('pt.')) return Promise.resolve(pointObject(id.key.slice(3)));
      return Promise.reject(new Error('no such object ' + id.key));
    }
  };

  const compositionProvider = {
    appliesTo: (d) => d.identifier.namespace === NS && d.identifier.key === 'spacecraft',
    async load() {
      const names = await pointNames();
      return VIEWS.map((v) => ({ namespace: NS, key: v.key })).concat(
        names.map((n) => ({ namespace: NS, key: 'pt.' + n }))
      );
    }
  };

  const telemetryProvider = {
    supportsRequest: (d) => d.type === 'aus.telemetry',
    supportsSubscribe: (d) => d.type === 'aus.telemetry',
    supportsLimits: (d) => {
      const p = dictionary && dictionary.points && dictionary.points[d.name];
      return !!(p && (p.yellow || p.red));
    },
    async request(d, opts) {
      const o = opts || {};
      const end = Math.round(o.end || Date.now());
      const start = Math.max(0, Math.round(o.start || end - 3600000));
      const max = Math.min(Math.max(o.size || 1000, 1), 100000);
      const r = await api(
        `/api/points/${encodeURIComponent(d.name)}/history?start=${start}&end=${end}&max=${max}`
      ).catch((e) => (e.status === 404 ? { samples: [] } : Promise.reject(e)));
      return (r.samples || r).map((s) => ({ t: s.t, value: s.value, name: d.name }));
    },
    subscribe(d, cb) {
      return on('point', (p) => {
        if (p.name === d.name) cb({ t: p.t, value: p.value, name: p.name });
      });
    },
    getLimitEvaluator(d) {
      return {
        evaluate(datum) {
          const l = level(d.name, datum && datum.value);
          if (l === 'red') return { cssClass: 'is-limit--upr is-limit--red', name: 'Red' };
          if (l === 'yellow') return { cssClass: 'is-limit--upr is-limit--yellow', name: 'Yellow' };
          return undefined;
        }
      };
    }
  };

  /* ---- views ---- */
  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => {
      if (k === 'class') e.className = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v);
    });
    kids.flat().forEach((k) => e.append(k instanceof Node ? k : document.createTextNode(k == null ? '' : String(k))));
    return e;
  }

  function time(t) {
    return t ? new Date(t).toISOString().replace('T', ' ').replace('Z', '') : '—';
  }

  function table(cols, rows, rowAttrs) {
    return el(
      'table',
      {},
      el('thead', {}, el('tr', {}, cols.map((c) => el('th', {}, c[0])))),
      el(
        'tbody',
        {},
        rows.map((r) => el('tr', rowAttrs ? rowAttrs(r) : {}, cols.map((c) => el('td', { class: c[2] || '' }, c[1](r)))))
      )
    );
  }

  /* A view that redraws itself from the API on the stream events it names. */
  /* A view drawn from the API and drawn again on its stream events. Two redraws can overlap
   * (an event arrives while the previous one still fetches): only the newest one's result is
   * shown, or a slow earlier fetch would put stale rows back after the fresh ones. Events sent
   * while the stream was down are lost, so a reconnect redraws too. */
  function liveView(events, render) {
    return {
      show(element) {
        this.root = el('div', { class: 'aus-view' });
        element.append(this.root);
        let newest = 0;
        const redraw = async () => {
          const mine = ++newest;
          let content;
          try {
            content = await render();
          } catch (e) {
            content = el('p', { class: 'aus-error' }, 'API: ' + e.message);
          }
          if (mine === newest) this.root.replaceChildren(content);
        };
        this.offs = events.map((e) => on(e, () => redraw()));
        this.offs.push(on('connected', (up) => up && redraw()));
        redraw();
      },
      destroy() {
        (this.offs || []).forEach((f) => f());
      }
    };
  }

  function overview() {
    const v = {
      show(element) {
        this.root = el('div', { class: 'aus-view aus-overview' });
        element.append(this.root);
        this.draw();
        this.off = on('point', (p) => {
          const td = this.root.querySelector(`td.aus-value[data-name="${CSS.escape(p.name)}"]`);
          if (!td) return this.draw();
          td.textContent = String(p.value);
          td.className = 'aus-value num ' + limitClass(p.name, p.value);
          td.nextSibling.textContent = time(p.t);
        });
      },
      async draw() {
        const names = await pointNames();
        const have = new Set((await api('/api/points')).map((p) => (typeof p === 'string' ? p : p.name)));
        const rows = await Promise.all(
          names.map((n) =>
            have.has(n)
              ? api(`/api/points/${encodeURIComponent(n)}/latest`).catch(() => ({ name: n, value: '—', t: 0 }))
              : { name: n, value: '—', t: 0 }
          )
        );
        const unit = (n) => (dictionary && dictionary.points && dictionary.points[n] && dictionary.points[n].unit) || '';
        this.root.replaceChildren(
          el('h2', {}, 'Latest values'),
          el(
            'table',
            {},
            el('thead', {}, el('tr', {}, el('th', {}, 'Point'), el('th', {}, 'Value'), el('th', {}, 'Time'), el('th', {}, 'Unit'))),
            el(
              'tbody',
              {},
              rows.map((r) =>
                el(
                  'tr',
                  {},
                  el('td', {}, r.name),
                  el('td', { class: 'aus-value num ' + limitClass(r.name, r.value), 'data-name': r.name }, String(r.value)),
                  el('td', {}, time(r.t)),
                  el('td', {}, unit(r.name))
                )
              )
            )
          )
        );
      },
      destroy() {
        if (this.off) this.off();
      }
    };
    return v;
  }

  function commandForm(refresh) {
    const cmds = (dictionary && dictionary.commands) || [];
    const status = el('span', { class: 'aus-cmd-result' });
    const name = cmds.length
      ? el('select', { class: 'aus-cmd-name' }, cmds.map((c) => el('option', { value: c.name }, c.name)))
      : el('input', { class: 'aus-cmd-name', placeholder: 'command name', size: 16 });
    const argsBox = el('span', { class: 'aus-cmd-argbox' });
    const drawArgs = () => {
      const c = cmds.find((x) => x.name === name.value);
      argsBox.replaceChildren(
        ...(c
          ? c.args.map((a) => el('input', { class: 'aus-cmd-arg', placeholder: `${a.name} (${a.type}${a.spec ? ' ' + a.spec : ''})`, size: 12 }))
          : [el('input', { class: 'aus-cmd-args', placeholder: 'arguments, space-separated', size: 24 })])
      );
    };
    if (cmds.length) name.addEventListener('change', drawArgs);
    drawArgs();
    const form = el(
      'form',
      {
        class: 'aus-cmd-form',
        onsubmit: async (ev) => {
          ev.preventDefault();
          const many = argsBox.querySelector('.aus-cmd-args');
          const args = many
            ? many.value.split(/\s+/).filter((x) => x)
            : Array.from(argsBox.querySelectorAll('.aus-cmd-arg')).map((i) => i.value).filter((x) => x !== '');
          try {
            const r = await api('/api/commands', {
              method: 'POST',
              headers: { 'Content-Type': 'application/json' },
              body: JSON.stringify({ name: name.value, args })
            });
            status.className = 'aus-cmd-result aus-ok';
            status.textContent = `queued as id ${r.id}`;
          } catch (e) {
            status.className = 'aus-cmd-result aus-error';
            status.textContent = e.message;
          }
          refresh();
        }
      },
      'Command ',
      name,
      argsBox,
      el('button', { type: 'submit', class: 'aus-cmd-send' }, 'Send'),
      el('button', { type: 'button', onclick: () => api('/api/commands', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"type":"tm"}' }).then(refresh) }, 'Ask telemetry'),
      status
    );
    return form;
  }

  function commandsView() {
    let form = null;
    const hist = liveView(['command', 'answer'], async () => {
      const list = await api('/api/commands?limit=50');
      return el(
        'div',
        { class: 'aus-cmd-history' },
        el('h2', {}, 'History'),
        table(
          [
            ['Id', (c) => c.id, 'num'],
            ['Type', (c) => c.type],
            ['Name', (c) => c.name],
            ['Args', (c) => (c.args || []).join(' ')],
            ['Queued', (c) => time(c.queued)],
            ['Answered', (c) => time(c.answered)],
            ['Status', (c) => c.status, 'aus-status'],
            ['Exit', (c) => (c.exit_code == null ? '' : c.exit_code), 'num'],
            ['Output', (c) => el('pre', { class: 'aus-output' }, c.output || '')]
          ],
          list,
          (c) => ({ 'data-id': c.id })
        )
      );
    });
    return {
      show(element) {
        const top = el('div', { class: 'aus-view' });
        element.append(top);
        form = commandForm(() => emit('command', {}));
        top.append(el('h2', {}, 'Send'), form);
        const below = el('div');
        top.append(below);
        hist.show(below);
      },
      destroy() {
        hist.destroy();
      }
    };
  }

  function linkView() {
    return liveView(['pass', 'answer'], async () => {
      const [passes, refusals, status] = await Promise.all([
        api('/api/passes?limit=20'),
        api('/api/events?kind=security&limit=20'),
        api('/api/status').catch(() => ({}))
      ]);
      const c = status.ccsds || {};
      const last = passes[0];
      const pending = Array.isArray(status.pending) ? status.pending.length : '?';
      return el(
        'div',
        { class: 'aus-link' },
        el('h2', {}, 'Last pass'),
        el(
          'p',
          { class: 'aus-last-pass' },
          last
            ? `${time(last.t0)} to ${time(last.t1)}: ${last.files} file(s), ${last.frames} frame(s), ${last.corrections} RS/BCH correction(s), ${last.refusals} refusal(s)` +
                (last.cop1 ? `; COP-1: ${last.cop1}` : '')
            : 'none yet'
        ),
        el('h2', {}, 'Next pass'),
        el(
          'p',
          { class: 'aus-next-pass' },
          `waiting to go up: ${status.outgoing_waiting ?? '?'} file(s)` +
            (status.ccsds ? `, ${c.queued_items ?? 0} bundle(s) queued for framing, ${c.outstanding ?? 0} frame(s) unacknowledged` : '') +
            `; ${pending} request(s) awaiting an answer; ${status.incoming_waiting ?? '?'} incoming file(s) not yet taken`
        ),
        el('h2', {}, 'CCSDS link (COP-1, coding, SDLS)'),
        status.ccsds
          ? table(
              [
                ['FOP-1 state', () => c.fop_state],
                ['V(S)', () => c.vs, 'num'],
                ['Unacknowledged', () => c.outstanding, 'num'],
                ['RS corrected', () => c.rs_corrected, 'num'],
                ['Uncorrectable', () => c.cadu_fec, 'num'],
                ['SDLS MAC failures', () => c.sdls_auth, 'num'],
                ['SDLS replays', () => c.sdls_replay, 'num']
              ],
              [c]
            )
          : el('p', {}, 'folder link (no frames): ' + (status.incoming_waiting ?? '?') + ' incoming waiting, ' + (status.outgoing_waiting ?? '?') + ' outgoing waiting'),
        el('h2', {}, 'Passes'),
        table(
          [
            ['Start', (p) => time(p.t0)],
            ['End', (p) => time(p.t1)],
            ['Files', (p) => p.files, 'num'],
            ['Frames', (p) => p.frames, 'num'],
            ['Corrections', (p) => p.corrections, 'num'],
            ['Refusals', (p) => p.refusals, 'num'],
            ['COP-1', (p) => p.cop1]
          ],
          passes
        ),
        el('h2', {}, 'Security refusals'),
        table([['Time', (e) => time(e.t)], ['What', (e) => e.text]], refusals)
      );
    });
  }

  function keysView() {
    const hex = (v) => (typeof v === 'number' && v >= 0 ? '0x' + v.toString(16).padStart(4, '0') : '');
    const secs = (v) => (v ? time(v * 1000) : '');
    return liveView(['answer', 'rekey'], async () => {
      const keys = await api('/api/keys?limit=50');
      const rekey = (kind) => api('/api/commands', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ type: 'rekey', kind }) }).then(() => emit('answer', {}));
      return el(
        'div',
        { class: 'aus-keys' },
        el('h2', {}, 'Key states (the ground keystore)'),
        table(
          [
            ['Id', (k) => hex(k.id), 'num'],
            ['Type', (k) => k.type],
            ['State', (k) => k.state],
            ['Use', (k) => k.role],
            ['Activated', (k) => secs(k.activated)],
            ['Receivable until', (k) => (k.state === 'deactivated' ? secs(k.deadline) : '')]
          ],
          keys.states || []
        ),
        el('p', {}, el('button', { type: 'button', onclick: () => rekey('otar') }, 'OTAR rekey'), ' ', el('button', { type: 'button', onclick: () => rekey('pq') }, 'PQ rekey')),
        el('h2', {}, 'Rekey history'),
        table(
          [
            ['Requested', (h) => time(h.t0)],
            ['Answered', (h) => (h.t1 ? time(h.t1) : '')],
            ['Request', (h) => h.request, 'num'],
            ['Kind', (h) => h.kind],
            ['Old EK', (h) => hex(h.old_ek)],
            ['New EK', (h) => hex(h.new_ek)],
            ['Outcome', (h) => h.outcome],
            ['Note', (h) => h.text]
          ],
          keys.history || []
        )
      );
    });
  }

  function imagesView() {
    const urls = new Map();
    return liveView(['image'], async () => {
      const list = await api('/api/images?limit=50');
      const figs = await Promise.all(
        list
          .filter((i) => i.state === 'complete')
          .map(async (i) => {
            if (!urls.has(i.id)) {
              const r = await fetch(`/api/images/${i.id}/file`, { headers: auth() });
              if (!r.ok) return null;
              urls.set(i.id, URL.createObjectURL(await r.blob()));
            }
            return el('figure', { 'data-id': i.id }, el('img', { src: urls.get(i.id), alt: i.remote }), el('figcaption', {}, `${i.remote} (${i.size} bytes)`));
          })
      );
      return el(
        'div',
        { class: 'aus-images' },
        el('h2', {}, 'Downloads'),
        table(
          [
            ['Id', (i) => i.id, 'num'],
            ['File', (i) => i.remote],
            ['State', (i) => i.state],
            ['Progress', (i) => el('span', { class: 'aus-progress' }, el('span', { style: `width:${i.total ? Math.round((100 * i.have) / i.total) : i.state === 'complete' ? 100 : 0}%` })), ''],
            ['Chunks', (i) => `${i.have}/${i.total || '?'}`, 'num']
          ],
          list
        ),
        el('h2', {}, 'Gallery'),
        el('div', { class: 'aus-gallery' }, figs.filter((f) => f))
      );
    });
  }

  function viewProvider(key, name, type, make) {
    return { key, name, canView: (d) => d.type === type, view: () => make(), priority: () => 1000 };
  }

  async function loadDictionary() {
    try {
      const d = await api('/api/dictionary');
      dictionary = d && d.points ? d : null; // none on this ground: points come from the archive
    } catch (e) {
      dictionary = null;
    }
  }

  function install(openmct) {
    openmct.objects.addRoot(ROOT);
    openmct.objects.addProvider(NS, objectProvider);
    openmct.composition.addProvider(compositionProvider);
    openmct.types.addType('aus.telemetry', { name: 'Australis telemetry point', cssClass: 'icon-telemetry' });
    VIEWS.forEach((v) => openmct.types.addType(v.type, { name: v.name, cssClass: 'icon-object' }));
    openmct.telemetry.addProvider(telemetryProvider);
    openmct.objectViews.addProvider(viewProvider('aus.overview', 'Overview', 'aus.overview', overview));
    openmct.objectViews.addProvider(viewProvider('aus.commands', 'Commands', 'aus.commands', commandsView));
    openmct.objectViews.addProvider(viewProvider('aus.link', 'Link', 'aus.link', linkView));
    openmct.objectViews.addProvider(viewProvider('aus.keys', 'Keys', 'aus.keys', keysView));
    openmct.objectViews.addProvider(viewProvider('aus.images', 'Images', 'aus.images', imagesView));
  }

  async function start() {
    await loadDictionary();
    const openmct = window.openmct;
    openmct.setAssetPath('openmct/');
    openmct.install(openmct.plugins.Espresso());
    openmct.install(openmct.plugins.UTCTimeSystem());
    openmct.install(openmct.plugins.LADTable());
    openmct.install(openmct.plugins.LocalStorage());
    openmct.install(openmct.plugins.MyItems());
    install(openmct);
    openmct.install(
      openmct.plugins.Conductor({
        menuOptions: [
          { name: 'Realtime', timeSystem: 'utc', clock: 'local', clockOffsets: { start: -15 * 60 * 1000, end: 15 * 1000 } },
          { name: 'Fixed', timeSystem: 'utc', bounds: { start: Date.now() - 3600000, end: Date.now() } }
        ]
      })
    );
    stream();
    const login = document.getElementById('aus-login');
    if (login) login.remove();
    openmct.start(document.getElementById('aus-app'));
    window.australis = { api, on, emit };
  }

  async function boot() {
    const q = new URLSearchParams(location.search);
    if (q.get('token')) {
      sessionStorage.setItem('aus-token', q.get('token'));
      history.replaceState(null, '', location.pathname + location.hash);
    }
    token = sessionStorage.getItem('aus-token') || '';
    const form = document.getElementById('aus-login');
    const tryStart = async () => {
      try {
        await api('/api/info');
        form.hidden = true;
        await start();
      } catch (e) {
        form.hidden = false;
        document.getElementById('aus-login-error').textContent = token ? 'refused: ' + e.message : '';
      }
    };
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      token = document.getElementById('aus-token').value.trim();
      sessionStorage.setItem('aus-token', token);
      tryStart();
    });
    if (token) tryStart();
    else form.hidden = false;
  }

  window.AustralisDashboard = { boot };
})();
