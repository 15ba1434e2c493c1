/*
 * Yogi web app — plain JavaScript, no framework, nothing loaded from elsewhere.
 *
 * People sign in with a name and password; the session is an HttpOnly
 * cookie the page never sees, and every request that changes something
 * carries the session's CSRF secret (from /v1/whoami) as X-CSRF-Token.
 * Pages are chosen by the URL fragment: #/week, #/upload, #/documents,
 * #/documents/ID, #/documents/ID/edit, #/review, #/review/TOKEN, #/people,
 * #/account, #/executions (admins), #/signin, #/setup/CODE. The DOM is built
 * with el(), never from HTML strings, so no file name or OCR text can
 * inject markup. calendar.js draws weeks, editor.js edits entries,
 * engine.js has the admins' engineering views; sw.js keeps the app and the
 * saved timetables for offline use.
 */
'use strict';

const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const main = document.getElementById('main');

/* ---- helpers ------------------------------------------------------- */

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (k === 'class') node.className = v;
    else if (k === 'style') {
      for (const [p, val] of Object.entries(v)) {
        if (p.startsWith('--')) node.style.setProperty(p, val); else node.style[p] = val;
      }
    } else node.setAttribute(k, v === true ? '' : v);
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

/* Append to the page, skipping the null of an absent optional part. */
function put(...nodes) {
  main.append(...nodes.flat().filter((x) => x !== null && x !== undefined && x !== false));
}

/* A short confirmation; errors go next to what caused them instead. */
function toast(message) {
  const t = document.getElementById('toast');
  t.textContent = message;
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.hidden = true; }, 4000);
}

/* What a teacher reads instead of the engine's words. */
const PLAIN = {
  received: ['Checking…', 'busy'], processing: ['Checking…', 'busy'],
  needs_review: ['Needs a quick check', 'check'], completed: ['Ready', 'ready'],
  failed: ["Couldn't read this", 'bad'], rejected: ["Couldn't read this", 'bad'],
};

function statusBadge(status) {
  const [text, cls] = PLAIN[status] || [status || 'unknown', ''];
  return el('span', {class: `status ${cls} ${status || ''}`}, text);
}

function when(ts) {
  if (ts === null || ts === undefined) return '';
  const d = typeof ts === 'number' ? new Date(ts > 1e12 ? ts : ts * 1000) : new Date(ts);
  return isNaN(d) ? String(ts) : d.toLocaleString([], {dateStyle: 'medium', timeStyle: 'short'});
}

function uploader(doc) {
  const o = doc.owner || '';
  return o.startsWith('user:') ? o.slice(5) : o ? 'a script' : '';
}

function emptyState(title, text, action) {
  return el('div', {class: 'empty card'}, el('h2', {}, title), el('p', {}, text), action || null);
}

/* ---- the API ------------------------------------------------------- */

const me = {role: null, user: null, csrf: '', auth: true};

const api = {
  headers(method) {
    const h = {};
    if (method !== 'GET' && me.csrf) h['X-CSRF-Token'] = me.csrf;
    return h;
  },
  async call(method, path, body) {
    const opts = {method, headers: api.headers(method), credentials: 'same-origin'};
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
      err.fields = data && data.error && data.error.fields;
      throw err;
    }
    return data;
  },
  upload(file, onProgress) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', '/v1/documents');
      for (const [k, v] of Object.entries(api.headers('POST'))) xhr.setRequestHeader(k, v);
      xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(e.loaded / e.total); };
      xhr.onload = () => {
        let data = null;
        try { data = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
        if (xhr.status === 202) resolve(data);
        else reject(new Error((data && data.error && data.error.message) || `HTTP ${xhr.status}`));
      };
      xhr.onerror = () => reject(new Error('no connection'));
      const form = new FormData();
      form.append('file', file, file.name || 'photo.jpg');
      xhr.send(form);
    });
  },
};

/* ---- live events and notices ----------------------------------------- */

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
  stop() { if (live.controller) live.controller.abort(); live.controller = null; live.setStatus(''); },
  async connect() {
    if (live.controller) live.controller.abort();
    const controller = new AbortController();
    live.controller = controller;
    try {
      const res = await fetch('/v1/events', {signal: controller.signal, credentials: 'same-origin'});
      if (!res.ok) throw new Error(`events: HTTP ${res.status}`);
      live.setStatus('');
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
    live.setStatus(navigator.onLine ? 'Reconnecting…' : 'Offline — showing saved timetables');
    setTimeout(() => live.connect(), live.backoff);
    live.backoff = Math.min(live.backoff * 2, 15000);
  },
};

/* In-app notices: a review finished, a document could not be read. */
const notices = {
  seen: new Map(),
  show(text, href, kind) {
    const box = document.getElementById('notices');
    const item = el('div', {class: `notice ${kind || ''}`},
      href ? el('a', {href}, text) : el('span', {}, text),
      el('button', {type: 'button', class: 'link', 'aria-label': 'Dismiss',
        onclick: () => item.remove()}, '×'));
    box.append(item);
  },
  onDocument(doc) {
    if (!doc || !doc.id) return;
    const before = notices.seen.get(doc.id);
    notices.seen.set(doc.id, doc.status);
    if (!before || before === doc.status) return;
    const name = doc.filename || 'Your timetable';
    const href = `#/documents/${encodeURIComponent(doc.id)}`;
    if (doc.status === 'completed') notices.show(`${name} is ready.`, href, 'good');
    else if (doc.status === 'failed' || doc.status === 'rejected')
      notices.show(`We couldn't read ${name}.`, href, 'bad');
    else if (doc.status === 'needs_review' && me.role !== 'teacher' && me.role !== 'uploader')
      notices.show(`${name} needs a quick check.`, '#/review', '');
  },
};
live.on((type, ev) => { if (type === 'document') notices.onDocument(ev.document || ev); });

/* ---- sign in, setup, first run ------------------------------------------ */

async function whoami() {
  try {
    const w = await api.call('GET', '/v1/whoami');
    Object.assign(me, {role: w.role, user: w.user, csrf: w.csrf || '', auth: w.auth});
    localStorage.setItem('yogi.me', JSON.stringify({role: w.role, user: w.user}));
    return true;
  } catch (e) {
    if (e.status === 401) {
      Object.assign(me, {role: null, user: null, csrf: ''});
      localStorage.removeItem('yogi.me');
      return false;
    }
    // Offline: keep showing what this browser saw last.
    const saved = JSON.parse(localStorage.getItem('yogi.me') || 'null');
    if (saved) Object.assign(me, saved, {offline: true});
    return !!saved;
  }
}

function formField(id, label, attrs) {
  const input = el('input', Object.assign({id, name: id}, attrs));
  const err = el('span', {class: 'field-error', id: `${id}-err`, 'aria-live': 'polite'});
  input.setAttribute('aria-describedby', err.id);
  return {input, err, box: el('div', {class: 'field'}, el('label', {for: id}, label), input, err)};
}

function setFieldError(f, message) {
  f.err.textContent = message || '';
  if (message) f.input.setAttribute('aria-invalid', 'true');
  else f.input.removeAttribute('aria-invalid');
}

async function pageSignIn() {
  const name = formField('name', 'Name', {autocomplete: 'username', required: true});
  const pw = formField('password', 'Password', {type: 'password', autocomplete: 'current-password',
    required: true});
  const submit = el('button', {type: 'submit'}, 'Sign in');
  const form = el('form', {class: 'card narrow', novalidate: true}, name.box, pw.box, submit);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    setFieldError(name, ''); setFieldError(pw, '');
    if (!name.input.value.trim()) { setFieldError(name, 'Type your name'); name.input.focus(); return; }
    submit.disabled = true;
    try {
      const s = await api.call('POST', '/v1/session', {name: name.input.value.trim(),
        password: pw.input.value});
      Object.assign(me, {role: s.role, user: s.user, csrf: s.csrf});
      await start();
      location.hash = '#/week';
    } catch (e) {
      setFieldError(pw, e.status === 401 ? 'That name and password do not match.' : e.message);
      pw.input.select();
      pw.input.focus();
    } finally { submit.disabled = false; }
  });
  const setup = await api.call('GET', '/v1/setup').catch(() => ({needed: false}));
  put(el('h1', {}, 'Sign in to Yogi'),
    el('p', {class: 'lead'}, 'Your timetables, from a photo to your calendar.'), form,
    setup.needed ? el('p', {class: 'card narrow'}, 'No one has an account yet. Open the setup ' +
      'link that the server printed when it started, or ask whoever runs it.') :
      el('p', {class: 'muted narrow'}, 'No account? Ask your school\'s Yogi admin.'));
  name.input.focus();
}

async function pageSetup(code) {
  const name = formField('name', 'Your name (for signing in)', {autocomplete: 'username'});
  const pw = formField('password', 'A password (at least 8 characters)',
    {type: 'password', autocomplete: 'new-password'});
  const form = el('form', {class: 'card narrow', novalidate: true}, name.box, pw.box,
    el('button', {type: 'submit'}, 'Create the admin account'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    setFieldError(name, ''); setFieldError(pw, '');
    try {
      const s = await api.call('POST', '/v1/setup', {code, name: name.input.value.trim(),
        password: pw.input.value});
      Object.assign(me, {role: s.role, user: s.user, csrf: s.csrf});
      await start();
      location.hash = '#/people';
    } catch (e) {
      if (e.code === 'PasswordTooShort') setFieldError(pw, e.message);
      else if (e.code === 'InvalidName') setFieldError(name, e.message);
      else setFieldError(name, e.message);
    }
  });
  put(el('h1', {}, 'Welcome — set up Yogi'),
    el('p', {class: 'lead'}, 'Create the first admin. You can add teachers and reviewers next.'), form);
}

/* ---- the week ------------------------------------------------------------ */

const store = {
  async timetable(id, version) {
    const q = version ? `?version=${version}` : '';
    return api.call('GET', `/v1/documents/${encodeURIComponent(id)}/timetable${q}`);
  },
  async documents(status) {
    const p = new URLSearchParams({limit: '200'});
    if (status) p.set('status', status);
    return (await api.call('GET', '/v1/documents?' + p)).documents || [];
  },
};

async function pageWeek() {
  let docs = [];
  try { docs = await store.documents(me.role === 'reviewer' ? null : 'completed'); }
  catch (e) { if (e.status !== 403) throw e; }
  docs = docs.filter((d) => d.status === 'completed');
  if (!docs.length) {
    put(el('h1', {}, 'Your week'), emptyState('No timetable yet',
      'Take a photo of your timetable or upload a PDF. Yogi reads it, and your week appears here.',
      me.role === 'reviewer' ? null : el('a', {class: 'button', href: '#/upload'}, 'Add your timetable')));
    return;
  }
  const q = new URLSearchParams(location.hash.split('?')[1] || '');
  const chosen = docs.find((d) => d.id === q.get('doc')) || docs[0];
  const tt = await store.timetable(chosen.id);
  const picker = docs.length > 1 ? el('label', {class: 'inline'}, 'Timetable ',
    el('select', {onchange: (ev) => { location.hash = `#/week?doc=${encodeURIComponent(ev.target.value)}`; }},
      docs.map((d) => el('option', {value: d.id, selected: d.id === chosen.id}, d.filename || d.id)))) : null;
  put(el('div', {class: 'titlebar'}, el('h1', {}, tt.title || 'Your week'),
    el('div', {class: 'row no-print'}, picker,
      el('a', {class: 'button secondary', href: `#/documents/${encodeURIComponent(chosen.id)}`}, 'Details'),
      el('button', {type: 'button', class: 'secondary', onclick: () => window.print()}, 'Print'))),
  weekCalendar(tt));
}

/* ---- upload ----------------------------------------------------------------- */

function pageUpload() {
  const list = el('ul', {class: 'files', 'aria-live': 'polite'});
  const files = el('input', {type: 'file', id: 'files', multiple: true, class: 'visually-hidden',
    accept: 'image/*,application/pdf'});
  const camera = el('input', {type: 'file', id: 'camera', class: 'visually-hidden',
    accept: 'image/*', capture: 'environment'});
  const send = (chosen) => { for (const f of chosen) uploadOne(f, list); };
  files.addEventListener('change', () => { send(files.files); files.value = ''; });
  camera.addEventListener('change', () => { send(camera.files); camera.value = ''; });
  const drop = el('div', {class: 'drop'},
    el('p', {}, 'Take a photo of your printed timetable, or choose a photo or PDF.'),
    el('div', {class: 'row center'},
      camera, el('label', {for: 'camera', class: 'button big'}, 'Take a photo'),
      files, el('label', {for: 'files', class: 'button secondary big'}, 'Choose files')),
    el('p', {class: 'muted small'}, 'Or drop files here. PNG, JPEG, TIFF, WebP, BMP or PDF.'));
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => { e.preventDefault(); drop.classList.remove('over'); send(e.dataTransfer.files); });
  put(el('h1', {}, 'Add a timetable'), drop, list);
  return live.on((type, ev) => {
    if (type !== 'document') return;
    const d = ev.document || ev;
    const li = list.querySelector(`[data-id="${CSS.escape(d.id || '')}"]`);
    if (li && d.status) {
      li.dataset.live = d.status;
      li.querySelector('.status').replaceWith(statusBadge(d.status));
    }
  });
}

async function uploadOne(file, list) {
  const bar = el('progress', {max: 1, value: 0, 'aria-label': `Sending ${file.name || 'photo'}`});
  const badge = el('span', {class: 'status busy'}, 'Sending…');
  const li = el('li', {}, el('span', {}, file.name || 'Photo'), badge, bar);
  list.prepend(li);
  try {
    const r = await api.upload(file, (p) => { bar.value = p; });
    bar.remove();
    li.dataset.id = r.id;
    li.firstChild.replaceWith(el('a', {href: `#/documents/${encodeURIComponent(r.id)}`}, file.name || 'Photo'));
    badge.replaceWith(statusBadge(r.status));
    notices.seen.set(r.id, r.status);
    // Live events move the badge (pageUpload); polling covers a stream that
    // is reconnecting, and never overwrites what an event already said.
    for (let i = 0; i < 200 && li.isConnected; i++) {
      const seen = li.dataset.live;
      const doc = await api.call('GET', `/v1/documents/${encodeURIComponent(r.id)}`);
      if (li.dataset.live === seen) {
        notices.seen.set(r.id, doc.status);
        li.querySelector('.status').replaceWith(statusBadge(doc.status));
      }
      if (!['received', 'processing'].includes(li.dataset.live || doc.status)) break;
      await new Promise((ok) => setTimeout(ok, 3000));
    }
  } catch (e) {
    bar.remove();
    badge.replaceWith(el('span', {class: 'status bad'}, `Not sent: ${e.message}`));
  }
}

/* ---- documents ----------------------------------------------------------------- */

async function pageDocuments() {
  const docs = await store.documents(me.role === 'reviewer' ? 'needs_review' : null);
  put(el('h1', {}, me.role === 'reviewer' ? 'Waiting for a check' : 'Your timetables'));
  if (!docs.length) {
    put(emptyState('Nothing here yet', me.role === 'reviewer'
      ? 'When Yogi is unsure of a timetable it appears here.'
      : 'Add a photo or PDF of your timetable and it appears here.',
    me.role === 'reviewer' ? null : el('a', {class: 'button', href: '#/upload'}, 'Add a timetable')));
    return null;
  }
  for (const d of docs) notices.seen.set(d.id, d.status);
  put(el('ul', {class: 'doclist'}, docs.map((d) => el('li', {class: 'card'},
    el('a', {href: `#/documents/${encodeURIComponent(d.id)}`, class: 'docname'}, d.filename || 'Timetable'),
    statusBadge(d.status),
    el('span', {class: 'muted small'}, `Added ${when(d.created)}` +
      (me.role === 'admin' && uploader(d) ? ` by ${uploader(d)}` : ''))))));
  return live.on((type) => { if (type === 'document') render(); });
}

function canEdit(doc) {
  return me.role === 'admin' || me.role === 'reviewer' || doc.owner === `user:${me.user}` ||
    !me.auth;
}

/* "Monday 09:00 Maths" → what changed between two versions, in words. */
function versionDiff(older, newer) {
  const key = (e) => `${e.day} ${e.start}`;
  const a = new Map((older.entries || []).map((e) => [key(e), e]));
  const b = new Map((newer.entries || []).map((e) => [key(e), e]));
  const out = [];
  for (const [k, e] of b) {
    const o = a.get(k);
    if (!o) { out.push(`Added ${k}–${e.end} ${e.subject}`); continue; }
    const changes = ['end', 'subject', 'room', 'class', 'kind']
      .filter((f) => (o[f] || '') !== (e[f] || ''))
      .map((f) => `${f} ${o[f] || '—'} → ${e[f] || '—'}`);
    if (changes.length) out.push(`${k}: ${changes.join(', ')}`);
  }
  for (const [k, o] of a) if (!b.has(k)) out.push(`Removed ${k}–${o.end} ${o.subject}`);
  return out;
}

const SOURCE_WORDS = {extracted: 'Read by Yogi', llm: 'Read by Yogi (checked by a model)',
  reviewed: 'Checked by a reviewer', corrected: 'Corrected'};

async function versionsCard(id) {
  const versions = (await api.call('GET', `/v1/documents/${encodeURIComponent(id)}/versions`)).versions || [];
  if (!versions.length) return null;
  const list = el('ol', {class: 'versions', reversed: true});
  const bodies = await Promise.all(versions.map((v) => store.timetable(id, v.version).catch(() => ({entries: []}))));
  versions.forEach((v, i) => {
    const diff = i + 1 < versions.length ? versionDiff(bodies[i + 1], bodies[i]) : [];
    list.append(el('li', {},
      el('strong', {}, `Version ${v.version}`), ` — ${SOURCE_WORDS[v.source] || v.source}`,
      v.author ? ` by ${v.author}` : '', `, ${when(v.created)}`,
      diff.length ? el('ul', {class: 'diff'}, diff.map((d) => el('li', {}, d))) :
        i + 1 < versions.length ? el('p', {class: 'muted small'}, 'No changes to the lessons.') : null));
  });
  return el('section', {class: 'card', 'aria-labelledby': 'vh'}, el('h2', {id: 'vh'}, 'Versions'), list);
}

async function findTaskFor(docId) {
  if (me.role !== 'reviewer' && me.role !== 'admin') return null;
  const tasks = (await api.call('GET', '/v1/tasks?limit=500').catch(() => ({tasks: []}))).tasks || [];
  return tasks.find((t) => taskDocumentId(t) === docId) || null;
}

async function pageDocument(id) {
  const path = `/v1/documents/${encodeURIComponent(id)}`;
  const doc = await api.call('GET', path);
  notices.seen.set(doc.id, doc.status);
  const actions = el('div', {class: 'row no-print'});
  const owner = doc.owner === `user:${me.user}` || me.role === 'admin' || !me.auth;
  const message = {
    received: 'Yogi is reading your timetable. This page updates by itself.',
    processing: 'Yogi is reading your timetable. This page updates by itself.',
    needs_review: 'Yogi was not sure about some lessons, so a person is checking them.',
    failed: 'Yogi could not read this one. A clearer photo, taken straight on, usually works.',
    rejected: 'A reviewer could not read this one. Try a clearer photo.',
  }[doc.status];
  put(el('div', {class: 'titlebar'}, el('h1', {}, doc.filename || 'Timetable'), statusBadge(doc.status)),
    message ? el('p', {class: 'lead'}, message) : null,
    me.role === 'admin' && doc.error ? el('p', {class: 'muted small'}, `${doc.error}: ${doc.cause || ''}`) : null,
    actions);
  if (doc.status === 'needs_review') {
    const task = await findTaskFor(id);
    if (task) actions.append(el('a', {class: 'button', href: `#/review/${encodeURIComponent(task.token)}`},
      'Open the check'));
  }
  let tt = null;
  try { tt = await store.timetable(id); } catch (e) { if (e.status !== 404) throw e; }
  if (tt) {
    if (canEdit(doc)) actions.append(el('a', {class: 'button', href: `#/documents/${encodeURIComponent(id)}/edit`},
      'Correct it'));
    actions.append(el('a', {class: 'button secondary', href: `${path}/timetable?format=ics`,
      download: `timetable-${id}.ics`}, 'Download for a calendar (.ics)'),
    el('a', {class: 'button secondary', href: `${path}/timetable?format=csv`, download: `timetable-${id}.csv`},
      'Download CSV'));
    put(weekCalendar(tt));
    const versions = await versionsCard(id).catch(() => null);
    if (versions) put(versions);
  }
  if (owner) {
    const confirmBox = el('div', {class: 'confirm', hidden: true},
      el('p', {}, 'Delete this timetable, its photo and every version? This cannot be undone.'),
      el('div', {class: 'row'},
        el('button', {type: 'button', class: 'danger', onclick: async () => {
          try {
            await api.call('DELETE', path);
            await caches.delete('yogi-data').catch(() => {});
            toast('Deleted');
            location.hash = '#/documents';
          } catch (e) { confirmBox.append(el('p', {class: 'field-error'}, e.message)); }
        }}, 'Yes, delete it'),
        el('button', {type: 'button', class: 'secondary', onclick: () => { confirmBox.hidden = true; }}, 'Keep it')));
    put(el('div', {class: 'card no-print'},
      el('button', {type: 'button', class: 'danger-outline', onclick: () => {
        confirmBox.hidden = false;
        confirmBox.querySelector('button').focus();
      }}, 'Delete this timetable'), confirmBox));
  }
  return live.on((type, ev) => { if (type === 'document' && (ev.id === id) && ev.status !== doc.status) render(); });
}

async function pageEdit(id) {
  const doc = await api.call('GET', `/v1/documents/${encodeURIComponent(id)}`);
  const tt = await store.timetable(id);
  const editor = entryEditor(tt.entries || [], {label: 'Lessons', marks: false});
  const status = el('p', {class: 'field-error', 'aria-live': 'polite'});
  const save = el('button', {type: 'button', onclick: async () => {
    const entries = editor.collect();
    if (!entries) return;
    save.disabled = true;
    try {
      const r = await api.call('PUT', `/v1/documents/${encodeURIComponent(id)}/timetable`,
        Object.assign({}, tt, {entries}));
      toast(`Saved as version ${r.version}`);
      location.hash = `#/documents/${encodeURIComponent(id)}`;
    } catch (e) {
      if (!(e.status === 422 && editor.showServerErrors(e.fields))) status.textContent = e.message;
    } finally { save.disabled = false; }
  }}, 'Save as a new version');
  put(el('h1', {}, `Correct ${doc.filename || 'the timetable'}`),
    el('p', {class: 'lead'}, 'Change any field, add or remove lessons. Each save keeps the earlier versions.'),
    el('div', {class: 'card'}, editor.element),
    el('div', {class: 'row'}, save, el('a', {class: 'button secondary', href: `#/documents/${encodeURIComponent(id)}`}, 'Cancel')),
    status);
}

/* ---- review ------------------------------------------------------------------------ */

function taskDocumentId(task) {
  const i = task.input || {};
  return i.document_id || (i.document && i.document.id) || i.id || null;
}

function findDraft(input) {
  if (!input || typeof input !== 'object') return null;
  if (Array.isArray(input.entries)) return input;
  for (const k of ['draft', 'timetable', 'extracted', 'result']) {
    const d = findDraft(input[k]);
    if (d) return d;
  }
  return null;
}

function thumbnail(doc) {
  const src = `/v1/documents/${encodeURIComponent(doc.id)}/file`;
  if ((doc.content_type || '').startsWith('image/'))
    return el('img', {class: 'thumb', src, alt: '', loading: 'lazy'});
  return el('span', {class: 'thumb pdf', 'aria-hidden': 'true'}, 'PDF');
}

async function reviewQueue() {
  const tasks = (await api.call('GET', '/v1/tasks?limit=500')).tasks || [];
  const rows = await Promise.all(tasks.map(async (t) => {
    const id = taskDocumentId(t);
    const doc = id ? await api.call('GET', `/v1/documents/${encodeURIComponent(id)}`).catch(() => null) : null;
    return {task: t, doc};
  }));
  return rows.filter((r) => r.doc)
    .sort((a, b) => String(a.doc.created).localeCompare(String(b.doc.created)));
}

function queueList(rows) {
  if (!rows.length) return emptyState('Nothing to check', 'When Yogi is unsure of a timetable, it appears here for you to check against the photo.');
  return el('ul', {class: 'queue'}, rows.map(({task, doc}) => el('li', {class: 'card'},
    thumbnail(doc),
    el('div', {class: 'queue-text'},
      el('a', {class: 'docname', href: `#/review/${encodeURIComponent(task.token)}`,
        'aria-label': `Check ${doc.filename || 'timetable'}`}, doc.filename || 'Timetable'),
      el('span', {class: 'muted small'}, [uploader(doc) ? `From ${uploader(doc)}` : null,
        `added ${when(doc.created)}`].filter(Boolean).join(', ')),
      doc.confidence != null ? el('span', {class: 'small'}, `Yogi was ${Math.round(doc.confidence * 100)}% sure`) : null),
    el('a', {class: 'button', href: `#/review/${encodeURIComponent(task.token)}`, tabindex: '-1',
      'aria-hidden': 'true'}, 'Check'))));
}

async function pageReview() {
  put(el('h1', {}, 'Timetables to check'),
    el('p', {class: 'lead'}, 'Oldest first. Compare each with its photo, fix what is wrong, approve.'));
  let rows = await reviewQueue();
  let box = queueList(rows);
  put(box);
  let timer = null;
  return live.on(() => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const fresh = await reviewQueue().catch(() => rows);
      const key = (list) => list.map((r) => r.task.token).join(' ');
      if (key(fresh) === key(rows) || !box.isConnected) return;
      rows = fresh;
      const next = queueList(rows);
      box.replaceWith(next);
      box = next;
    }, 300);
  });
}

/* The page image: stays in view, zooms with buttons or the wheel, pans by dragging. */
function imageViewer(doc) {
  const src = `/v1/documents/${encodeURIComponent(doc.id)}/file`;
  let zoom = 1;
  const frame = el('div', {class: 'viewer-frame', tabindex: '0', 'aria-label': 'The photo; drag to move'});
  const isPdf = doc.content_type === 'application/pdf';
  const img = isPdf ? el('object', {data: src, type: 'application/pdf', 'aria-label': 'The document'})
    : el('img', {src, alt: `The uploaded timetable ${doc.filename || ''}`});
  frame.append(img);
  const apply = () => { img.style.width = `${zoom * 100}%`; label.textContent = `${Math.round(zoom * 100)}%`; };
  const label = el('span', {class: 'muted small', 'aria-live': 'polite'}, '100%');
  const set = (z) => { zoom = Math.min(5, Math.max(1, z)); apply(); };
  frame.addEventListener('wheel', (ev) => { if (ev.ctrlKey || ev.metaKey) { ev.preventDefault(); set(zoom * (ev.deltaY < 0 ? 1.2 : 1 / 1.2)); } }, {passive: false});
  let drag = null;
  frame.addEventListener('pointerdown', (ev) => { drag = {x: ev.clientX, y: ev.clientY, l: frame.scrollLeft, t: frame.scrollTop}; });
  frame.addEventListener('pointermove', (ev) => {
    if (!drag) return;
    frame.scrollLeft = drag.l - (ev.clientX - drag.x);
    frame.scrollTop = drag.t - (ev.clientY - drag.y);
  });
  for (const e of ['pointerup', 'pointerleave']) frame.addEventListener(e, () => { drag = null; });
  return el('div', {class: 'viewer'},
    el('div', {class: 'row viewer-tools'},
      el('button', {type: 'button', class: 'secondary small', 'aria-label': 'Zoom in', onclick: () => set(zoom * 1.25)}, '+'),
      el('button', {type: 'button', class: 'secondary small', 'aria-label': 'Zoom out', onclick: () => set(zoom / 1.25)}, '−'),
      el('button', {type: 'button', class: 'secondary small', onclick: () => set(1)}, 'Fit'), label),
    frame);
}

async function pageReviewTask(token) {
  const data = await api.call('GET', '/v1/tasks?limit=500');
  const task = (data.tasks || []).find((t) => t.token === token);
  if (!task) {
    put(emptyState('Already checked', 'Someone has finished this check.',
      el('a', {class: 'button', href: '#/review'}, 'Back to the list')));
    return;
  }
  const docId = taskDocumentId(task);
  const doc = await api.call('GET', `/v1/documents/${encodeURIComponent(docId)}`);
  const draft = findDraft(task.input) || {entries: []};
  const extractorDraft = (task.input && task.input.extractor_draft) || draft.extractor_draft || null;
  const editor = entryEditor(draft.entries, {label: 'Lessons read from the photo'});
  const status = el('p', {class: 'field-error', 'aria-live': 'polite'});
  let usingExtractor = false;
  const fromModel = !task.input || task.input.draft_source !== 'extractor';
  const switcher = fromModel && extractorDraft && Array.isArray(extractorDraft.entries) ? el('label', {class: 'switch'},
    el('input', {type: 'checkbox', onchange: (ev) => {
      usingExtractor = ev.target.checked;
      editor.setEntries(usingExtractor ? extractorDraft.entries : draft.entries);
    }}), " Use the extractor's reading instead") : null;
  const finish = async (kind, body, button) => {
    button.disabled = true;
    status.textContent = '';
    try {
      await api.call('POST', `/v1/tasks/${encodeURIComponent(token)}/${kind}`, body);
      toast(kind === 'success' ? 'Approved — the timetable is saved' : 'Rejected');
      location.hash = `#/documents/${encodeURIComponent(docId)}`;
    } catch (e) {
      button.disabled = false;
      if (!(e.status === 422 && editor.showServerErrors(e.fields))) status.textContent = e.message;
    }
  };
  const approve = el('button', {type: 'button', id: 'approve', onclick: () => {
    const entries = editor.collect();
    if (!entries) return;
    const base = usingExtractor ? extractorDraft : draft;
    const output = Object.assign({}, base, {entries, confidence: 1});
    delete output.extractor_draft;
    finish('success', {output}, approve);
  }}, 'Approve');
  const reason = el('input', {id: 'reason', placeholder: 'Why? (optional)'});
  const reject = el('button', {type: 'button', class: 'danger', onclick: () => finish('failure',
    {error: 'Review.Rejected', cause: reason.value || 'rejected by a reviewer'}, reject)}, 'Reject');
  put(el('h1', {}, `Check ${doc.filename || 'timetable'}`),
    el('p', {class: 'lead'}, 'Compare with the photo. Highlighted lessons are the ones Yogi was unsure of.'),
    task.input && typeof task.input.notice === 'string' ? el('p', {class: 'notice'}, task.input.notice) : null,
    el('div', {class: 'review'}, imageViewer(doc),
      el('div', {class: 'card'}, switcher, editor.element,
        el('div', {class: 'row actions'}, approve,
          el('label', {for: 'reason', class: 'visually-hidden'}, 'Reason for rejecting'), reason, reject),
        status)));
}

/* ---- people (admins) ------------------------------------------------------------------ */

async function pagePeople() {
  const users = (await api.call('GET', '/v1/users')).users || [];
  const name = formField('new-name', 'Name', {autocomplete: 'off'});
  const pw = formField('new-password', 'First password (at least 8 characters)', {type: 'password', autocomplete: 'new-password'});
  const role = el('select', {id: 'new-role'}, ['teacher', 'reviewer', 'admin'].map((r) => el('option', {value: r}, r)));
  const form = el('form', {class: 'card', novalidate: true}, el('h2', {}, 'Add a person'),
    el('div', {class: 'row wrap'}, name.box, el('div', {class: 'field'}, el('label', {for: 'new-role'}, 'Role'), role), pw.box),
    el('button', {type: 'submit'}, 'Add'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    setFieldError(name, ''); setFieldError(pw, '');
    try {
      await api.call('POST', '/v1/users', {name: name.input.value.trim(), role: role.value, password: pw.input.value});
      toast(`Added ${name.input.value.trim()}`);
      render();
    } catch (e) {
      if (/Password/.test(e.code || '')) setFieldError(pw, e.message); else setFieldError(name, e.message);
    }
  });
  const rows = users.map((u) => {
    const sel = el('select', {'aria-label': `Role of ${u.name}`, disabled: u.disabled},
      ['teacher', 'reviewer', 'admin'].map((r) => el('option', {value: r, selected: r === u.role}, r)));
    sel.addEventListener('change', () => api.call('PUT', `/v1/users/${encodeURIComponent(u.name)}`, {role: sel.value})
      .then(() => toast(`${u.name} is now ${sel.value}`), (e) => toast(e.message)));
    return el('tr', {}, el('th', {scope: 'row'}, u.name), el('td', {}, sel),
      el('td', {}, u.disabled ? 'Disabled' : 'Active'),
      el('td', {class: 'row'}, u.disabled ? '' : el('button', {type: 'button', class: 'secondary small',
        onclick: () => makeToken(u.name)}, `Token for ${u.name}`),
      u.disabled || u.name === me.user ? '' : el('button', {type: 'button', class: 'secondary small',
        onclick: () => api.call('PUT', `/v1/users/${encodeURIComponent(u.name)}`, {disabled: true}).then(render,
          (e) => toast(e.message))}, `Disable ${u.name}`)));
  });
  const tokenBox = el('div', {'aria-live': 'polite'});
  async function makeToken(name) {
    try {
      const t = await api.call('POST', '/v1/tokens', {user: name, label: `made on the People page by ${me.user}`});
      tokenBox.replaceChildren(el('div', {class: 'card'}, el('h2', {}, `A token for ${name}`),
        el('p', {}, 'For scripts and other systems. It acts as this person and is shown only now:'),
        el('code', {id: 'new-token'}, t.token)));
    } catch (e) { tokenBox.replaceChildren(el('p', {class: 'field-error'}, e.message)); }
  }
  put(el('h1', {}, 'People'),
    users.length ? el('div', {class: 'card scroll'}, el('table', {},
      el('thead', {}, el('tr', {}, ['Name', 'Role', 'State', ''].map((h) => el('th', {scope: 'col'}, h)))),
      el('tbody', {}, rows))) : null,
    tokenBox, form,
    el('p', {class: 'muted small'}, 'From a terminal: yogi user add NAME --role teacher --data DIR'));
}

/* ---- account: feed, sign out ------------------------------------------------------------- */

async function pageAccount() {
  const feed = await api.call('GET', '/v1/feed').catch(() => ({active: false}));
  const out = el('div', {'aria-live': 'polite'});
  const breaks = el('input', {type: 'checkbox', id: 'feed-breaks'});
  const showUrl = (url) => {
    const full = location.origin + url;
    const input = el('input', {id: 'feed-url', readonly: true, value: full, class: 'wide'});
    breaks.onchange = () => { input.value = full + (breaks.checked ? '?breaks=1' : ''); };
    out.replaceChildren(el('label', {for: 'feed-url'}, 'Your calendar address (keep it private)'), input,
      el('button', {type: 'button', class: 'secondary small', onclick: () => {
        input.select();
        navigator.clipboard && navigator.clipboard.writeText(input.value).then(() => toast('Copied'), () => {});
      }}, 'Copy'));
  };
  const card = el('section', {class: 'card', 'aria-labelledby': 'feed-h'}, el('h2', {id: 'feed-h'}, 'Your timetable in your calendar'),
    el('p', {}, 'Subscribe to this address in Google Calendar, Outlook or your phone. Corrections show up there by themselves.'),
    el('p', {}, breaks, el('label', {for: 'feed-breaks', class: 'inline'}, ' Include breaks and lunch')),
    out,
    el('div', {class: 'row'},
      el('button', {type: 'button', onclick: async (ev) => {
        try {
          showUrl((await api.call('POST', '/v1/feed')).url);
          ev.target.textContent = 'Make a new address';
        } catch (e) { out.textContent = e.message; }
      }}, feed.active ? 'Make a new address' : 'Make my calendar address'),
      feed.active ? el('button', {type: 'button', class: 'secondary', onclick: async () => {
        await api.call('DELETE', '/v1/feed');
        toast('The calendar address no longer works');
        render();
      }}, 'Stop the calendar address') : null),
    feed.active ? el('p', {class: 'muted small'}, 'An address is active. For safety it is shown only when made; make a new one to see it (the old one then stops).') : null);
  put(el('h1', {}, 'Account'), el('p', {}, `Signed in as ${me.user || 'the local admin'} (${me.role}).`), card,
    me.user ? passwordForm() : null,
    el('button', {type: 'button', class: 'secondary', onclick: signOut}, 'Sign out'));
}

function passwordForm() {
  const cur = formField('pw-current', 'Current password', {type: 'password', autocomplete: 'current-password'});
  const next = formField('pw-new', 'New password (at least 8 characters)', {type: 'password', autocomplete: 'new-password'});
  const form = el('form', {class: 'card narrow', novalidate: true, 'aria-labelledby': 'pw-h'},
    el('h2', {id: 'pw-h'}, 'Change your password'), cur.box, next.box, el('button', {type: 'submit'}, 'Change it'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    setFieldError(cur, ''); setFieldError(next, '');
    try {
      const s = await api.call('POST', '/v1/password', {current: cur.input.value, password: next.input.value});
      me.csrf = s.csrf;
      cur.input.value = next.input.value = '';
      toast('Password changed; you are signed out everywhere else');
    } catch (e) {
      if (e.code === 'WrongPassword' || e.code === 'TooManyAttempts') setFieldError(cur, e.message);
      else setFieldError(next, e.message);
    }
  });
  return form;
}

async function signOut() {
  await api.call('DELETE', '/v1/session').catch(() => {});
  Object.assign(me, {role: null, user: null, csrf: ''});
  localStorage.removeItem('yogi.me');
  if (window.caches) await caches.delete('yogi-data').catch(() => {});
  live.stop();
  applyRole();
  location.hash = '#/signin';
}

/* ---- routing ------------------------------------------------------------------------------ */

let cleanup = null;
let renderSeq = 0;

const PAGES_BY_ROLE = {
  teacher: ['week', 'upload', 'documents', 'account'],
  uploader: ['week', 'upload', 'documents', 'account'],
  reviewer: ['week', 'review', 'documents', 'account'],
  admin: ['week', 'upload', 'documents', 'review', 'people', 'executions', 'account'],
};

function applyRole() {
  const allowed = PAGES_BY_ROLE[me.role] || [];
  for (const a of document.querySelectorAll('[data-nav]')) a.hidden = !allowed.includes(a.dataset.nav);
  document.getElementById('whoami').textContent = me.user || '';
}

/* One drawing at a time: a page appends to <main> after its own awaits, so
 * two drawings in flight (a live event during a page load) would each add
 * their cards. A request that comes while one is drawing redraws once it
 * ends. */
let drawing = null, drawAgain = false;
async function render() {
  if (drawing) { drawAgain = true; return drawing; }
  drawing = draw();
  try { await drawing; } finally { drawing = null; }
  if (drawAgain) { drawAgain = false; await render(); }
}

async function draw() {
  const seq = ++renderSeq;
  if (cleanup) { cleanup(); cleanup = null; }
  const parts = location.hash.replace(/^#\/?/, '').split('?')[0].split('/').map(decodeURIComponent);
  let page = parts[0] || 'week';
  if (!me.role && page !== 'setup') page = 'signin';
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (a.dataset.nav === page) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const focused = document.activeElement;
  main.replaceChildren();
  const pages = {
    signin: pageSignIn, setup: () => pageSetup(parts[1] || ''), week: pageWeek, upload: pageUpload,
    documents: () => (parts[2] === 'edit' ? pageEdit(parts[1]) : parts[1] ? pageDocument(parts[1]) : pageDocuments()),
    review: () => (parts[1] ? pageReviewTask(parts[1]) : pageReview()),
    people: pagePeople, account: pageAccount,
    executions: () => (parts[1] ? pageExecution(parts[1]) : pageExecutions()),
  };
  try {
    const off = await (pages[page] || pageWeek)();
    if (seq !== renderSeq) { if (off) off(); return; }
    cleanup = off || null;
  } catch (e) {
    if (seq !== renderSeq) return;
    if (e.status === 401) { me.role = null; applyRole(); location.hash = '#/signin'; return; }
    put(emptyState(e.status === 403 ? 'Not for your account' : navigator.onLine ? 'Something went wrong' : "You're offline",
      e.status === 403 ? 'Your role may not open this page.' : navigator.onLine ? e.message
        : 'This page was not saved for offline use. Your week is.',
      el('a', {class: 'button', href: '#/week'}, 'Go to your week')));
  }
  if (!main.contains(focused)) main.focus({preventScroll: true});
}

async function start() {
  await whoami();
  applyRole();
  if (me.role && !me.offline) live.connect();
}

window.addEventListener('hashchange', render);
/* Back online: reconnect; redraw only a page that was drawn from saved copies. */
window.addEventListener('online', () => {
  if (!me.role) return;
  const stale = me.offline;
  me.offline = false;
  start().then(() => { if (stale) render(); });
});
if ('serviceWorker' in navigator) navigator.serviceWorker.register('/sw.js').catch(() => {});
start().then(render);
