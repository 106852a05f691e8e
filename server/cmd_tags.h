/* cmd_tags.h: `roundsd tags init|keys|rotate|retire|payload|print`: the
 * office's per-site tag-signing keys (tags.h), the signed payloads of the
 * site's checkpoints for NFC tags, and sheets of their QR codes (SVG or
 * PDF) to print. The table ends with a NULL name; roundsd.c looks commands
 * up in it. */
#ifndef RND_SERVER_CMD_TAGS_H
#define RND_SERVER_CMD_TAGS_H

#include "cli.h"

extern const cli_command cli_tags_commands[];

#endif
