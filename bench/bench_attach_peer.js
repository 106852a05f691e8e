// bench_attach_peer.js: the named peer of bench_attach.sh (issue 18): a
// shift change's photos as PouchDB attachments. It starts pouchdb-server
// on 127.0.0.1 (its LevelDB on disk in DIR/server), makes C handheld
// PouchDBs (pouchdb-node, each its own LevelDB on disk in DIR/hh-N) and
// puts P documents in each, every one with a photo of SIZE random bytes
// (incompressible; content_type image/jpeg) as an attachment. All of that
// happens before any clock starts, and a sync(1) writes it all out.
// Then, timed:
//   push   all C handhelds replicate to the server at once, until the
//          last one finishes: MB/s = C x P x SIZE / wall seconds
//   noop   the same C replications again with nothing new
//   pull   one fresh PouchDB (the office) replicates everything down
// After the push the server's documents are counted and, for one photo of
// each handheld, fetched back and compared byte for byte.
// Loopback HTTP without TLS is the peer's own protocol (an advantage to
// it: no AEAD). Prints one JSON line; progress goes to stderr. The server
// is stopped on exit; DIR is left to the caller.
//   node bench_attach_peer.js --dir DIR [--clients C] [--photos P]
//        [--size BYTES]
// Needs pouchdb-node and pouchdb-server on NODE_PATH (scripts/bench.sh
// installs them once into ~/.cache/pouchdb-peer).
const PouchDB = require('pouchdb-node');
const crypto = require('crypto');
const fs = require('fs');
const net = require('net');
const path = require('path');
const { spawn, execFileSync } = require('child_process');

const args = Object.fromEntries(process.argv.slice(2).reduce((a, v, i, all) =>
  (v.startsWith('--') ? a.concat([[v.slice(2), all[i + 1]]]) : a), []));
const C = +(args.clients || 100), P = +(args.photos || 20);
const SIZE = +(args.size || 300000);
if (!args.dir || ![C, P, SIZE].every((n) => Number.isInteger(n) && n > 0)) {
  console.error('usage: node bench_attach_peer.js --dir DIR [--clients C] ' +
    '[--photos P] [--size BYTES]');
  process.exit(2);
}
const dir = path.resolve(args.dir);
const log = (m) => process.stderr.write(`bench_attach_peer: ${m}\n`);
const ms = (t) => Number(process.hrtime.bigint() - t) / 1e6;
const pkg = (name) => require(`${name}/package.json`).version;

// A free port on 127.0.0.1: bind port 0, read it, let it go.
function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer().once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

let server = null;
async function startServer() {
  const port = await freePort();
  const bin = require.resolve('pouchdb-server/bin/pouchdb-server');
  fs.mkdirSync(`${dir}/server`, { recursive: true });
  // Its config.json and log.txt land in its working folder: DIR.
  server = spawn(process.execPath, [bin, '--host', '127.0.0.1', '--port',
    String(port), '--dir', `${dir}/server`, '--no-stdout-logs'],
  { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`${url}/`)).ok) return url;
    } catch (e) { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('pouchdb-server did not answer within 30 s');
}
function stopServer() {
  if (server && server.exitCode === null) server.kill('SIGTERM');
}
process.on('exit', stopServer);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => { stopServer(); process.exit(130); });
}

const docId = (c, i) => `photo-hh${String(c).padStart(3, '0')}-` +
  String(i).padStart(4, '0');

(async () => {
  const url = await startServer();
  const remote = `${url}/site-s1`;
  log(`server ${url}; putting ${C} x ${P} photos of ${SIZE} bytes`);
  let t = process.hrtime.bigint();
  const locals = [];
  const firstPhoto = [];
  for (let c = 0; c < C; c++) {
    const db = new PouchDB(`${dir}/hh-${c}`);
    const docs = [];
    for (let i = 0; i < P; i++) {
      const data = crypto.randomBytes(SIZE);
      if (i === 0) firstPhoto.push(data);
      docs.push({ _id: docId(c, i), kind: 'photo', site: 'S1',
        device: `HH-${c}`, at: 1700000000000 + i * 60000,
        _attachments: { 'photo.jpg': { content_type: 'image/jpeg', data } } });
    }
    const res = await db.bulkDocs(docs);
    const bad = res.find((r) => r.error);
    if (bad) throw new Error(`put on hh-${c}: ${JSON.stringify(bad)}`);
    locals.push(db);
  }
  const putMs = ms(t);
  const bytes = C * P * SIZE;
  // The handhelds took their photos long before the shift change: their
  // stores' writes reach the disk now, not during the timed push.
  execFileSync('sync');

  log(`push: ${C} handhelds at once, ${(bytes / 1e6).toFixed(1)} MB`);
  t = process.hrtime.bigint();
  const push = await Promise.all(locals.map((db) =>
    PouchDB.replicate(db, new PouchDB(remote))));
  const pushMs = ms(t);
  const written = push.reduce((s, r) => s + r.docs_written, 0);
  const pushFailures = push.reduce((s, r) => s + r.doc_write_failures, 0);

  // Did it all arrive? The count, then one photo per handheld, compared.
  const srv = new PouchDB(remote);
  const info = await srv.info();
  let mismatched = 0;
  for (let c = 0; c < C; c++) {
    const got = await srv.getAttachment(docId(c, 0), 'photo.jpg');
    if (!Buffer.from(got).equals(firstPhoto[c])) mismatched++;
  }
  if (info.doc_count !== C * P || mismatched || pushFailures) {
    throw new Error(`server holds ${info.doc_count} of ${C * P} documents, ` +
      `${mismatched} photos differ, ${pushFailures} write failures`);
  }

  log('no-op: the same replications, nothing new');
  t = process.hrtime.bigint();
  const noop = await Promise.all(locals.map((db) =>
    PouchDB.replicate(db, new PouchDB(remote))));
  const noopMs = ms(t);
  const noopWritten = noop.reduce((s, r) => s + r.docs_written, 0);

  log('pull: everything into one fresh PouchDB (the office)');
  const office = new PouchDB(`${dir}/office`);
  t = process.hrtime.bigint();
  const pull = await PouchDB.replicate(new PouchDB(remote), office);
  const pullMs = ms(t);
  const officeInfo = await office.info();

  const mbs = (b, m) => +(b / 1e6 / (m / 1e3)).toFixed(1);
  console.log(JSON.stringify({
    peer: `pouchdb-node-${pkg('pouchdb-node')}/` +
      `pouchdb-server-${pkg('pouchdb-server')} (LevelDB, HTTP)`,
    clients: C, photos: P, photo_bytes: SIZE, total_bytes: bytes,
    put_ms: Math.round(putMs),
    push_ms: Math.round(pushMs), push_docs_written: written,
    push_mb_per_s: mbs(bytes, pushMs),
    server_docs: info.doc_count, checked_photos: C,
    noop_ms: Math.round(noopMs), noop_docs_written: noopWritten,
    pull_ms: Math.round(pullMs), pull_docs_written: pull.docs_written,
    pull_docs: officeInfo.doc_count, pull_mb_per_s: mbs(bytes, pullMs),
  }));
  await Promise.all(locals.map((db) => db.close()));
  await office.close();
  stopServer();
})().catch((e) => {
  console.error('bench_attach_peer failed:', e);
  stopServer();
  process.exit(1);
});
