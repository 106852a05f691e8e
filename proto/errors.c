/* errors.c: rnd_strerror() and rnd_errname() generated from RND_ERRNO_MAP. */
#include "errors.h"

const char *rnd_strerror(int err)
{
    switch (err) {
    case RND_OK:
        return "success";
#define RND_ERR_MSG_(name, msg)                                                \
    case RND_##name:                                                           \
        return msg;
        RND_ERRNO_MAP(RND_ERR_MSG_)
#undef RND_ERR_MSG_
    default:
        return "unknown error";
    }
}

const char *rnd_errname(int err)
{
    switch (err) {
    case RND_OK:
        return "OK";
#define RND_ERR_NAME_(name, msg)                                               \
    case RND_##name:                                                           \
        return #name;
        RND_ERRNO_MAP(RND_ERR_NAME_)
#undef RND_ERR_NAME_
    default:
        return "EUNKNOWN";
    }
}

int rnd_is_storage_error(int err)
{
    switch (err) {
    case RND_ESTORE:
    case RND_EMAPFULL:
    case RND_EDISKFULL:
    case RND_ECORRUPT:
    case RND_ESTOREVER:
    case RND_ELOCKED:
    case RND_EIO:
    case RND_ENOMEM:
        return 1;
    default:
        return 0;
    }
}
