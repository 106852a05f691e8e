// bench_app_peer.js: the named peer of bench_app.sh: PouchDB (pouchdb-node,
// LevelDB on disk, the store an offline-first JavaScript app would keep on
// the handheld) holding DOCS checkpoint-scan documents (the shape of
// /work/shared/bench/pouchdb-peer/peer.js, ids in time order). Times, each
// the median of RUNS:
//   get_ms    db.get of one document by id (what a screen reads at least)
//   range_ms  db.allDocs({startkey, endkey, include_docs}) of the last 2
//             hours of scans: the peer's cheapest "what happened in my
//             round" (it has no rounds, clocks or roster: a Now would be
//             app code on top of this)
//   put_ms    db.put of one new scan document (durable in LevelDB: what a
//             scan recorded through the app waits for)
// The store is built once into DIR (kept, keyed by DOCS) and reused.
//   node bench_app_peer.js --dir DIR --docs N --runs R
const PouchDB = require('pouchdb-node');
const fs = require('fs');
const args = Object.fromEntries(process.argv.slice(2).reduce((a, v, i, all) =>
  (v.startsWith('--') ? a.concat([[v.slice(2), all[i + 1]]]) : a), []));
const N = +(args.docs || 1000000), R = +(args.runs || 21);
const dir = `${args.dir || '.'}-${N}`;
const T0 = 1793491200000, STEP = 2592; // 30 days over 1M scans

const id = (i) => `scan-${String(T0 + i * STEP).padStart(15, '0')}-${i}`;
function scan(i) {
  return { _id: id(i), kind: 'checkpoint_scan', site: 'S1',
    device: `HH-${i % 8}`, route: `R${i % 3 + 1}`, checkpoint: `CP-${i % 40}`,
    guard: `guard-${i % 8}`, at: T0 + i * STEP, method: 'nfc',
    note: i % 10 ? '' : 'stairwell door ajar', anomaly: i % 10 === 0 };
}
const ms = (t) => Number(process.hrtime.bigint() - t) / 1e6;
const median = (v) => v.sort((a, b) => a - b)[v.length >> 1];

(async () => {
  const built = fs.existsSync(`${dir}.built`);
  const db = new PouchDB(dir);
  let buildMs = 0;
  if (!built) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < N; i += 5000) {
      const batch = [];
      for (let j = i; j < Math.min(N, i + 5000); j++) batch.push(scan(j));
      await db.bulkDocs(batch);
    }
    buildMs = ms(t);
    fs.writeFileSync(`${dir}.built`, '');
  }
  const get = [], range = [], put = [];
  let rows = 0;
  for (let r = 0; r < R; r++) {
    let t = process.hrtime.bigint();
    await db.get(id(N - 1 - r * 97));
    get.push(ms(t));
    const hi = T0 + (N - 1) * STEP, lo = hi - 2 * 3600000;
    t = process.hrtime.bigint();
    const res = await db.allDocs({ include_docs: true,
      startkey: `scan-${String(lo).padStart(15, '0')}`,
      endkey: `scan-${String(hi + 1).padStart(15, '0')}` });
    range.push(ms(t));
    rows = res.rows.length;
    t = process.hrtime.bigint();
    await db.put(scan(N + r + Math.floor(Math.random() * 1e9)));
    put.push(ms(t));
  }
  const info = await db.info();
  console.log(JSON.stringify({ peer: 'pouchdb-node-9 (LevelDB)',
    docs: info.doc_count, runs: R, build_ms: Math.round(buildMs),
    get_ms: +median(get).toFixed(3), range_ms: +median(range).toFixed(3),
    range_rows: rows, put_ms: +median(put).toFixed(3) }));
  await db.close();
})().catch((e) => {
  console.error('bench_app_peer failed:', e);
  process.exit(1);
});
