/*
 * calendar.js — a timetable drawn as a week calendar.
 *
 * Time runs down the page in proportion (PX_PER_MIN), from the first start
 * to the last end of the week, rounded out to whole hours. A lesson that
 * runs on into the next period with the same subject, room and class (a
 * double lesson) is one block spanning both. Breaks and lunch are bands
 * across their day, not blocks. Each subject keeps its colour everywhere:
 * the colour comes from the subject's name (hashed into a palette of
 * distinct, readable tints), so "Maths" is the same blue in every document.
 * Today's column and the lesson happening now are marked. On a phone one
 * day shows at a time, chosen with tabs or by swiping; printing shows the
 * whole week.
 */
'use strict';

const PX_PER_MIN = 1.15;
/* Tints of clearly different hues, all light enough for #111 text (≥ 7:1). */
const PALETTE = ['#cfe3ff', '#ffd3d3', '#cdf0cd', '#fff0a8', '#e6d6ff', '#ffdcbc', '#c4efea',
  '#f8cfe9', '#e4ecb8', '#e9dfd2', '#d6dbe3', '#f3c9c0'];

function minutes(t) {
  const m = /^(\d{1,2})[:.](\d{2})$/.exec(String(t || '').trim());
  return m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
}

function hhmm(min) {
  return `${String(Math.floor(min / 60)).padStart(2, '0')}:${String(min % 60).padStart(2, '0')}`;
}

function subjectHash(subject) {
  const key = String(subject || '').trim().toLowerCase();
  let h = 2166136261;
  for (const ch of key) h = Math.imul(h ^ ch.codePointAt(0), 16777619) >>> 0;
  return h;
}

/* Each subject's colour comes from its name, so it is the same in every
 * document; two subjects of one week that land on the same colour are
 * moved apart (in name order, so the choice is the same every time). */
function subjectColours(subjects) {
  const out = new Map(), used = new Set();
  for (const s of [...new Set(subjects.map((x) => String(x || '').trim().toLowerCase()))].sort()) {
    let i = subjectHash(s) % PALETTE.length;
    for (let k = 0; k < PALETTE.length && used.has(i); k++) i = (i + 1) % PALETTE.length;
    used.add(i);
    out.set(s, PALETTE[i]);
  }
  return (subject) => out.get(String(subject || '').trim().toLowerCase()) || PALETTE[0];
}

function isBreak(e) {
  if (e.kind) return e.kind === 'break' || e.kind === 'lunch';
  return /break|lunch|playtime|recess/i.test(e.subject || '');
}

/* Entries of one day, sorted, with double lessons merged into one block. */
function dayBlocks(entries) {
  const sorted = entries.map((e) => ({...e, s: minutes(e.start), t: minutes(e.end)}))
    .filter((e) => !isNaN(e.s) && !isNaN(e.t) && e.t > e.s)
    .sort((a, b) => a.s - b.s || a.t - b.t);
  const out = [];
  for (const e of sorted) {
    const prev = out[out.length - 1];
    const same = prev && !isBreak(e) && !isBreak(prev) && prev.t === e.s &&
      prev.subject === e.subject && (prev.room || '') === (e.room || '') &&
      (prev.class || '') === (e.class || '');
    if (same) { prev.t = e.t; prev.periods += 1; } else out.push({...e, periods: 1});
  }
  // Entries that overlap share the width: give each a lane.
  const lanes = [];
  for (const b of out) {
    if (isBreak(b)) continue;
    let lane = lanes.findIndex((end) => end <= b.s);
    if (lane < 0) { lane = lanes.length; lanes.push(0); }
    lanes[lane] = b.t;
    b.lane = lane;
  }
  for (const b of out) b.lanes = Math.max(1, lanes.length);
  return out;
}

function todayName(now) {
  return DAYS[(now.getDay() + 6) % 7];
}

function weekDays(entries) {
  return DAYS.filter((d, i) => i < 5 || entries.some((e) => e.day === d));
}

/* The calendar element. opts.now (a Date) marks today and the current lesson. */
function weekCalendar(tt, opts) {
  const now = (opts && opts.now) || new Date();
  const entries = ((tt && tt.entries) || []).filter((e) => DAYS.includes(e.day));
  if (!entries.length) return el('p', {class: 'empty'}, 'This timetable has no lessons yet.');
  const days = weekDays(entries);
  const times = entries.flatMap((e) => [minutes(e.start), minutes(e.end)]).filter((m) => !isNaN(m));
  const top = Math.floor(Math.min(...times) / 60) * 60;
  const bottom = Math.ceil(Math.max(...times) / 60) * 60;
  const height = (bottom - top) * PX_PER_MIN;
  const today = todayName(now);
  const nowMin = now.getHours() * 60 + now.getMinutes();
  // A phone opens on today, or on the next day that has lessons.
  const busy = (d) => entries.some((e) => e.day === d && !isBreak(e));
  let shown = days[0];
  for (let k = 0, i = Math.max(0, DAYS.indexOf(today)); k < 7; k++, i = (i + 1) % 7)
    if (days.includes(DAYS[i]) && busy(DAYS[i])) { shown = DAYS[i]; break; }
  const subjectColour = subjectColours(entries.filter((e) => !isBreak(e)).map((e) => e.subject));

  const axis = el('div', {class: 'cal-axis', 'aria-hidden': 'true', style: {height: `${height}px`}});
  for (let m = top; m <= bottom; m += 60)
    axis.append(el('span', {style: {top: `${(m - top) * PX_PER_MIN}px`}}, hhmm(m)));

  const tabs = el('div', {class: 'cal-tabs', role: 'tablist', 'aria-label': 'Day'});
  const columns = [];
  const cols = days.map((d) => {
    const blocks = dayBlocks(entries.filter((e) => e.day === d));
    const col = el('div', {class: 'cal-day' + (d === today ? ' today' : ''), role: 'tabpanel',
      id: `day-${d}`, 'aria-label': d + (d === today ? ' (today)' : '')});
    const body = el('div', {class: 'cal-body', style: {height: `${height}px`}});
    for (let m = top + 60; m < bottom; m += 60)
      body.append(el('div', {class: 'cal-hour', style: {top: `${(m - top) * PX_PER_MIN}px`}}));
    const list = el('ul', {class: 'cal-list'});
    for (const b of blocks) {
      const y = (b.s - top) * PX_PER_MIN, h = Math.max((b.t - b.s) * PX_PER_MIN, 18);
      const current = d === today && nowMin >= b.s && nowMin < b.t;
      const label = `${b.start}–${hhmm(b.t)} ${b.subject}` + (b.room ? `, room ${b.room}` : '') +
        (b.class ? `, class ${b.class}` : '') + (b.periods > 1 ? `, ${b.periods} periods` : '') +
        (current ? ', now' : '');
      if (isBreak(b)) {
        list.append(el('li', {class: 'cal-break' + (current ? ' now' : ''),
          style: {top: `${y}px`, height: `${h}px`}, 'aria-label': label},
        el('span', {}, b.subject)));
        continue;
      }
      const w = 100 / b.lanes;
      list.append(el('li', {class: 'cal-block' + (b.periods > 1 ? ' double' : '') +
        (current ? ' now' : ''), 'aria-label': label, 'data-subject': b.subject,
      style: {top: `${y}px`, height: `${h}px`, left: `calc(${b.lane * w}% + 2px)`,
        width: `calc(${w}% - 4px)`, background: subjectColour(b.subject)}},
      el('strong', {}, b.subject),
      b.periods > 1 ? el('span', {class: 'cal-double'}, 'Double') : null,
      el('span', {class: 'cal-time'}, `${b.start}–${hhmm(b.t)}`),
      b.room || b.class ? el('span', {class: 'cal-where'},
        [b.room, b.class].filter(Boolean).join(' · ')) : null,
      current ? el('span', {class: 'cal-now'}, 'Now') : null));
    }
    if (d === today && nowMin >= top && nowMin <= bottom)
      body.append(el('div', {class: 'cal-nowline', style: {top: `${(nowMin - top) * PX_PER_MIN}px`}}));
    body.append(list);
    if (!blocks.length) body.append(el('p', {class: 'cal-free'}, 'No lessons'));
    col.append(el('div', {class: 'cal-head'}, el('span', {class: 'long'}, d),
      el('span', {class: 'short'}, d.slice(0, 3)), d === today ? el('em', {}, ' Today') : null), body);
    columns.push(col);
    const tab = el('button', {role: 'tab', id: `tab-${d}`, 'aria-controls': `day-${d}`,
      class: 'cal-tab', type: 'button', onclick: () => select(d, true)}, d.slice(0, 3));
    tabs.append(tab);
    return col;
  });

  const grid = el('div', {class: 'cal-grid', style: {'--days': String(days.length)}}, axis, cols);
  const root = el('section', {class: 'calendar', 'aria-label': 'Week timetable'}, tabs, grid);

  function select(d, focus) {
    shown = d;
    for (const t of tabs.children) {
      const on = t.id === `tab-${d}`;
      t.setAttribute('aria-selected', on ? 'true' : 'false');
      t.tabIndex = on ? 0 : -1;
      if (on && focus) t.focus();
    }
    for (const c of columns) c.classList.toggle('shown', c.id === `day-${d}`);
  }
  tabs.addEventListener('keydown', (ev) => {
    const i = days.indexOf(shown);
    if (ev.key === 'ArrowRight') select(days[(i + 1) % days.length], true);
    else if (ev.key === 'ArrowLeft') select(days[(i + days.length - 1) % days.length], true);
  });
  // Swipe left or right on a phone moves a day.
  let x0 = null;
  grid.addEventListener('touchstart', (ev) => { x0 = ev.touches[0].clientX; }, {passive: true});
  grid.addEventListener('touchend', (ev) => {
    if (x0 === null) return;
    const dx = ev.changedTouches[0].clientX - x0;
    x0 = null;
    if (Math.abs(dx) < 50) return;
    const i = days.indexOf(shown);
    select(days[(i + (dx < 0 ? 1 : days.length - 1)) % days.length], false);
  });
  select(shown, false);
  return root;
}
