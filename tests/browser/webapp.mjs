// webapp.mjs — the web app in headless Chromium, against a running yogi serve.
//
//   node webapp.mjs BASE UPLOADER_TOKEN REVIEWER_TOKEN IMAGE
//
// 1. Upload IMAGE through the file picker; its status changes live (SSE,
//    no reload) until the workflow finishes or asks for review.
// 2. As a reviewer: open the review queue, open the document's review,
//    correct the first cell, add an entry, approve; the app shows the saved
//    timetable with the correction.
// 3. The timetable page draws the grid and offers the .ics export, which is
//    a calendar.
// Prints TAP lines; exits non-zero on failure.
import { chromium } from 'playwright-core';

const [base, uploader, reviewer, image] = process.argv.slice(2);
let n = 0, failed = 0;
const ok = (name) => console.log(`ok ${++n} ${name}`);
const notOk = (name, why) => { failed++; console.log(`not ok ${++n} ${name}\n# ${String(why).split('\n')[0]}`); };
const pages = [];
async function step(name, fn) {
  try { await fn(); ok(name); } catch (e) {
    notOk(name, e.message || e);
    if (process.env.SHOTS) for (const [i, p] of pages.entries())
      await p.screenshot({ path: `${process.env.SHOTS}/fail-${i}.png`, fullPage: true }).catch(() => {});
    throw e;
  }
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--no-first-run'],
});
const errors = [];
async function pageWith(token) {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } }); // a phone
  await context.addInitScript((t) => localStorage.setItem('yogi.token', t), token);
  const page = await context.newPage();
  page.setDefaultTimeout(60000);
  page.on('pageerror', (e) => errors.push(e.message));
  // A 404 for a timetable not yet made is the API's answer, not an error.
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
  });
  pages.push(page);
  return page;
}

let docId = null;
try {
  const up = await pageWith(uploader);
  await step('the upload page loads', async () => {
    await up.goto(`${base}/#/upload`);
    await up.getByText('Choose files').waitFor();
  });
  await step("an uploader's menu hides the pages its role may not use", async () => {
    await up.getByRole('link', { name: 'Executions' }).waitFor({ state: 'hidden' });
    await up.getByRole('link', { name: 'Review', exact: true }).waitFor({ state: 'hidden' });
    await up.getByRole('link', { name: 'Documents' }).waitFor();
  });
  await step('a file is uploaded with progress and gets its status live', async () => {
    await up.setInputFiles('#files', image);
    const link = up.locator('.files li a').first();
    await link.waitFor();
    docId = decodeURIComponent((await link.getAttribute('href')).split('/').pop());
    await up.locator('.files li .status').filter({ hasText: /completed|needs_review/ }).first().waitFor({ timeout: 120000 });
  });

  const rv = await pageWith(reviewer);
  await step('the review queue lists the document', async () => {
    await rv.goto(`${base}/#/review`);
    await rv.getByRole('link', { name: /^Review / }).first().waitFor({ timeout: 30000 });
  });
  await step('keyboard: the review opens with Enter and shows the draft beside the image', async () => {
    const link = rv.getByRole('link', { name: /^Review / }).first();
    await link.focus();
    await rv.keyboard.press('Enter');
    await rv.locator('table.entries tbody tr').first().waitFor();
    await rv.locator('.doc img, .doc object').first().waitFor();
  });
  await step('a cell is corrected, an entry added, and the review approved', async () => {
    const subject = rv.locator('table.entries tbody tr').first().locator('[name=subject]');
    await subject.fill('Corrected Maths');
    await rv.getByRole('button', { name: 'Add entry' }).click();
    const last = rv.locator('table.entries tbody tr').last();
    await last.locator('[name=day]').selectOption('Friday');
    await last.locator('[name=start]').fill('15:00');
    await last.locator('[name=end]').fill('15:30');
    await last.locator('[name=subject]').fill('Added Club');
    await rv.getByRole('button', { name: 'Approve' }).click();
    await rv.waitForURL(/#\/documents\//);
  });
  await step('the corrected timetable is saved and shown as a grid', async () => {
    await rv.locator('table.grid').getByText('Corrected Maths').first().waitFor({ timeout: 60000 });
    await rv.locator('table.grid').getByText('Added Club').waitFor();
  });
  await step('the timetable page offers a calendar (.ics) export', async () => {
    await up.goto(`${base}/#/documents/${encodeURIComponent(docId)}`);
    await up.locator('table.grid').getByText('Corrected Maths').first().waitFor();
    const ics = await up.evaluate(async (id) => {
      const r = await fetch(`/v1/documents/${id}/timetable?format=ics`,
        { headers: { Authorization: 'Bearer ' + localStorage.getItem('yogi.token') } });
      return [r.headers.get('content-type'), await r.text()];
    }, docId);
    if (!ics[0].startsWith('text/calendar') || !ics[1].includes('RRULE:FREQ=WEEKLY'))
      throw new Error(`not a calendar: ${ics[0]}`);
    await up.getByRole('button', { name: /Download \.ics/ }).waitFor();
  });
  if (process.env.ADMIN_TOKEN) {
    const ad = await pageWith(process.env.ADMIN_TOKEN);
    await step('an admin creates a token on the Token page and it works', async () => {
      await ad.goto(`${base}/#/token`);
      await ad.locator('#new-role').selectOption('reviewer');
      await ad.locator('#new-label').fill('browser test');
      await ad.getByRole('button', { name: 'Create token' }).click();
      const token = (await ad.locator('code').textContent()).trim();
      const role = await ad.evaluate(async (t) => (await (await fetch('/v1/whoami',
        { headers: { Authorization: 'Bearer ' + t } })).json()).role, token);
      if (role !== 'reviewer') throw new Error(`the new token's role is ${role}`);
      await ad.locator('table').getByText('browser test').waitFor();
    });
    await step('the execution of the reviewed document: graph with the path taken, and history', async () => {
      await ad.goto(`${base}/#/executions`);
      await ad.getByRole('link', { name: docId }).click();
      await ad.locator('svg.graph').waitFor();
      const taken = await ad.locator('svg.graph g.taken').count();
      if (taken < 3) throw new Error(`${taken} states highlighted, expected Review, Save and Done`);
      await ad.locator('table').getByText('ExecutionSucceeded').waitFor();
    });
  }
  await step('no script errors', async () => {
    if (errors.length) throw new Error(errors.join('; '));
  });
} catch (e) {
  // the failing step has been reported
} finally {
  await browser.close();
}
console.log(`1..${n}`);
process.exit(failed ? 1 : 0);
