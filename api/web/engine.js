/*
 * engine.js — the engineering views, for admins only: executions, each
 * with its workflow drawn as a graph (the path taken highlighted) and its
 * history. Loaded after app.js; uses its el(), svg(), api, when(), render().
 */
'use strict';

async function pageExecutions() {
  put(el('h1', {}, 'Executions'));
  const q = new URLSearchParams(location.hash.split('?')[1] || '');
  const status = el('select', {'aria-label': 'Status'},
    ['', 'RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED']
      .map((s) => el('option', {value: s, selected: q.get('status') === s}, s || 'any status')));
  status.addEventListener('change', () => {
    location.hash = '#/executions' + (status.value ? `?status=${status.value}` : '');
  });
  put(el('div', {class: 'row'}, status));
  const p = new URLSearchParams({limit: '100'});
  if (q.get('status')) p.set('status', q.get('status'));
  const data = await api.call('GET', '/v1/executions?' + p);
  put(el('div', {class: 'card scroll'}, el('table', {},
    el('thead', {}, el('tr', {}, ['Execution', 'Workflow', 'Status', 'Started']
      .map((h) => el('th', {scope: 'col'}, h)))),
    el('tbody', {}, (data.executions || []).map((x) => el('tr', {},
      el('td', {}, el('a', {href: `#/executions/${encodeURIComponent(x.id)}`}, x.name || x.id)),
      el('td', {}, `${x.workflow} v${x.version}`), el('td', {}, statusBadge(x.status)),
      el('td', {}, when(x.started))))))));
  return live.on((type) => { if (type === 'execution') render(); });
}

/* Successors of a state, as [label, target] pairs. */
function transitions(state) {
  const out = [];
  if (state.Next) out.push(['', state.Next]);
  for (const c of state.Choices || []) if (c.Next) out.push(['choice', c.Next]);
  if (state.Default) out.push(['default', state.Default]);
  for (const c of state.Catch || []) if (c.Next) out.push(['catch', c.Next]);
  return out;
}

function layoutGraph(def) {
  const states = def.States || {};
  const layer = new Map();
  const queue = [def.StartAt];
  layer.set(def.StartAt, 0);
  while (queue.length) {
    const s = queue.shift();
    for (const [, t] of transitions(states[s] || {})) {
      if (!layer.has(t) && states[t]) { layer.set(t, layer.get(s) + 1); queue.push(t); }
    }
  }
  let maxLayer = Math.max(0, ...layer.values());
  for (const s of Object.keys(states)) if (!layer.has(s)) layer.set(s, ++maxLayer);
  const rows = [];
  for (const [s, l] of layer) (rows[l] = rows[l] || []).push(s);
  return rows;
}

function workflowGraph(def, taken, current, failed) {
  const rows = layoutGraph(def);
  const W = 170, H = 38, GX = 30, GY = 46;
  const width = Math.max(...rows.map((r) => (r || []).length)) * (W + GX) + GX;
  const pos = new Map();
  rows.forEach((r, y) => (r || []).forEach((s, x) => {
    const off = (width - r.length * (W + GX) + GX) / 2;
    pos.set(s, {x: off + x * (W + GX), y: GY / 2 + y * (H + GY)});
  }));
  const height = rows.length * (H + GY);
  const takenEdges = new Set();
  for (let i = 1; i < taken.length; i++) takenEdges.add(`${taken[i - 1]}→${taken[i]}`);
  const g = svg('svg', {class: 'graph', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img',
    'aria-label': 'Workflow graph; states taken are highlighted'},
  svg('defs', {}, svg('marker', {id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5,
    markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse'},
  svg('path', {d: 'M0,0 L10,5 L0,10 z', fill: '#7d879b'}))));
  for (const [s, st] of Object.entries(def.States || {})) {
    for (const [label, t] of transitions(st)) {
      const a = pos.get(s), b = pos.get(t);
      if (!a || !b) continue;
      const cls = takenEdges.has(`${s}→${t}`) ? 'taken-edge' : label === 'catch' ? 'catch-edge' : '';
      g.append(svg('path', {class: cls, 'marker-end': 'url(#arrow)',
        d: `M${a.x + W / 2},${a.y + H} C${a.x + W / 2},${a.y + H + GY / 2} ` +
           `${b.x + W / 2},${b.y - GY / 2} ${b.x + W / 2},${b.y}`}));
    }
  }
  const takenSet = new Set(taken);
  for (const [s, p] of pos) {
    const type = (def.States[s] || {}).Type || '';
    let cls = takenSet.has(s) ? 'taken' : '';
    if (s === current) cls = failed ? 'failedstate' : 'current';
    g.append(svg('g', {class: cls, transform: `translate(${p.x},${p.y})`},
      svg('title', {}, `${s} (${type})`),
      svg('rect', {width: W, height: H, rx: 6}),
      svg('text', {x: 8, y: 16}, s.length > 22 ? s.slice(0, 21) + '…' : s),
      svg('text', {x: 8, y: 31, class: 'muted', 'font-size': 10}, type)));
  }
  return g;
}

async function pageExecution(id) {
  const path = `/v1/executions/${encodeURIComponent(id)}`;
  const x = await api.call('GET', path);
  const events = [];
  let after = 0;
  for (let page = 0; page < 20; page++) {
    const h = await api.call('GET', `${path}/history?limit=500&after=${after}`);
    events.push(...(h.events || []));
    if (!h.next || !(h.events || []).length) break;
    after = h.events[h.events.length - 1].id;
  }
  const taken = [];
  for (const ev of events) {
    if (ev.state && /Entered$/.test(ev.type || '') && taken[taken.length - 1] !== ev.state)
      taken.push(ev.state);
  }
  let wf = null;
  try { wf = await api.call('GET', `/v1/workflows/${encodeURIComponent(x.workflow)}?version=${x.version}`); }
  catch (e) { wf = null; }
  const failed = ['FAILED', 'TIMED_OUT', 'ABORTED'].includes(x.status);
  const current = x.status === 'RUNNING' || failed ? taken[taken.length - 1] : null;
  const act = (what) => api.call('POST', `${path}/${what}`, {}).then(() => render(),
    (e) => toast(e.message));
  put(el('h1', {}, x.name || x.id),
    el('div', {class: 'card'},
      el('p', {}, statusBadge(x.status), ` ${x.workflow} v${x.version} · started ${when(x.started)}`,
        x.stopped ? ` · stopped ${when(x.stopped)}` : ''),
      x.error ? el('p', {}, el('strong', {}, x.error), ' ', x.cause || '') : null,
      el('div', {class: 'row'},
        x.status === 'RUNNING' ? el('button', {class: 'danger', onclick: () => act('stop')}, 'Stop') : null,
        failed ? el('button', {onclick: () => act('redrive')}, 'Redrive') : null)),
    wf && wf.definition ? el('div', {class: 'card'}, el('h2', {}, 'Workflow'),
      workflowGraph(wf.definition, taken, current, failed)) : null,
    el('div', {class: 'card scroll'}, el('h2', {}, 'History'), el('table', {},
      el('thead', {}, el('tr', {}, ['#', 'Time', 'Event', 'State', 'Details']
        .map((h) => el('th', {scope: 'col'}, h)))),
      el('tbody', {}, events.map((ev) => el('tr', {},
        el('td', {}, ev.id), el('td', {}, when(ev.timestamp)), el('td', {}, ev.type),
        el('td', {}, ev.state || ''),
        el('td', {}, ev.details ? el('details', {}, el('summary', {}, 'show'),
          el('pre', {}, JSON.stringify(ev.details, null, 2))) : '')))))),
    el('details', {class: 'card'}, el('summary', {}, 'Input and output'),
      el('pre', {}, JSON.stringify({input: x.input, output: x.output}, null, 2))));
  return live.on((type, ev) => { if (type === 'execution' && ev.id === x.id) render(); });
}

