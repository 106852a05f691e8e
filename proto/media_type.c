/* media_type.c: the media types an attachment may have, by name (the
 * names proto/media.h's functions give and take). What the bytes are is
 * media.c's. */
#include <string.h>

#include "media.h"

static const char *const type_names[] = {
    [PROTO_MEDIA_JPEG] = "image/jpeg",
    [PROTO_MEDIA_PNG] = "image/png",
    [PROTO_MEDIA_WEBP] = "image/webp",
    [PROTO_MEDIA_PDF] = "application/pdf",
};

const char *proto_media_type(proto_media m)
{
    if ((int)m <= 0 || (size_t)m >= sizeof type_names / sizeof *type_names)
        return NULL;
    return type_names[m];
}

proto_media proto_media_from_type(const char *type)
{
    if (type == NULL)
        return PROTO_MEDIA_NONE;
    for (size_t i = 1; i < sizeof type_names / sizeof *type_names; i++)
        if (strcmp(type, type_names[i]) == 0)
            return (proto_media)i;
    return PROTO_MEDIA_NONE;
}
