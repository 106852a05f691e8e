/* cmd_cert.h: the operator's certificate rotation, `roundsd cert
 * next|rotate|status`. The table ends with a NULL name; roundsd.c looks
 * commands up in it. */
#ifndef RND_SERVER_CMD_CERT_H
#define RND_SERVER_CMD_CERT_H

#include "cli.h"

extern const cli_command cli_cert_commands[];

#endif
