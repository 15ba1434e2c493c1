/*
 * editor.js — the table in which a draft or a saved timetable is checked
 * and corrected: every field of every entry (day, start, end, subject,
 * room, class, kind), rows added and removed.
 *
 * Each row starts from a copy of its entry, so fields the table does not
 * show (confidence, teacher, notes, source...) are kept when it is saved.
 * Doubtful entries (confidence below 0.8, or the two readers disagreeing)
 * are highlighted with a reason (unless opts.marks is false: a saved,
 * already checked timetable). Times like "9.00" or "900" become "09:00"
 * when the field is left. Problems are shown under the field they concern,
 * from the page's own checks and from the server's 422 error.fields alike.
 */
'use strict';

const KINDS = ['lesson', 'break', 'lunch', 'registration', 'other'];
const DOUBT_BELOW = 0.8;

function normaliseTime(v) {
  const s = String(v || '').trim();
  let m = /^(\d{1,2})[:.h](\d{2})$/.exec(s) || /^(\d{1,2})(\d{2})$/.exec(s);
  if (!m && /^\d{1,2}$/.test(s)) m = [s, s, '00'];
  if (!m) return s;
  const h = Number(m[1]), min = Number(m[2]);
  return h < 24 && min < 60 ? `${String(h).padStart(2, '0')}:${m[2]}` : s;
}

let editorSeq = 0;

function entryEditor(initial, opts) {
  const o = opts || {};
  const tbody = el('tbody');
  const table = el('table', {class: 'entries', 'aria-label': o.label || 'Entries'},
    el('colgroup', {}, ['day', 'time', 'time', 'subject', 'room', 'class', 'kind', 'act']
      .map((c) => el('col', {class: `c-${c}`}))),
    el('thead', {}, el('tr', {}, ['Day', 'Start', 'End', 'Subject', 'Room', 'Class', 'Kind']
      .map((h) => el('th', {scope: 'col'}, h)), el('th', {scope: 'col'}, el('span', {class: 'visually-hidden'}, 'Remove')))), tbody);
  const rows = [];

  function field(row, name, input) {
    const id = `f${++editorSeq}`;
    const err = el('span', {class: 'field-error', id: `${id}-err`, 'aria-live': 'polite'});
    input.id = id;
    input.setAttribute('aria-describedby', err.id);
    input.setAttribute('name', name);
    row.inputs[name] = input;
    row.errors[name] = err;
    return el('td', {'data-label': name[0].toUpperCase() + name.slice(1)}, input, err);
  }

  function badges(e) {
    const out = [];
    if (typeof e.confidence === 'number' && e.confidence < DOUBT_BELOW)
      out.push(el('span', {class: 'badge doubt'}, `Check this (${Math.round(e.confidence * 100)}%)`));
    if (e.disagree) out.push(el('span', {class: 'badge disagree'}, 'The readers disagree'));
    const x = e.extractor;
    if (e.disagree && x && typeof x === 'object')
      out.push(el('span', {class: 'badge source'}, `The extractor read: ${x.subject || '?'} ` +
        `${x.start || ''}–${x.end || ''}${x.room ? ', ' + x.room : ''}`));
    if (e.source) out.push(el('span', {class: 'badge source'},
      {model: 'Read by the model', extractor: 'Read by the extractor', both: 'Both readers agree'}[e.source] || e.source));
    return out;
  }

  function addRow(e, focus) {
    const entry = Object.assign({}, e);
    const row = {entry, inputs: {}, errors: {}};
    const text = (name, label, size) => el('input', {value: entry[name] || '', 'aria-label': label,
      size: size, autocomplete: 'off'});
    const day = el('select', {'aria-label': 'Day'},
      DAYS.map((d) => el('option', {value: d, selected: d === entry.day}, d)));
    const kind = el('select', {'aria-label': 'Kind'}, el('option', {value: ''}, '—'),
      KINDS.map((k) => el('option', {value: k, selected: k === entry.kind}, k)));
    const start = text('start', 'Start (HH:MM)', 5), end = text('end', 'End (HH:MM)', 5);
    for (const t of [start, end]) t.addEventListener('blur', () => { t.value = normaliseTime(t.value); });
    const doubtful = o.marks !== false && ((typeof entry.confidence === "number" && entry.confidence < DOUBT_BELOW) || !!entry.disagree);
    const subjectCell = field(row, 'subject', text('subject', 'Subject', 14));
    const marks = o.marks === false ? [] : badges(entry);
    if (marks.length) subjectCell.append(el('div', {class: 'badges'}, marks));
    const tr = el('tr', {class: doubtful ? 'doubt' : ''},
      field(row, 'day', day), field(row, 'start', start), field(row, 'end', end),
      subjectCell, field(row, 'room', text('room', 'Room', 6)),
      field(row, 'class', text('class', 'Class', 6)), field(row, 'kind', kind),
      el('td', {class: 'row-actions'},
        el('button', {type: 'button', class: 'secondary small remove', 'aria-label': 'Remove this entry',
          title: 'Remove this entry', onclick: () => { rows.splice(rows.indexOf(row), 1); tr.remove(); }}, '×')));
    row.tr = tr;
    rows.push(row);
    tbody.append(tr);
    if (focus) row.inputs.subject.focus();
    return row;
  }

  function setEntries(list) {
    rows.length = 0;
    tbody.replaceChildren();
    for (const e of list || []) addRow(e, false);
  }

  function clearErrors() {
    for (const r of rows) for (const [n, err] of Object.entries(r.errors)) {
      err.textContent = '';
      r.inputs[n].removeAttribute('aria-invalid');
    }
  }

  function showError(index, name, message) {
    const r = rows[index];
    if (!r) return;
    const target = r.errors[name] ? name : 'subject';
    r.errors[target].textContent = message;
    r.inputs[target].setAttribute('aria-invalid', 'true');
  }

  /* The entries, or null after showing every problem at its field. */
  function collect() {
    clearErrors();
    const out = [];
    let bad = null;
    rows.forEach((r, i) => {
      const v = (n) => r.inputs[n].value.trim();
      const e = Object.assign({}, r.entry, {day: v('day'), start: normaliseTime(v('start')),
        end: normaliseTime(v('end')), subject: v('subject')});
      for (const n of ['room', 'class', 'kind']) { if (v(n)) e[n] = v(n); else delete e[n]; }
      r.inputs.start.value = e.start;
      r.inputs.end.value = e.end;
      const problems = [];
      if (isNaN(minutes(e.start))) problems.push(['start', 'Write the time as HH:MM, like 09:00']);
      if (isNaN(minutes(e.end))) problems.push(['end', 'Write the time as HH:MM, like 10:00']);
      else if (minutes(e.end) <= minutes(e.start)) problems.push(['end', 'The end must be after the start']);
      if (!e.subject) problems.push(['subject', 'A subject is needed']);
      for (const [n, m] of problems) { showError(i, n, m); if (!bad) bad = r.inputs[n]; }
      out.push(e);
    });
    if (bad) { bad.focus(); return null; }
    return out;
  }

  /* The server's 422: error.fields = [{field: "entries[3].start", message}]
   * (or {entry: 3, field: "start"}). */
  function showServerErrors(fields) {
    clearErrors();
    let first = null;
    for (const f of fields || []) {
      const m = /^entries\[(\d+)\]\.?(\w*)$/.exec(f.field || '');
      const index = m ? Number(m[1]) : f.entry, name = m ? m[2] || 'subject' : f.field;
      if (!rows[index]) continue;
      showError(index, name, f.message);
      if (!first) first = rows[index].inputs[name] || rows[index].inputs.subject;
    }
    if (first) first.focus();
    return !!first;
  }

  setEntries(initial);
  const add = el('button', {type: 'button', class: 'secondary', onclick: () => {
    const last = rows[rows.length - 1];
    addRow({day: last ? last.inputs.day.value : 'Monday', start: last ? last.inputs.end.value : '09:00',
      end: '', subject: '', kind: 'lesson'}, true);
  }}, 'Add an entry');
  return {element: el('div', {class: 'editor'}, el('div', {class: 'scroll'}, table), add),
    collect, setEntries, showServerErrors, count: () => rows.length};
}
