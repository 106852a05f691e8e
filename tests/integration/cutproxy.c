/* cutproxy.c: a one-connection TCP proxy for the integration tests that
 * cuts the connection after exactly N bytes in one direction.
 *
 *   cutproxy UPSTREAM_PORT up|down N [fin]
 *
 * Listens on 127.0.0.1 on a port the kernel picks and prints it on stdout
 * (one line), accepts one client, connects it to 127.0.0.1:UPSTREAM_PORT
 * and copies bytes both ways. "up" counts client-to-server bytes, "down"
 * server-to-client bytes; once N bytes have gone that way (the N-th byte
 * included), both sockets are closed and the proxy exits 0. If the session
 * ends first, it exits 0 too. Loopback only; it stops by itself after 60 s.
 * The cut is a reset (what a dead network gives: the peer loses what it
 * had not read yet); with "fin" it is a polite end of stream instead, so
 * the client reads exactly the N bytes before the end, a cut point that
 * does not depend on timing. With "hold" nothing is closed: after N bytes
 * that direction stops (the peer waits for bytes that never come), the
 * proxy prints "held" on stdout, and it goes on copying the other way
 * until either side ends, so a test knows that the server has had N bytes
 * of a session that cannot finish, whatever the machine's speed. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int die(const char *what)
{
    fprintf(stderr, "cutproxy: %s: %s\n", what, strerror(errno));
    exit(1);
}

int main(int argc, char **argv)
{
    if (argc < 4 || argc > 5 ||
        (strcmp(argv[2], "up") && strcmp(argv[2], "down")) ||
        (argc == 5 && strcmp(argv[4], "fin") && strcmp(argv[4], "hold"))) {
        fprintf(stderr, "usage: cutproxy UPSTREAM_PORT up|down N [fin|hold]\n");
        return 2;
    }
    int fin = argc == 5 && strcmp(argv[4], "fin") == 0;
    int hold = argc == 5 && strcmp(argv[4], "hold") == 0;
    int up_port = atoi(argv[1]);
    int cut_up = strcmp(argv[2], "up") == 0;
    long long limit = atoll(argv[3]);
    struct sockaddr_in a = {0};
    socklen_t alen = sizeof a;
    int one = 1;

    signal(SIGPIPE, SIG_IGN);
    alarm(60);
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    if (ls < 0)
        die("socket");
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(ls, (struct sockaddr *)&a, sizeof a) || listen(ls, 1) ||
        getsockname(ls, (struct sockaddr *)&a, &alen))
        die("listen");
    printf("%d\n", ntohs(a.sin_port));
    fflush(stdout);

    int c = accept(ls, NULL, NULL);
    if (c < 0)
        die("accept");
    close(ls);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    a.sin_port = htons((uint16_t)up_port);
    if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a))
        die("connect upstream");

    long long counted = 0;
    char buf[16384];
    struct pollfd p[2] = {{c, POLLIN, 0}, {s, POLLIN, 0}};
    int held = -1; /* the pollfd no longer read once held */
    for (;;) {
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            die("poll");
        }
        for (int i = 0; i < 2; i++) {
            if (i == held) { /* not read any more; its end still ends */
                if (p[i].revents & (POLLHUP | POLLERR))
                    goto done;
                continue;
            }
            if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            int from = p[i].fd, to = i == 0 ? s : c;
            int counts = (i == 0) == cut_up;
            size_t want = sizeof buf;
            if (counts && (long long)want > limit - counted)
                want = (size_t)(limit - counted);
            ssize_t n = read(from, buf, want);
            if (n <= 0)
                goto done;
            if (write(to, buf, (size_t)n) != n)
                goto done;
            if (counts) {
                counted += n;
                if (counted >= limit && hold) {
                    held = i;
                    p[i].events = 0; /* poll still reports a hang-up */
                    printf("held\n");
                    fflush(stdout);
                } else if (counted >= limit) {
                    goto done;
                }
            }
        }
    }
done:
    if (fin) {
        /* End of stream both ways, then wait (a while) for the client to
         * close: closing with its bytes unread would reset after all. */
        shutdown(c, SHUT_WR);
        shutdown(s, SHUT_WR);
        struct pollfd q = {c, POLLIN, 0};
        while (poll(&q, 1, 10000) > 0 && read(c, buf, sizeof buf) > 0)
            ;
        close(c);
        close(s);
        return 0;
    }
    /* A reset, not a polite close: the cut a dead network gives. */
    {
        struct linger lg = {1, 0};
        setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    }
    close(c);
    close(s);
    return 0;
}
