/*
 * Yogi web app — plain JavaScript, no framework, nothing loaded from elsewhere.
 *
 * Pages are chosen by the URL fragment (#/upload, #/documents/ID, #/review,
 * #/review/TOKEN, #/executions, #/executions/ID, #/token). The API token lives
 * in localStorage and goes out as "Authorization: Bearer"; that is why live
 * events are read with fetch() and a stream reader rather than EventSource,
 * which cannot send headers. The DOM is built with el(), never from HTML
 * strings, so no document name or OCR text can inject markup.
 */
'use strict';

const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const TIME_RE = /^([01][0-9]|2[0-3]):[0-5][0-9]$/;
const main = document.getElementById('main');

/* ---- helpers ------------------------------------------------------- */

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (k === 'class') node.className = v;
    else if (k === 'style') Object.assign(node.style, v); /* CSSOM: allowed by the CSP */
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : String(c));
  }
  return node;
}

function svg(tag, attrs, ...children) {
  const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  for (const c of children.flat()) if (c !== null && c !== undefined)
    node.append(c instanceof Node ? c : String(c));
  return node;
}

function toast(message) {
  const t = document.getElementById('toast');
  t.textContent = message;
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.hidden = true; }, 5000);
}

function statusBadge(status) {
  return el('span', {class: 'status ' + (status || '')}, status || 'unknown');
}

function when(ts) {
  if (ts === null || ts === undefined) return '';
  const d = typeof ts === 'number' ? new Date(ts > 1e12 ? ts : ts * 1000) : new Date(ts);
  return isNaN(d) ? String(ts) : d.toLocaleString();
}

function subjectColour(subject) {
  let h = 0;
  for (const ch of String(subject).toLowerCase()) h = (h * 31 + ch.codePointAt(0)) >>> 0;
  return `hsl(${h % 360}, 70%, 84%)`;
}

/* ---- the API ------------------------------------------------------- */

const api = {
  token() { return localStorage.getItem('yogi.token') || ''; },
  headers(extra) {
    const h = Object.assign({}, extra);
    if (api.token()) h.Authorization = 'Bearer ' + api.token();
    return h;
  },
  async call(method, path, body) {
    const opts = {method, headers: api.headers()};
    if (body !== undefined) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    const res = await fetch(path, opts);
    const text = await res.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (e) { data = {raw: text}; }
    if (!res.ok) {
      const err = new Error((data && data.error && data.error.message) || res.statusText);
      err.status = res.status;
      err.code = data && data.error && data.error.code;
      throw err;
    }
    return data;
  },
  async blob(path) {
    const res = await fetch(path, {headers: api.headers()});
    if (!res.ok) throw new Error(`${path}: ${res.status}`);
    return res.blob();
  },
  upload(file, onProgress) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', '/v1/documents');
      for (const [k, v] of Object.entries(api.headers())) xhr.setRequestHeader(k, v);
      xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(e.loaded / e.total); };
      xhr.onload = () => {
        let data = null;
        try { data = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
        if (xhr.status === 202) resolve(data);
        else reject(new Error((data && data.error && data.error.message) || `HTTP ${xhr.status}`));
      };
      xhr.onerror = () => reject(new Error('network error'));
      const form = new FormData();
      form.append('file', file, file.name);
      xhr.send(form);
    });
  },
};

async function download(path, filename) {
  try {
    const blob = await api.blob(path);
    const url = URL.createObjectURL(blob);
    const a = el('a', {href: url, download: filename});
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (e) { toast(e.message); }
}

/* ---- live events (Server-Sent Events over fetch) -------------------- */

const live = {
  listeners: new Set(),
  controller: null,
  backoff: 1000,
  on(fn) { live.listeners.add(fn); return () => live.listeners.delete(fn); },
  setStatus(text) { document.getElementById('live').textContent = text; },
  dispatch(type, data) {
    let parsed;
    try { parsed = JSON.parse(data); } catch (e) { return; }
    for (const fn of live.listeners) fn(type, parsed);
  },
  async connect() {
    if (live.controller) live.controller.abort();
    const controller = new AbortController();
    live.controller = controller;
    try {
      const res = await fetch('/v1/events', {headers: api.headers(), signal: controller.signal});
      if (!res.ok) throw new Error(`events: HTTP ${res.status}`);
      live.setStatus('● live');
      live.backoff = 1000;
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let buf = '';
      for (;;) {
        const {value, done} = await reader.read();
        if (done) break;
        buf += decoder.decode(value, {stream: true});
        let cut;
        while ((cut = buf.indexOf('\n\n')) >= 0) {
          const record = buf.slice(0, cut);
          buf = buf.slice(cut + 2);
          let type = 'message', data = '';
          for (const line of record.split('\n')) {
            if (line.startsWith('event: ')) type = line.slice(7);
            else if (line.startsWith('data: ')) data += line.slice(6);
          }
          if (data) live.dispatch(type, data);
        }
      }
    } catch (e) {
      if (controller.signal.aborted) return;
    }
    if (live.controller !== controller) return;
    live.setStatus('○ reconnecting…');
    setTimeout(() => live.connect(), live.backoff);
    live.backoff = Math.min(live.backoff * 2, 15000);
  },
};

/* ---- timetable grid ------------------------------------------------- */

function timetableGrid(tt) {
  const entries = (tt && tt.entries) || [];
  const days = DAYS.filter((d, i) => i < 5 || entries.some((e) => e.day === d));
  const slots = [...new Set(entries.map((e) => `${e.start}–${e.end}`))].sort();
  const table = el('table', {class: 'grid', 'aria-label': 'Weekly timetable'},
    el('thead', {}, el('tr', {}, el('th', {scope: 'col'}, 'Time'),
      days.map((d) => el('th', {scope: 'col'}, d)))));
  const body = el('tbody');
  for (const slot of slots) {
    const row = el('tr', {}, el('th', {scope: 'row'}, slot));
    for (const d of days) {
      const hits = entries.filter((e) => e.day === d && `${e.start}–${e.end}` === slot);
      row.append(el('td', {}, hits.map((e) => el('div',
        {class: 'slot', style: {background: subjectColour(e.subject)}},
        e.subject, e.room ? el('small', {}, e.room) : null))));
    }
    body.append(row);
  }
  table.append(body);
  return el('div', {class: 'scroll'}, table);
}

/* ---- pages ---------------------------------------------------------- */

function pageToken() {
  const input = el('input', {id: 'token', type: 'password', autocomplete: 'off',
    value: api.token(), size: 60});
  main.append(el('h1', {}, 'API token'),
    el('div', {class: 'card'},
      el('p', {}, 'Paste the token your administrator gave you (yogi token create). ' +
        'It stays in this browser only.'),
      el('label', {for: 'token'}, 'Token'), input,
      el('div', {class: 'row'},
        el('button', {onclick: () => {
          localStorage.setItem('yogi.token', input.value.trim());
          toast('Token saved');
          applyRole();
          live.connect();
          location.hash = '#/upload';
        }}, 'Save'),
        el('button', {class: 'secondary', onclick: () => {
          localStorage.removeItem('yogi.token');
          input.value = '';
          toast('Token removed');
        }}, 'Forget'))));
  tokenAdmin().then((box) => { if (box && main.contains(input)) main.append(box); });
}

/* Admins manage tokens here; the secret of a new token is shown once. */
async function tokenAdmin() {
  let me;
  try { me = await api.call('GET', '/v1/whoami'); } catch (e) { return null; }
  if (me.role !== 'admin' || !me.auth) return null;
  const box = el('div', {class: 'card'});
  const role = el('select', {id: 'new-role'},
    ['uploader', 'reviewer', 'admin'].map((r) => el('option', {value: r}, r)));
  const label = el('input', {id: 'new-label', placeholder: 'e.g. Room 4 laptop', maxlength: 200});
  const shown = el('p', {'aria-live': 'polite'});
  const list = el('div', {class: 'scroll'});
  const load = async () => {
    const data = await api.call('GET', '/v1/tokens');
    list.replaceChildren(el('table', {},
      el('thead', {}, el('tr', {}, ['Id', 'Role', 'Label', 'Created', '']
        .map((h) => el('th', {scope: 'col'}, h)))),
      el('tbody', {}, data.tokens.map((t) => el('tr', {},
        el('td', {}, t.id), el('td', {}, t.role), el('td', {}, t.label || ''),
        el('td', {}, when(t.created)),
        el('td', {}, t.revoked ? 'revoked' : t.id === me.token_id ? 'this token'
          : el('button', {class: 'secondary', 'aria-label': `Revoke ${t.id}`, onclick: () =>
            api.call('DELETE', `/v1/tokens/${encodeURIComponent(t.id)}`).then(load,
              (e) => toast(e.message))}, 'Revoke')))))));
  };
  const create = async () => {
    try {
      const t = await api.call('POST', '/v1/tokens', {role: role.value, label: label.value || undefined});
      shown.replaceChildren('New ', t.role, ' token (shown only now): ', el('code', {}, t.token));
      label.value = '';
      await load();
    } catch (e) { toast(e.message); }
  };
  box.append(el('h2', {}, 'Tokens'),
    el('div', {class: 'row'}, el('label', {for: 'new-role'}, 'Role'), role,
      el('label', {for: 'new-label'}, 'Label'), label, el('button', {onclick: create}, 'Create token')),
    shown, list);
  await load();
  return box;
}

function pageUpload() {
  const input = el('input', {id: 'files', type: 'file', multiple: true,
    accept: 'image/png,image/jpeg,image/tiff,image/webp,image/bmp,application/pdf',
    class: 'visually-hidden'});
  const list = el('ul', {class: 'files', 'aria-live': 'polite'});
  const rows = new Map();
  const drop = el('div', {class: 'drop'},
    el('p', {}, 'Drop timetable photos, scans or PDFs here, or'),
    input, el('label', {for: 'files', class: 'button'}, 'Choose files'));
  const start = (files) => { for (const f of files) uploadOne(f, list, rows); };
  input.addEventListener('change', () => { start(input.files); input.value = ''; });
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    start(e.dataTransfer.files);
  });
  main.append(el('h1', {}, 'Upload timetables'), drop, el('h2', {}, 'This session'), list);
  return live.on((type, ev) => {
    if (type !== 'document') return;
    const row = rows.get(ev.id);
    if (row) row.update(ev);
  });
}

function uploadOne(file, list, rows) {
  const progress = el('progress', {max: 1, value: 0, 'aria-label': `Uploading ${file.name}`});
  let status = statusBadge('uploading');
  const link = el('span');
  const li = el('li', {}, el('span', {}, file.name, ' ', link), status, progress);
  list.prepend(li);
  api.upload(file, (p) => { progress.value = p; }).then((doc) => {
    progress.value = 1;
    progress.hidden = true;
    const row = {
      update(ev) {
        status.replaceWith(status = statusBadge(ev.status));
        link.replaceChildren(el('a', {href: `#/documents/${encodeURIComponent(doc.id)}`},
          ev.status === 'completed' ? 'view timetable' : 'details'));
      },
    };
    rows.set(doc.id, row);
    row.update(doc);
    api.call('GET', `/v1/documents/${encodeURIComponent(doc.id)}`).then(row.update, () => {});
  }, (e) => {
    progress.hidden = true;
    status.replaceWith(status = statusBadge('failed'));
    link.textContent = e.message;
  });
}

async function pageDocuments() {
  main.append(el('h1', {}, 'Documents'));
  const data = await api.call('GET', '/v1/documents?limit=100');
  const docs = data.documents || [];
  if (!docs.length) { main.append(el('p', {class: 'muted'}, 'No documents yet.')); return; }
  main.append(el('div', {class: 'card scroll'}, el('table', {},
    el('thead', {}, el('tr', {}, ['File', 'Status', 'Type', 'Confidence', 'Uploaded']
      .map((h) => el('th', {scope: 'col'}, h)))),
    el('tbody', {}, docs.map((d) => el('tr', {},
      el('td', {}, el('a', {href: `#/documents/${encodeURIComponent(d.id)}`}, d.filename || d.id)),
      el('td', {}, statusBadge(d.status)), el('td', {}, d.type || ''),
      el('td', {}, d.confidence != null ? Number(d.confidence).toFixed(2) : ''),
      el('td', {}, when(d.created))))))));
}

async function pageDocument(id) {
  const path = `/v1/documents/${encodeURIComponent(id)}`;
  const doc = await api.call('GET', path);
  const box = el('div');
  main.append(el('h1', {}, doc.filename || doc.id),
    el('div', {class: 'card'},
      el('p', {}, 'Status: ', statusBadge(doc.status), ' ',
        doc.type ? `type ${doc.type}` : '', ' ',
        doc.confidence != null ? `confidence ${Number(doc.confidence).toFixed(2)}` : '', ' ',
        doc.route ? `route ${doc.route}` : ''),
      doc.error ? el('p', {class: 'status failed'}, `${doc.error}: ${doc.cause || ''}`) : null,
      el('div', {class: 'row'},
        el('button', {class: 'secondary', onclick: () => download(`${path}/timetable?format=ics`,
          `timetable-${id}.ics`)}, 'Download .ics (calendar)'),
        el('button', {class: 'secondary', onclick: () => download(`${path}/timetable?format=csv`,
          `timetable-${id}.csv`)}, 'Download CSV'),
        el('button', {class: 'secondary', onclick: () => download(`${path}/file`, doc.filename ||
          id)}, 'Original'))),
    box);
  const show = async () => {
    try {
      const tt = await api.call('GET', `${path}/timetable`);
      box.replaceChildren(el('h2', {}, tt.title || 'Timetable'), timetableGrid(tt));
    } catch (e) {
      box.replaceChildren(el('p', {class: 'muted'}, e.status === 404 ?
        'No timetable yet — this page updates by itself.' : e.message));
    }
  };
  await show();
  return live.on((type, ev) => {
    if (type === 'document' && ev.id === id) { render(); }
  });
}

function taskDocumentId(task) {
  const i = task.input || {};
  return i.document_id || (i.document && i.document.id) || i.id || null;
}

function findDraft(input) {
  if (!input || typeof input !== 'object') return null;
  if (Array.isArray(input.entries)) return input;
  for (const k of ['timetable', 'draft', 'extracted', 'result']) {
    const d = findDraft(input[k]);
    if (d) return d;
  }
  return null;
}

function reviewTable(tasks) {
  if (!tasks.length) return el('p', {class: 'muted'}, 'Nothing is waiting for review.');
  return el('div', {class: 'card scroll'}, el('table', {},
    el('thead', {}, el('tr', {}, ['Document', 'Step', 'Waiting since']
      .map((h) => el('th', {scope: 'col'}, h)))),
    el('tbody', {}, tasks.map((t) => el('tr', {},
      el('td', {}, el('a', {class: 'button', href: `#/review/${encodeURIComponent(t.token)}`,
        'aria-label': `Review ${taskDocumentId(t) || t.execution_id}`}, 'Review'), ' ',
        taskDocumentId(t) || t.execution_id),
      el('td', {}, t.state), el('td', {}, when(t.since)))))));
}

async function pageReview() {
  main.append(el('h1', {}, 'Review queue'));
  let tasks = (await api.call('GET', '/v1/tasks')).tasks || [];
  let box = reviewTable(tasks);
  main.append(box);
  // Refresh in place, and only when the queue changed, so that a keyboard
  // user's focus is not thrown away by unrelated events.
  let timer = null;
  return live.on(() => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const fresh = (await api.call('GET', '/v1/tasks').catch(() => ({tasks}))).tasks || [];
      const key = (list) => list.map((t) => t.token).join(' ');
      if (key(fresh) === key(tasks) || !box.isConnected) return;
      tasks = fresh;
      const next = reviewTable(tasks);
      box.replaceWith(next);
      box = next;
    }, 300);
  });
}

function entryRow(e, tbody) {
  const cell = (name, value, label) => el('td', {}, el('input', {name, value: value || '',
    'aria-label': label, size: name === 'subject' ? 14 : 6}));
  const day = el('select', {name: 'day', 'aria-label': 'Day'},
    DAYS.map((d) => el('option', {value: d, selected: d === e.day}, d)));
  const tr = el('tr', {}, el('td', {}, day), cell('start', e.start, 'Start (HH:MM)'),
    cell('end', e.end, 'End (HH:MM)'), cell('subject', e.subject, 'Subject'),
    cell('room', e.room, 'Room'),
    el('td', {}, el('button', {class: 'secondary', 'aria-label': 'Remove entry',
      onclick: () => tr.remove()}, '✕')));
  tbody.append(tr);
}

function collectEntries(tbody) {
  const out = [];
  for (const tr of tbody.rows) {
    const v = (n) => tr.querySelector(`[name=${n}]`).value.trim();
    const entry = {day: v('day'), start: v('start'), end: v('end'), subject: v('subject')};
    if (v('room')) entry.room = v('room');
    if (!TIME_RE.test(entry.start) || !TIME_RE.test(entry.end))
      throw new Error(`times are HH:MM (row "${entry.subject || '?'}")`);
    if (!entry.subject) throw new Error('every entry needs a subject');
    out.push(entry);
  }
  return out;
}

async function pageReviewTask(token) {
  const data = await api.call('GET', '/v1/tasks?limit=500');
  const task = (data.tasks || []).find((t) => t.token === token);
  if (!task) { main.append(el('p', {}, 'This review is no longer waiting.')); return; }
  const docId = taskDocumentId(task);
  let draft = findDraft(task.input);
  if (!draft && docId) {
    try { draft = await api.call('GET', `/v1/documents/${encodeURIComponent(docId)}/timetable`); }
    catch (e) { draft = null; }
  }
  draft = draft || {entries: []};
  const docBox = el('div', {class: 'doc'});
  if (docId) {
    api.blob(`/v1/documents/${encodeURIComponent(docId)}/file`).then((b) => {
      const url = URL.createObjectURL(b);
      docBox.append(b.type === 'application/pdf'
        ? el('object', {data: url, type: 'application/pdf', 'aria-label': 'The document'})
        : el('img', {src: url, alt: 'The uploaded timetable'}));
    }, (e) => docBox.append(el('p', {}, e.message)));
  }
  const tbody = el('tbody');
  for (const e of draft.entries) entryRow(e, tbody);
  const post = async (kind, body) => {
    try {
      await api.call('POST', `/v1/tasks/${encodeURIComponent(token)}/${kind}`, body);
      toast(kind === 'success' ? 'Approved — the corrected timetable is saved' : 'Rejected');
      location.hash = docId ? `#/documents/${encodeURIComponent(docId)}` : '#/review';
    } catch (e) { toast(e.message); }
  };
  const approve = () => {
    let entries;
    try { entries = collectEntries(tbody); } catch (e) { toast(e.message); return; }
    const output = Object.assign({}, draft, {entries, confidence: 1});
    post('success', {output});
  };
  const reason = el('input', {id: 'reason', placeholder: 'why (optional)'});
  main.append(el('h1', {}, `Review ${docId || ''}`),
    el('div', {class: 'review'}, docBox,
      el('div', {class: 'card'},
        el('div', {class: 'scroll'}, el('table', {class: 'entries'},
          el('thead', {}, el('tr', {}, ['Day', 'Start', 'End', 'Subject', 'Room', '']
            .map((h) => el('th', {scope: 'col'}, h)))), tbody)),
        el('div', {class: 'row'},
          el('button', {class: 'secondary', onclick: () => {
            entryRow({day: 'Monday', start: '09:00', end: '10:00', subject: ''}, tbody);
            tbody.lastElementChild.querySelector('[name=subject]').focus();
          }}, 'Add entry')),
        el('hr'),
        el('div', {class: 'row'},
          el('button', {id: 'approve', onclick: approve}, 'Approve'),
          el('label', {for: 'reason', class: 'visually-hidden'}, 'Reason'), reason,
          el('button', {class: 'danger', onclick: () => post('failure',
            {error: 'Review.Rejected', cause: reason.value || 'rejected by a reviewer'})},
          'Reject')))));
}

async function pageExecutions() {
  main.append(el('h1', {}, 'Executions'));
  const q = new URLSearchParams(location.hash.split('?')[1] || '');
  const status = el('select', {'aria-label': 'Status'},
    ['', 'RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED']
      .map((s) => el('option', {value: s, selected: q.get('status') === s}, s || 'any status')));
  status.addEventListener('change', () => {
    location.hash = '#/executions' + (status.value ? `?status=${status.value}` : '');
  });
  main.append(el('div', {class: 'row'}, status));
  const p = new URLSearchParams({limit: '100'});
  if (q.get('status')) p.set('status', q.get('status'));
  const data = await api.call('GET', '/v1/executions?' + p);
  main.append(el('div', {class: 'card scroll'}, el('table', {},
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
  main.append(el('h1', {}, x.name || x.id),
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

/* ---- routing -------------------------------------------------------- */

let cleanup = null;
let renderSeq = 0;

async function render() {
  const seq = ++renderSeq;
  if (cleanup) { cleanup(); cleanup = null; }
  const parts = location.hash.replace(/^#\/?/, '').split('?')[0].split('/').map(decodeURIComponent);
  const page = parts[0] || (api.token() ? 'upload' : 'token');
  for (const a of document.querySelectorAll('[data-nav]'))
    a.toggleAttribute('aria-current', a.dataset.nav === page) && a.setAttribute('aria-current', 'page');
  const focused = document.activeElement;
  main.replaceChildren();
  const pages = {
    token: pageToken, upload: pageUpload,
    documents: () => (parts[1] ? pageDocument(parts[1]) : pageDocuments()),
    review: () => (parts[1] ? pageReviewTask(parts[1]) : pageReview()),
    executions: () => (parts[1] ? pageExecution(parts[1]) : pageExecutions()),
  };
  try {
    const off = await (pages[page] || pageUpload)();
    if (seq !== renderSeq) { if (off) off(); return; }
    cleanup = off || null;
  } catch (e) {
    if (seq !== renderSeq) return;
    main.append(el('p', {class: 'status failed'}, e.status === 401
      ? 'Your token is missing or no longer valid: set it on the Token page.'
      : e.status === 403 ? 'Your token\'s role may not see this page.' : e.message));
  }
  if (!main.contains(focused)) main.focus({preventScroll: true});
}

/* Show only the pages the token's role may use (the server enforces it). */
const PAGES_BY_ROLE = {
  uploader: ['upload', 'documents', 'token'],
  reviewer: ['documents', 'review', 'token'],
  admin: ['upload', 'documents', 'review', 'executions', 'token'],
};
async function applyRole() {
  let role = null;
  try { role = (await api.call('GET', '/v1/whoami')).role; } catch (e) { role = null; }
  const allowed = PAGES_BY_ROLE[role] || ['token'];
  for (const a of document.querySelectorAll('[data-nav]')) a.hidden = !allowed.includes(a.dataset.nav);
}

window.addEventListener('hashchange', render);
render();
applyRole();
live.connect();
