// bench.mjs SUITE_DIR — times the jsonata npm package (the reference) on the
// reference suite's result cases: one line per case, "group/case<TAB>ns per
// evaluation", the expression compiled once and evaluated repeatedly
// against its input until at least 20 ms have passed (at least 3 runs).
import fs from 'node:fs';
import path from 'node:path';
import jsonata from 'jsonata';

const suite = process.argv[2];
const groups = fs.readdirSync(path.join(suite, 'groups')).sort();
const datasets = {};
function dataset(name) {
  if (!(name in datasets)) datasets[name] = JSON.parse(fs.readFileSync(path.join(suite, 'datasets', name + '.json')));
  return datasets[name];
}
for (const g of groups) {
  const dir = path.join(suite, 'groups', g);
  for (const f of fs.readdirSync(dir).filter(x => x.endsWith('.json')).sort()) {
    const doc = JSON.parse(fs.readFileSync(path.join(dir, f)));
    const cases = Array.isArray(doc) ? doc : [doc];
    for (let i = 0; i < cases.length; i++) {
      const tc = cases[i];
      const id = g + '/' + f.slice(0, -5) + (Array.isArray(doc) ? '[' + i + ']' : '');
      if (typeof tc.expr !== 'string' || tc.code || tc.error || tc.timelimit || !('result' in tc)) continue;
      const input = 'data' in tc ? tc.data : (tc.dataset ? dataset(tc.dataset) : undefined);
      let expr;
      try { expr = jsonata(tc.expr); } catch (e) { continue; }
      try { await expr.evaluate(input, tc.bindings); } catch (e) { continue; }
      let runs = 0;
      const start = process.hrtime.bigint();
      let elapsed = 0n;
      while (runs < 3 || elapsed < 20000000n) {
        await expr.evaluate(input, tc.bindings);
        runs++;
        elapsed = process.hrtime.bigint() - start;
        if (runs >= 100000) break;
      }
      console.log(id + '\t' + (Number(elapsed) / runs).toFixed(0));
    }
  }
}
