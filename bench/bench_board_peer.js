// bench_board_peer.js: the named peer of bench_board: PouchDB (pouchdb-node,
// LevelDB on disk, what an office app on the PouchDB/CouchDB stack would
// query) holding DOCS documents in the estate's mix of bench/estate.c (70%
// checkpoint scans, 9% visits, 9% vehicles, 6% work orders, the rest
// inspections, handovers and notes), one document per record, ids in time
// order over the same 30 days. The board's data as such an app would fetch
// it, each the median of RUNS:
//   open_wo_ms  db.find of the open work orders (Mango, index [kind, open])
//   inside_ms   db.find of the visits still inside (index [kind, status])
//   night_ms    db.allDocs({startkey, endkey, include_docs}) of the night's
//               scans (18:00-06:00 +08:00 before 2026-12-01T08:00+08:00)
//   board_ms    the three one after the other (one board)
// The peer computes no SLA clocks, rounds, missed checkpoints or device
// state: that would be app code on top, so the peer does less than ours.
// The store and its indexes are built once into DIR-DOCS and reused.
//   node bench_board_peer.js --dir DIR --docs N --runs R
const PouchDB = require('pouchdb-node');
PouchDB.plugin(require('pouchdb-find'));
const fs = require('fs');
const args = Object.fromEntries(process.argv.slice(2).reduce((a, v, i, all) =>
  (v.startsWith('--') ? a.concat([[v.slice(2), all[i + 1]]]) : a), []));
const N = +(args.docs || 1000000), R = +(args.runs || 21);
const dir = `${args.dir || '.'}-${N}`;
const T0 = 1793491200000, SPAN = 30 * 86400000; // 2026-11-01T00:00Z
const STEP = SPAN / N;
const at = (i) => Math.floor(T0 + i * STEP);
const pad = (t) => String(t).padStart(15, '0');

function doc(i) {
  const p = (i * 7919) % 1000, t = at(i);
  const base = { site: 'S1', device: `HH-${i % 8}`, at: t,
    by: `guard-${i % 8}` };
  if (p < 700)
    return { _id: `scan-${pad(t)}-${i}`, kind: 'scan', route: `R${i % 3 + 1}`,
      checkpoint: `CP-${i % 40}`, method: 'nfc', anomaly: i % 50 === 0,
      ...base };
  if (p < 790)
    return { _id: `visit-${pad(t)}-${i}`, kind: 'visit', name: `V${i}`,
      id_no: '110*************34', unit: `${i % 20}-1-${i % 100}`,
      status: i % 20 ? 'left' : 'inside', ...base };
  if (p < 880)
    return { _id: `vehicle-${pad(t)}-${i}`, kind: 'vehicle',
      plate: `A${i % 100000}`, status: i % 20 ? 'left' : 'inside', ...base };
  if (p < 940) {
    const open = i % 10 < 3;
    return { _id: `wo-${pad(t)}-${i}`, kind: 'workorder', open,
      status: open ? 'dispatched' : 'closed', category: 'plumbing',
      place: `${i % 20}-1-${i % 100}`, called_at: t, ...base };
  }
  return { _id: `other-${pad(t)}-${i}`, kind: 'other', text: 'note', ...base };
}

const ms = (t) => Number(process.hrtime.bigint() - t) / 1e6;
const median = (v) => v.slice().sort((a, b) => a - b)[v.length >> 1];

(async () => {
  const built = fs.existsSync(`${dir}.built`);
  const db = new PouchDB(dir);
  let buildMs = 0;
  const t = process.hrtime.bigint();
  if (!built) {
    for (let i = 0; i < N; i += 5000) {
      const batch = [];
      for (let j = i; j < Math.min(N, i + 5000); j++) batch.push(doc(j));
      await db.bulkDocs(batch);
    }
  }
  await db.createIndex({ index: { fields: ['kind', 'open'] } });
  await db.createIndex({ index: { fields: ['kind', 'status'] } });
  const openWo = () => db.find({ selector: { kind: 'workorder', open: true },
    limit: 1000000 });
  const inside = () => db.find({ selector: { kind: 'visit',
    status: 'inside' }, limit: 1000000 });
  const nightHi = T0 + SPAN - 2 * 3600000, nightLo = nightHi - 12 * 3600000;
  const night = () => db.allDocs({ include_docs: true,
    startkey: `scan-${pad(nightLo)}`, endkey: `scan-${pad(nightHi)}` });
  if (!built) { // the first query builds each index: not timed below
    await openWo();
    await inside();
    buildMs = ms(t);
    fs.writeFileSync(`${dir}.built`, '');
  }
  const a = [], b = [], c = [], all = [];
  let rows = {};
  for (let r = 0; r < R; r++) {
    let t0 = process.hrtime.bigint();
    const x = await openWo();
    a.push(ms(t0));
    let t1 = process.hrtime.bigint();
    const y = await inside();
    b.push(ms(t1));
    let t2 = process.hrtime.bigint();
    const z = await night();
    c.push(ms(t2));
    all.push(ms(t0));
    rows = { open_wo_rows: x.docs.length, inside_rows: y.docs.length,
      night_rows: z.rows.length };
  }
  const info = await db.info();
  console.log(JSON.stringify({ peer: 'pouchdb-node-9 (LevelDB)',
    docs: info.doc_count, runs: R, build_ms: Math.round(buildMs),
    open_wo_ms: +median(a).toFixed(3), inside_ms: +median(b).toFixed(3),
    night_ms: +median(c).toFixed(3), board_ms: +median(all).toFixed(3),
    ...rows }));
  await db.close();
})().catch((e) => {
  console.error('bench_board_peer failed:', e);
  process.exit(1);
});
