// protobuf-c, opened on first use: the dnstap export's messages (the generated dnstap.pb-c.c calls
// these). See shared_library.h.
#include <protobuf-c/protobuf-c.h>

#include "ondemand/shared_library.h"

namespace {
constexpr dnswitness::ondemand::SharedLibrary kProtobufC{"libprotobuf-c.so.1", "libprotobuf-c1", "the dnstap export"};
}  // namespace

extern "C" {

DNSWITNESS_ON_DEMAND(kProtobufC, size_t, protobuf_c_message_get_packed_size, (const ProtobufCMessage* message),
                     (message))
DNSWITNESS_ON_DEMAND(kProtobufC, size_t, protobuf_c_message_pack, (const ProtobufCMessage* message, uint8_t* out),
                     (message, out))
DNSWITNESS_ON_DEMAND(kProtobufC, size_t, protobuf_c_message_pack_to_buffer,
                     (const ProtobufCMessage* message, ProtobufCBuffer* buffer), (message, buffer))
DNSWITNESS_ON_DEMAND(kProtobufC, ProtobufCMessage*, protobuf_c_message_unpack,
                     (const ProtobufCMessageDescriptor* descriptor, ProtobufCAllocator* allocator, size_t length,
                      const uint8_t* data),
                     (descriptor, allocator, length, data))
DNSWITNESS_ON_DEMAND(kProtobufC, void, protobuf_c_message_free_unpacked,
                     (ProtobufCMessage * message, ProtobufCAllocator* allocator), (message, allocator))

}  // extern "C"
