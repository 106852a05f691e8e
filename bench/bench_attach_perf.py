#!/usr/bin/env python3
# bench_attach_perf.py: where the CPU of a `bench_attach.sh --perf FILE`
# run went (docs/PERFORMANCE.md, "Session 13: where the CPU goes").
#   perf script -i FILE -F comm,tid,ip,sym,dso | \
#     bench/bench_attach_perf.py COMM [TID,TID...]
# COMM: roundsd or bench_attach_hh (a prefix); TIDs: only those threads
# (roundsd's loop thread is its pid; `perf report --sort pid` lists them).
# Each sample goes to the first class (in the order below) that fits its
# leaf function or its call chain; prints each class's share and its
# commonest leaves. Debian's mbedTLS and LMDB have no frame pointers, so
# chains often stop there: the classes lean on leaves and kernel frames.
import sys, collections, re
comm = sys.argv[1]
tids = set(sys.argv[2].split(',')) if len(sys.argv) > 2 and sys.argv[2] else None
RULES = [
 ("page faults (first touch of fresh memory)", lambda L, S: 'exc_page_fault' in S),
 ("fsync/fdatasync (kernel)", lambda L, S: any(k in S for k in ('ext4_sync_file', 'vfs_fsync_range', '__x64_sys_fsync', '__x64_sys_fdatasync'))),
 ("TLS crypto (libmbedcrypto: ChaCha20-Poly1305, handshakes)", lambda L, S: L[1].startswith('libmbedcrypto')),
 ("TLS: record layer (libmbedtls)", lambda L, S: L[1].startswith('libmbedtls')),
 ("SHA-256", lambda L, S: 'compress_shani' in L[0] or 'sha256' in L[0]),
 ("socket send/receive (kernel)", lambda L, S: any(k in S for k in ('tcp_sendmsg', 'tcp_recvmsg', 'sock_read_iter', 'sock_write_iter', '__sys_sendto', '__sys_recvfrom', 'net_rx_action', 'tcp_v4_rcv'))),
 ("file write into the page cache (kernel)", lambda L, S: any(k in S for k in ('ext4_buffered_write_iter', 'generic_perform_write'))),
 ("file read (kernel)", lambda L, S: any(k in S for k in ('filemap_read',))),
 ("open/stat/rename/mkdir: path lookups (kernel)", lambda L, S: any(k in S for k in ('path_lookupat', 'path_openat', 'do_filp_open', 'vfs_statx', 'filename_lookup', 'do_renameat2', 'do_unlinkat', 'link_path_walk', '__x64_sys_close', '__fput'))),
 ("poll/epoll/scheduling", lambda L, S: any(k in S for k in ('do_sys_poll', 'do_epoll_wait', '__schedule', 'ep_poll')) or L[0] in ('__poll',)),
 ("memcpy/memmove (user)", lambda L, S: L[1].startswith('libc') and ('memmove' in L[0] or 'memcpy' in L[0] or 'memset' in L[0])),
 ("malloc/free/mmap", lambda L, S: L[1].startswith('libc') and any(k in L[0] for k in ('malloc', 'free', 'mmap', 'munmap', 'sysmalloc', 'alloc', 'consolidate'))),
 ("LMDB", lambda L, S: L[1].startswith('liblmdb')),
 ("process start/exit (fork, exec, exit)", lambda L, S: any(k in S for k in ('_Fork', 'do_exit', 'execve', 'load_elf', 'dl_main', '_dl_', 'mmput'))),
 ("program code (decode, fold, index, frames)", lambda L, S: not L[1].startswith(('libc', 'lib', '[k')) ),
 ("other kernel", lambda L, S: L[1].startswith('[k')),
 ("other libc", lambda L, S: L[1].startswith('libc')),
]
cnt = collections.Counter(); n = 0; ex = collections.defaultdict(collections.Counter)
cur = None; frames = []
def flush():
    global n
    if cur is None or not frames: return
    n += 1
    leaf = frames[0]; stack = ' '.join(f[0] for f in frames)
    for name, fn in RULES:
        if fn(leaf, stack):
            cnt[name] += 1; ex[name][leaf[0]] += 1; return
    cnt['?'] += 1
for line in sys.stdin:
    if not line.strip():
        flush(); cur = None; frames = []; continue
    if not line.startswith(('\t', ' ')):
        parts = line.split(); c, t = ' '.join(parts[:-1]), parts[-1]
        cur = t if (c.startswith(comm) and (tids is None or t in tids)) else None
        frames = []; continue
    if cur is None: continue
    m = re.match(r'\s*([0-9a-f]+)\s+(.*?)\s+\((.*)\)\s*$', line)
    if not m: continue
    sym = re.sub(r'\+0x.*', '', m.group(2)); dso = m.group(3).split('/')[-1]
    if '[kernel' in dso: dso = '[k]'
    frames.append((sym, dso))
flush()
print(f"samples {n}")
for k, c in cnt.most_common(): print(f"{100*c/n:5.1f}%  {k}   e.g. {', '.join(s for s, _ in ex[k].most_common(3))}")
