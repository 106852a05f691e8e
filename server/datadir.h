/* datadir.h: who may write the data directory: its lock, held by
 * `roundsd serve` for its whole life and taken by the commands that must
 * not run beside it (migrate, restore), and its owner, whose files the
 * office commands run as root must not take from it.
 *
 * The lock: flock(LOCK_EX | LOCK_NB) on DIR/lock (SRV_DATADIR_LOCK_FILE),
 * created mode 0644 when missing, holding the holder's PID and command as
 * one line ("PID serve\n") for the message of whoever is refused. The
 * kernel drops the lock when the holder exits, however it exits, so a
 * stale file never blocks anyone. Read-only commands (report, stats,
 * devices, dump, backup) and the office's writes (enroll, master data:
 * LMDB's own lock serialises them with serve) do not take it.
 *
 * Ownership: when root runs a command on a data directory another user
 * owns (the service's user), whatever the command created belongs to
 * root and the service could not open it ("storage error"). The command
 * notes the owner before it runs (srv_datadir_owner_note) and gives back
 * to it afterwards (srv_datadir_owner_fix) every file and directory under
 * DIR that root owns, saying so on stderr.
 */
#ifndef RND_SRV_DATADIR_H
#define RND_SRV_DATADIR_H

#include <stddef.h>
#include <sys/types.h>

#define SRV_DATADIR_LOCK_FILE "lock"

/* Takes the lock of dir for this process, for what ("serve", "migrate",
 * "restore"; written into the file). With fd NULL it is held until the
 * process exits (the descriptor is kept open, close-on-exec); else *fd
 * receives the descriptor, for srv_datadir_unlock(). Returns 0; RND_EEXIST when
 * another process holds it, with a sentence in err naming the directory
 * and the holder's PID and command ("roundsd serve (pid 1234) is running
 * on DIR and holds its lock: stop it first"); RND_ENOTFOUND when dir does not
 * exist; RND_EIO when the file cannot be opened (err says why). */
int srv_datadir_lock(const char *dir, const char *what, int *fd, char *err,
                     size_t errlen);

/* Releases a lock taken with a non-NULL fd. fd < 0 is a no-op. */
void srv_datadir_unlock(int fd);

/* The owner of the data directory noted before a command ran. */
typedef struct srv_datadir_owner {
    char dir[4096];
    int known; /* 1 when dir existed and is owned by someone else than root */
    uid_t uid;
    gid_t gid;
} srv_datadir_owner;

/* Notes dir's owner into o (known = 0 unless this process runs as root
 * and dir exists, owned by another user). */
void srv_datadir_owner_note(srv_datadir_owner *o, const char *dir);

/* When o is known: gives every file and directory under o->dir (and
 * o->dir itself) that root owns to o's uid and gid (lchown, symbolic
 * links not followed), and prints one line on stderr naming what it gave
 * ("roundsd CMD: sites/S9, sites/S9/data.mdb and 1 more were created as
 * root: given to uid 65534 gid 65534, the data directory's owner"); cmd
 * names the command. Returns how many it changed; a failure to change one
 * is said on stderr too (naming the path and the owner). */
int srv_datadir_owner_fix(const srv_datadir_owner *o, const char *cmd);

#endif
