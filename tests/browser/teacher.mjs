// teacher.mjs — the teacher's app in headless Chromium, one viewport per run.
//
//   node teacher.mjs BASE DATA_DIR IMAGE WIDTH HEIGHT
//
// Users tina (teacher), rita (reviewer) and root (admin) exist; the server
// runs the stand-in review workflow of tests/integration/browser.sh. Every
// flow asserts what a person would check: sign in (and a wrong password),
// upload from the camera input and watch it change, the review beside the
// photo (doubtful rows marked, "9.00" normalised, errors at the field, a
// cell fixed, an entry added, approve keeps class and kind), the week
// calendar (a double lesson one block, breaks as bands, one day at a time on
// a phone), a correction with a 422 shown at its field and the version list,
// the calendar feed parsed by python3-icalendar, reject ending as rejected
// after one click, delete with the files gone, and the week offline. axe-core
// runs on every page (no serious or critical violations). With GALLERY set,
// each screen is saved as GALLERY/<name>-<width>.png.
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';

const [base, data, image, width, height] = process.argv.slice(2);
const W = Number(width), H = Number(height);
const phone = W < 720;
const require = createRequire(import.meta.url);
const axePath = require.resolve('axe-core/axe.min.js');
const gallery = process.env.GALLERY || '';
let n = 0, failed = 0;
const tag = `[${W}]`;
const ok = (name) => console.log(`ok ${++n} ${tag} ${name}`);
const notOk = (name, why) => { failed++; console.log(`not ok ${++n} ${tag} ${name}\n# ${String(why).split('\n').slice(0, 3).join(' | ')}`); };
const pages = [];
async function step(name, fn) {
  try { await fn(); ok(name); } catch (e) {
    notOk(name, e.message || e);
    if (process.env.SHOTS) for (const [i, p] of pages.entries())
      await p.screenshot({ path: `${process.env.SHOTS}/fail-${W}-${i}.png`, fullPage: true }).catch(() => {});
    throw e;
  }
}
const expect = (cond, why) => { if (!cond) throw new Error(why); };

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--no-first-run'],
});
const errors = [];
async function person(name, password) {
  // bypassCSP lets the test inject axe-core; the app itself never needs it.
  const context = await browser.newContext({ viewport: { width: W, height: H }, bypassCSP: true,
    hasTouch: phone, isMobile: phone });
  const page = await context.newPage();
  page.setDefaultTimeout(30000);
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource|ERR_INTERNET_DISCONNECTED/.test(m.text())) errors.push(m.text());
  });
  pages.push(page);
  if (name) {
    await page.goto(`${base}/#/signin`);
    await page.locator('#name').fill(name);
    await page.locator('#password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('[data-nav="account"]:not([hidden])').waitFor();
  }
  return { context, page };
}
async function axe(page, what) {
  await page.addScriptTag({ path: axePath });
  const res = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id}: ${v.nodes.map((x) => x.target.join(' ')).slice(0, 3).join(', ')}`);
  });
  expect(res.length === 0, `axe on ${what}: ${res.join('; ')}`);
}
async function shot(page, name) {
  if (!gallery) return;
  await page.waitForTimeout(150);
  await page.screenshot({ path: `${gallery}/${name}-${W}.png`, fullPage: true });
}
async function api(page, method, path, body) {
  return page.evaluate(async ([m, p, b]) => {
    const w = await (await fetch('/v1/whoami')).json();
    const r = await fetch(p, { method: m, headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': w.csrf || '' },
      body: b ? JSON.stringify(b) : undefined });
    return { status: r.status, body: await r.text() };
  }, [method, path, body]);
}
async function docStatus(page, id) {
  const r = await api(page, 'GET', `/v1/documents/${id}`);
  return JSON.parse(r.body).status;
}
async function waitStatus(page, id, want) {
  for (let i = 0; i < 100; i++) { if (await docStatus(page, id) === want) return; await page.waitForTimeout(200); }
  throw new Error(`document ${id} never became ${want} (is ${await docStatus(page, id)})`);
}

let docId = null, rejectId = null;
try {
  const anon = await person(null);
  await step('the sign-in page, and a wrong password is shown at the field', async () => {
    const p = anon.page;
    await p.goto(`${base}/`);
    await p.getByRole('heading', { name: 'Sign in to Yogi' }).waitFor();
    await axe(p, 'sign in');
    await shot(p, 'signin');
    await p.locator('#name').fill('tina');
    await p.locator('#password').fill('not-her-password');
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.locator('#password-err').filter({ hasText: 'do not match' }).waitFor();
    expect(await p.locator('#password').getAttribute('aria-invalid') === 'true', 'the field is not marked invalid');
    await shot(p, 'signin-wrong');
    await p.goto(`${base}/#/setup/0000`);
    await p.getByRole('heading', { name: /set up Yogi/ }).waitFor();
    await axe(p, 'setup');
    await shot(p, 'setup');
  });

  const t = await person('tina', 'teachpass1');
  await step('signed in: the first-run week says what to do next', async () => {
    await t.page.goto(`${base}/#/week`);
    await t.page.getByRole('heading', { name: 'No timetable yet' }).waitFor();
    await t.page.getByRole('link', { name: 'Add your timetable' }).waitFor();
    await axe(t.page, 'empty week');
    await shot(t.page, 'week-empty');
    await t.page.goto(`${base}/#/documents`);
    await t.page.getByRole('heading', { name: 'Nothing here yet' }).waitFor();
    await shot(t.page, 'documents-empty');
  });
  await step('a teacher sees no engineering views', async () => {
    for (const nav of ['executions', 'people', 'review'])
      expect(await t.page.locator(`[data-nav="${nav}"]`).isHidden(), `${nav} is shown to a teacher`);
  });
  await step('upload from the camera input; the status changes live to "Needs a quick check"', async () => {
    const p = t.page;
    await p.goto(`${base}/#/upload`);
    expect(await p.locator('#camera').getAttribute('capture') === 'environment', 'no camera capture');
    await axe(p, 'upload');
    await shot(p, 'upload');
    await p.setInputFiles('#camera', image);
    const link = p.locator('.files li a').first();
    await link.waitFor();
    docId = decodeURIComponent((await link.getAttribute('href')).split('/').pop());
    await p.locator('.files li .status').filter({ hasText: 'Needs a quick check' }).waitFor({ timeout: 60000 });
    await shot(p, 'upload-done');
    expect(await docStatus(p, docId) === 'needs_review', 'not waiting for review');
  });

  const r = await person('rita', 'reviewpass');
  await step('the queue: file name, uploader, when, confidence and thumbnail', async () => {
    const p = r.page;
    await p.goto(`${base}/#/review`);
    const item = p.locator('.queue li').first();
    await item.getByText('timetable-photo.png').waitFor();
    await item.getByText(/From tina/).waitFor();
    await item.getByText(/60% sure/).waitFor();
    expect(await item.locator('img.thumb').count() === 1, 'no thumbnail');
    await axe(p, 'review queue');
    await shot(p, 'review-queue');
  });
  await step('a document waiting for review links to its check', async () => {
    await r.page.goto(`${base}/#/documents/${docId}`);
    await r.page.getByRole('link', { name: 'Open the check' }).click();
    await r.page.locator('table.entries tbody tr').first().waitFor();
  });
  await step('review beside the photo: doubtful rows marked, badges, the extractor switch', async () => {
    const p = r.page;
    await p.locator('.viewer img').waitFor();
    expect(await p.locator('table.entries tr.doubt').count() === 2, 'expected two doubtful rows');
    await p.getByText('The readers disagree').first().waitFor();
    await p.getByText('The extractor read: Music 10:00–11:00').waitFor();
    await p.getByText('The model read 4 slots as the extractor did and 1 differently.').waitFor();
    await p.getByText("Use the extractor's reading instead").waitFor();
    if (!phone) {
      const v = await p.locator('.viewer').evaluate((e) => getComputedStyle(e).position);
      expect(v === 'sticky', `the photo is ${v}, not sticky`);
    }
    await p.getByRole('button', { name: 'Zoom in' }).click();
    await p.getByText('125%').waitFor();
    await axe(p, 'review');
    await shot(p, 'review');
  });
  await step('"9.00" is normalised, an error is shown at its field, a cell fixed, an entry added, approved', async () => {
    const p = r.page;
    const rows = p.locator('table.entries tbody tr');
    const tue = rows.nth(3);
    await tue.locator('[name=start]').fill('9.00');
    await tue.locator('[name=subject]').click();
    expect(await tue.locator('[name=start]').inputValue() === '09:00', '9.00 not normalised');
    await tue.locator('[name=subject]').fill('English');
    await rows.nth(4).locator('[name=end]').fill('12:00');
    await p.getByRole('button', { name: 'Approve' }).click();
    await rows.nth(4).locator('.field-error').filter({ hasText: 'after the start' }).waitFor();
    await shot(p, 'review-error');
    await rows.nth(4).locator('[name=end]').fill('14:00');
    await p.getByRole('button', { name: 'Add an entry' }).click();
    const last = rows.last();
    await last.locator('[name=day]').selectOption('Friday');
    await last.locator('[name=start]').fill('14:00');
    await last.locator('[name=end]').fill('15:00');
    await last.locator('[name=subject]').fill('Art');
    await p.getByRole('button', { name: 'Approve' }).click();
    await p.waitForURL(/#\/documents\//);
    await waitStatus(p, docId, 'completed');
  });
  await step('approve kept every field the draft had (class, kind, source, confidence)', async () => {
    const tt = JSON.parse((await api(r.page, 'GET', `/v1/documents/${docId}/timetable`)).body);
    const e = tt.entries;
    expect(e.length === 6, `${e.length} entries`);
    expect(e.filter((x) => x.class === '5W').length === 4, 'class codes lost');
    expect(e.filter((x) => x.kind).length === 6, 'kinds lost');
    expect(e[0].source === 'both' && e[0].confidence === 0.95, 'per-entry fields lost');
    expect(e.some((x) => x.subject === 'English' && x.start === '09:00'), 'the fixed cell is missing');
    expect(e.some((x) => x.subject === 'Art' && x.day === 'Friday'), 'the added entry is missing');
  });

  await step('an in-app notice tells the teacher the timetable is ready', async () => {
    await t.page.locator('.notice').getByText('timetable-photo.png is ready.').waitFor();
  });
  await step('today and the lesson happening now are marked', async () => {
    const marked = await t.page.evaluate(() => {
      const tt = { entries: [{ day: 'Monday', start: '09:00', end: '10:00', subject: 'Maths' },
        { day: 'Monday', start: '10:00', end: '11:00', subject: 'Art' },
        { day: 'Tuesday', start: '09:00', end: '10:00', subject: 'Music' }] };
      const c = weekCalendar(tt, { now: new Date(2026, 11, 7, 9, 30) }); // a Monday, 09:30
      return [c.querySelector('.cal-day.today').id,
        [...c.querySelectorAll('.cal-block.now')].map((e) => e.dataset.subject).join()];
    });
    expect(marked[0] === 'day-Monday' && marked[1] === 'Maths', `marked ${marked}`);
  });
  await step('the week: a double lesson is one block, breaks are bands, room and class shown', async () => {
    const p = t.page;
    await p.goto(`${base}/#/week`);
    await p.locator('.calendar').waitFor();
    if (phone) await p.getByRole('tab', { name: 'Mon' }).click();
    const maths = p.locator('.cal-block[data-subject="Maths"]');
    expect(await maths.count() === 1, `Maths drawn as ${await maths.count()} blocks`);
    expect(await maths.evaluate((e) => e.classList.contains('double')), 'not marked as a double');
    const h = await maths.evaluate((e) => e.getBoundingClientRect().height);
    expect(h > 120 * 1.15 - 4 && h < 120 * 1.15 + 4, `the double lesson is ${h}px tall`);
    await maths.getByText('B1 · 5W').waitFor();
    expect(await p.locator('#day-Monday .cal-break').count() === 1, 'no break band');
    await axe(p, 'week');
    await shot(p, 'week');
  });
  if (phone) {
    await step('on a phone one day shows at a time; tabs change it', async () => {
      const p = t.page;
      expect(await p.locator('.cal-day.shown').count() === 1, 'more than one day shown');
      await p.getByRole('tab', { name: 'Tue' }).click();
      await p.locator('#day-Tuesday .cal-block[data-subject="English"]').waitFor();
      expect(await p.locator('#day-Monday').isHidden(), 'Monday still shown');
      await shot(p, 'week-tuesday');
      // A swipe to the left moves on a day.
      await p.locator('.cal-grid').evaluate((g) => {
        const touch = (x) => new Touch({ identifier: 1, target: g, clientX: x, clientY: 300 });
        g.dispatchEvent(new TouchEvent('touchstart', { touches: [touch(300)], changedTouches: [touch(300)], bubbles: true }));
        g.dispatchEvent(new TouchEvent('touchend', { touches: [], changedTouches: [touch(120)], bubbles: true }));
      });
      await p.locator('#day-Wednesday.shown').waitFor();
      expect(await p.getByRole('tab', { name: 'Wed' }).getAttribute('aria-selected') === 'true', 'the tab did not follow');
    });
  } else {
    await step('on a desktop the whole week shows side by side, and it prints', async () => {
      const p = t.page;
      expect(await p.locator('.cal-day:visible').count() === 5, 'not five days');
      await p.emulateMedia({ media: 'print' });
      expect(await p.locator('header.bar').isHidden(), 'the menu prints');
      expect(await p.getByRole('button', { name: 'Print' }).isHidden(), 'the buttons print');
      expect(await p.locator('.cal-day:visible').count() === 5, 'the printed week is not whole');
      await shot(p, 'week-print');
      await p.emulateMedia({ media: 'screen' });
    });
  }

  await step('a correction: a 422 shown at its field, then saved as version 2 with a readable diff', async () => {
    const p = t.page;
    await p.goto(`${base}/#/documents/${docId}`);
    await p.getByRole('link', { name: 'Correct it' }).click();
    const rows = p.locator('table.entries tbody tr');
    await rows.first().waitFor();
    expect(await p.locator('table.entries tr.doubt, table.entries .badge').count() === 0,
      'a checked timetable still shows the draft\'s doubt marks');
    await axe(p, 'edit');
    await shot(p, 'edit');
    const sci = rows.nth(4);
    await sci.locator('[name=room]').fill('Lab 2');
    const fri = rows.nth(5);
    await fri.locator('[name=start]').fill('23:00');
    await fri.locator('[name=end]').fill('24:00');  // the page lets it through; the server does not
    await p.getByRole('button', { name: 'Save as a new version' }).click();
    await fri.locator('.field-error').filter({ hasText: 'HH:MM' }).waitFor();
    expect(await fri.locator('[name=end]').getAttribute('aria-invalid') === 'true', 'the 422 is not at the field');
    await fri.locator('[name=start]').fill('14:00');
    await fri.locator('[name=end]').fill('15:00');
    await p.getByRole('button', { name: 'Save as a new version' }).click();
    await p.waitForURL(new RegExp(`#/documents/${docId}$`));
    await p.locator('.versions').getByText('Version 2', { exact: true }).waitFor();
    await p.getByText(/Corrected/).first().waitFor();
    await p.getByText('room Lab → Lab 2').waitFor();
    await axe(p, 'document');
    await shot(p, 'document');
  });

  await step('the calendar feed: a secret URL that python3-icalendar parses, ending at the term end', async () => {
    const p = t.page;
    await p.goto(`${base}/#/account`);
    await p.getByRole('button', { name: 'Make my calendar address' }).click();
    const url = await p.locator('#feed-url').inputValue();
    expect(url.includes('/feeds/') && url.endsWith('.ics'), url);
    await p.locator('#pw-current').fill('wrong-password');
    await p.locator('#pw-new').fill('teachpass2');
    await p.getByRole('button', { name: 'Change it' }).click();
    await p.locator('#pw-current-err').filter({ hasText: 'not your current password' }).waitFor();
    await axe(p, 'account');
    await shot(p, 'account');
    const res = await fetch(url); // no cookie, no header
    const text = await res.text();
    expect(res.status === 200, `feed: ${res.status}`);
    const py = `import sys, icalendar
cal = icalendar.Calendar.from_ical(sys.stdin.read())
for e in cal.walk('VEVENT'):
    print(e.get('SUMMARY'), e.get('LOCATION') or '', e.get('RRULE').get('UNTIL')[0].strftime('%Y-%m-%d'), sep='|')`;
    const out = execFileSync('/usr/bin/python3', ['-c', py], { input: text }).toString().trim().split('\n');
    expect(out.length === 5, `${out.length} events (breaks should be left out): ${out.join('; ')}`);
    expect(out.includes('Science|Lab 2|2027-07-16'), `the correction is not in the feed: ${out.join('; ')}`);
  });

  await step('offline, the app still opens on the week', async () => {
    const p = t.page;
    await p.goto(`${base}/#/week`);
    await p.locator('.cal-block[data-subject="Maths"]').first().waitFor({ state: 'attached' });
    await p.evaluate(() => navigator.serviceWorker.ready);
    await p.reload();
    await p.locator('.calendar').waitFor();
    await t.context.setOffline(true);
    await p.reload();
    await p.locator('.cal-block[data-subject="Maths"]').first().waitFor({ state: 'attached' });
    await shot(p, 'week-offline');
    await t.context.setOffline(false);
    await p.reload();
    await p.locator('.calendar').waitFor();
  });

  await step('reject ends the document as rejected after one click', async () => {
    const p = t.page;
    await p.goto(`${base}/#/upload`);
    await p.setInputFiles('#files', image);
    const link = p.locator('.files li a').first();
    await link.waitFor();
    rejectId = decodeURIComponent((await link.getAttribute('href')).split('/').pop());
    await waitStatus(p, rejectId, 'needs_review');
    await r.page.goto(`${base}/#/review`);
    await r.page.getByRole('link', { name: /^Check / }).first().click();
    await r.page.locator('table.entries tbody tr').first().waitFor();
    await r.page.getByRole('button', { name: 'Reject' }).click();
    await r.page.waitForURL(/#\/documents\//);
    await waitStatus(p, rejectId, 'rejected');
    await p.goto(`${base}/#/documents/${rejectId}`);
    await p.getByText("Couldn't read this").first().waitFor();
    await shot(p, 'document-rejected');
    await p.goto(`${base}/#/documents`);
    await shot(p, 'documents');
  });

  await step('delete: the document, its file and its timetables are gone', async () => {
    const p = t.page;
    const file = readdirSync(`${data}/documents`).map((d) => `${data}/documents/${d}/${docId}`).find(existsSync);
    expect(file, 'the original was not on disk to begin with');
    await p.goto(`${base}/#/documents/${docId}`);
    await p.getByRole('button', { name: 'Delete this timetable' }).click();
    await p.getByRole('button', { name: 'Yes, delete it' }).click();
    await p.waitForURL(/#\/documents$/);
    expect(!existsSync(file), 'the original file is still there');
    expect((await api(p, 'GET', `/v1/documents/${docId}/timetable?version=1`)).status === 404, 'a timetable is left');
  });

  const a = await person('root', 'rootpass1');
  await step('an admin: people page, and the engineering views', async () => {
    const p = a.page;
    await p.goto(`${base}/#/people`);
    await p.getByRole('row', { name: /tina/ }).waitFor();
    await p.locator('#new-name').fill('theo');
    await p.locator('#new-password').fill('short');
    await p.getByRole('button', { name: 'Add', exact: true }).click();
    await p.locator('#new-password-err').filter({ hasText: '8 characters' }).waitFor();
    await p.locator('#new-password').fill('teachpass9');
    await p.getByRole('button', { name: 'Add', exact: true }).click();
    await p.getByRole('row', { name: /theo/ }).waitFor();
    await p.getByRole('button', { name: 'Token for theo' }).click();
    const token = (await p.locator('#new-token').textContent()).trim();
    const who = await p.evaluate(async (tk) => (await (await fetch('/v1/whoami',
      { headers: { Authorization: 'Bearer ' + tk }, credentials: 'omit' })).json()), token);
    expect(who.user === 'theo' && who.role === 'teacher', `the token acts as ${JSON.stringify(who)}`);
    await axe(p, 'people');
    await shot(p, 'people');
    await p.goto(`${base}/#/executions`);
    await p.locator('table a').first().click();
    await p.locator('svg.graph').waitFor();
    await axe(p, 'execution');
    await shot(p, 'engine');
  });
  await step('no script errors', async () => { expect(!errors.length, errors.join('; ')); });
} catch (e) {
  // the failing step has been reported
} finally {
  await browser.close();
}
console.log(`1..${n}`);
process.exit(failed ? 1 : 0);
