// libzip, opened on first use: X's disclosure as a Word file (.docx). See shared_library.h.
#include <zip.h>

#include "ondemand/shared_library.h"

namespace {
constexpr dnswitness::ondemand::SharedLibrary kZip{"libzip.so.4", "libzip4", "reading a Word (.docx) file"};
}  // namespace

extern "C" {

DNSWITNESS_ON_DEMAND(kZip, zip_t*, zip_open, (const char* path, int flags, int* error), (path, flags, error))
DNSWITNESS_ON_DEMAND(kZip, zip_t*, zip_open_from_source, (zip_source_t * source, int flags, zip_error_t* error),
                     (source, flags, error))
DNSWITNESS_ON_DEMAND(kZip, int, zip_close, (zip_t * archive), (archive))
DNSWITNESS_ON_DEMAND(kZip, void, zip_discard, (zip_t * archive), (archive))
DNSWITNESS_ON_DEMAND(kZip, zip_error_t*, zip_get_error, (zip_t * archive), (archive))
DNSWITNESS_ON_DEMAND(kZip, void, zip_error_init, (zip_error_t * error), (error))
DNSWITNESS_ON_DEMAND(kZip, void, zip_error_fini, (zip_error_t * error), (error))
DNSWITNESS_ON_DEMAND(kZip, const char*, zip_error_strerror, (zip_error_t * error), (error))
DNSWITNESS_ON_DEMAND(kZip, const char*, zip_strerror, (zip_t * archive), (archive))
DNSWITNESS_ON_DEMAND(kZip, zip_file_t*, zip_fopen, (zip_t * archive, const char* name, zip_flags_t flags),
                     (archive, name, flags))
DNSWITNESS_ON_DEMAND(kZip, zip_int64_t, zip_fread, (zip_file_t * file, void* buffer, zip_uint64_t length),
                     (file, buffer, length))
DNSWITNESS_ON_DEMAND(kZip, int, zip_fclose, (zip_file_t * file), (file))
DNSWITNESS_ON_DEMAND(kZip, const char*, zip_file_strerror, (zip_file_t * file), (file))
DNSWITNESS_ON_DEMAND(kZip, zip_int64_t, zip_file_add,
                     (zip_t * archive, const char* name, zip_source_t* source, zip_flags_t flags),
                     (archive, name, source, flags))
DNSWITNESS_ON_DEMAND(kZip, int, zip_file_set_mtime,
                     (zip_t * archive, zip_uint64_t index, time_t mtime, zip_flags_t flags),
                     (archive, index, mtime, flags))
DNSWITNESS_ON_DEMAND(kZip, int, zip_stat, (zip_t * archive, const char* name, zip_flags_t flags, zip_stat_t* stat),
                     (archive, name, flags, stat))
DNSWITNESS_ON_DEMAND(kZip, void, zip_stat_init, (zip_stat_t * stat), (stat))
DNSWITNESS_ON_DEMAND(kZip, zip_source_t*, zip_source_buffer,
                     (zip_t * archive, const void* data, zip_uint64_t length, int freep),
                     (archive, data, length, freep))
DNSWITNESS_ON_DEMAND(kZip, zip_source_t*, zip_source_buffer_create,
                     (const void* data, zip_uint64_t length, int freep, zip_error_t* error),
                     (data, length, freep, error))
DNSWITNESS_ON_DEMAND(kZip, int, zip_source_open, (zip_source_t * source), (source))
DNSWITNESS_ON_DEMAND(kZip, zip_int64_t, zip_source_read, (zip_source_t * source, void* buffer, zip_uint64_t length),
                     (source, buffer, length))
DNSWITNESS_ON_DEMAND(kZip, int, zip_source_close, (zip_source_t * source), (source))
DNSWITNESS_ON_DEMAND(kZip, zip_error_t*, zip_source_error, (zip_source_t * source), (source))
DNSWITNESS_ON_DEMAND(kZip, void, zip_source_keep, (zip_source_t * source), (source))
DNSWITNESS_ON_DEMAND(kZip, void, zip_source_free, (zip_source_t * source), (source))

}  // extern "C"
