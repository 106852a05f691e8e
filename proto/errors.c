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

int rnd_exit_code(int err)
{
    if (rnd_is_storage_error(err))
        return RND_EXIT_STORAGE;
    switch (err) {
    case 0:
        return RND_EXIT_OK;
    case RND_EFIELD:
    case RND_EINVAL:
    case RND_EMEDIA: /* the file given is not one we take */
        return RND_EXIT_USAGE;
    case RND_ENOTFOUND:
    case RND_ENOTHELD: /* known, its bytes not here yet */
    case RND_ENOTINIT:
    case RND_ENOTENROLLED:
        return RND_EXIT_NOTFOUND;
    case RND_ETRANSITION:
    case RND_EEXIST:
    case RND_ELOCKOUT:
    case RND_EQUOTA:
        return RND_EXIT_REFUSED;
    case RND_ECONNECT:
    case RND_ETLS:
    case RND_ETIMEOUT:
    case RND_ECLOSED:
    case RND_EPROTO:
        return RND_EXIT_NETWORK;
    case RND_EAUTH:
    case RND_EREVOKED:
    case RND_EUNKNOWNDEV:
    case RND_ESITE:
    case RND_EFOREIGN:
    case RND_ECHAIN:
    case RND_EFORK:
    case RND_EVERSION:
    case RND_EBUSY:
    case RND_ECERT:
        return RND_EXIT_SERVER_REFUSED;
    default:
        return RND_EXIT_FAIL;
    }
}
