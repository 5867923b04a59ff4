// libfstrm, opened on first use: the dnstap export's Frame Streams. See shared_library.h.
#include <fstrm.h>

#include "ondemand/shared_library.h"

namespace {
constexpr dnswitness::ondemand::SharedLibrary kFstrm{"libfstrm.so.0", "libfstrm0", "the dnstap export"};
}  // namespace

extern "C" {

DNSWITNESS_ON_DEMAND(kFstrm, struct fstrm_rdwr*, fstrm_rdwr_init, (void* obj), (obj))
DNSWITNESS_ON_DEMAND(kFstrm, fstrm_res, fstrm_rdwr_destroy, (struct fstrm_rdwr * *rdwr), (rdwr))
DNSWITNESS_ON_DEMAND(kFstrm, void, fstrm_rdwr_set_open, (struct fstrm_rdwr * rdwr, fstrm_rdwr_open_func fn),
                     (rdwr, fn))
DNSWITNESS_ON_DEMAND(kFstrm, void, fstrm_rdwr_set_close, (struct fstrm_rdwr * rdwr, fstrm_rdwr_close_func fn),
                     (rdwr, fn))
DNSWITNESS_ON_DEMAND(kFstrm, void, fstrm_rdwr_set_write, (struct fstrm_rdwr * rdwr, fstrm_rdwr_write_func fn),
                     (rdwr, fn))
DNSWITNESS_ON_DEMAND(kFstrm, struct fstrm_writer_options*, fstrm_writer_options_init, (void), ())
DNSWITNESS_ON_DEMAND(kFstrm, void, fstrm_writer_options_destroy, (struct fstrm_writer_options * *options), (options))
DNSWITNESS_ON_DEMAND(kFstrm, fstrm_res, fstrm_writer_options_add_content_type,
                     (struct fstrm_writer_options * options, const void* content_type, size_t length),
                     (options, content_type, length))
DNSWITNESS_ON_DEMAND(kFstrm, struct fstrm_writer*, fstrm_writer_init,
                     (const struct fstrm_writer_options* options, struct fstrm_rdwr** rdwr), (options, rdwr))
DNSWITNESS_ON_DEMAND(kFstrm, fstrm_res, fstrm_writer_destroy, (struct fstrm_writer * *writer), (writer))
DNSWITNESS_ON_DEMAND(kFstrm, fstrm_res, fstrm_writer_open, (struct fstrm_writer * writer), (writer))
DNSWITNESS_ON_DEMAND(kFstrm, fstrm_res, fstrm_writer_close, (struct fstrm_writer * writer), (writer))
DNSWITNESS_ON_DEMAND(kFstrm, fstrm_res, fstrm_writer_writev,
                     (struct fstrm_writer * writer, const struct iovec* iov, int iovcnt), (writer, iov, iovcnt))

}  // extern "C"
