// pipeline.mjs — the web app with the real document workflow.
//
//   node pipeline.mjs BASE TEACHER:PASSWORD REVIEWER:PASSWORD IMAGE SUBJECT
//
// Upload IMAGE through the page and watch its status live until the
// workflow finishes (completed) or the confidence gate hands it to a person
// (needs_review; then the reviewer approves the draft as it is). Then open
// the timetable: the grid must show SUBJECT, a subject printed on the page.
import { chromium } from 'playwright-core';

const [base, uploader, reviewer, image, subject] = process.argv.slice(2);
let n = 0, failed = 0;
const ok = (name) => console.log(`ok ${++n} ${name}`);
const notOk = (name, why) => { failed++; console.log(`not ok ${++n} ${name}\n# ${String(why).split('\n')[0]}`); };
async function step(name, fn) {
  try { await fn(); ok(name); } catch (e) { notOk(name, e.message || e); throw e; }
}
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--no-first-run'],
});
async function pageWith(who) {
  const [name, password] = who.split(':');
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(180000);
  await page.goto(`${base}/#/signin`);
  await page.locator('#name').fill(name);
  await page.locator('#password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('[data-nav="account"]:not([hidden])').waitFor();
  return page;
}
try {
  const up = await pageWith(uploader);
  let docId, status;
  await step('upload a dataset timetable and watch it to the end of processing', async () => {
    await up.goto(`${base}/#/upload`);
    await up.setInputFiles('#files', image);
    const link = up.locator('.files li a').first();
    await link.waitFor();
    docId = decodeURIComponent((await link.getAttribute('href')).split('/').pop());
    const badge = up.locator('.files li .status').filter({ hasText: /^(Ready|Needs a quick check|Couldn't read this)$/ }).first();
    await badge.waitFor();
    status = await badge.textContent();
    if (status === "Couldn't read this") throw new Error('the workflow failed');
  });
  if (status === 'Needs a quick check') {
    const rv = await pageWith(reviewer);
    await step('the gate sent it to review: approve the draft', async () => {
      await rv.goto(`${base}/#/review`);
      await rv.goto(`${base}/#/documents/${encodeURIComponent(docId)}`);
      await rv.getByRole('link', { name: 'Open the check' }).click();
      await rv.locator('table.entries tbody tr').first().waitFor();
      await rv.getByRole('button', { name: 'Approve' }).click();
      await rv.waitForURL(/#\/documents\//);
    });
  }
  await step(`the timetable opens as a week calendar showing "${subject}"`, async () => {
    await up.goto(`${base}/#/documents/${encodeURIComponent(docId)}`);
    await up.locator('.calendar').getByText(subject, { exact: false }).first().waitFor({ state: 'attached' });
  });
} catch (e) {
  // reported by step()
} finally {
  await browser.close();
}
console.log(`1..${n}`);
process.exit(failed ? 1 : 0);
