// libpcap, opened on first use: the pcap export. See shared_library.h.
#include <pcap/pcap.h>

#include "ondemand/shared_library.h"

namespace {
constexpr dnswitness::ondemand::SharedLibrary kPcap{"libpcap.so.0.8", "libpcap0.8", "the pcap export"};
}  // namespace

extern "C" {

DNSWITNESS_ON_DEMAND(kPcap, pcap_t*, pcap_open_dead_with_tstamp_precision,
                     (int linktype, int snaplen, u_int precision), (linktype, snaplen, precision))
DNSWITNESS_ON_DEMAND(kPcap, void, pcap_close, (pcap_t * pcap), (pcap))
DNSWITNESS_ON_DEMAND(kPcap, char*, pcap_geterr, (pcap_t * pcap), (pcap))
DNSWITNESS_ON_DEMAND(kPcap, pcap_dumper_t*, pcap_dump_fopen, (pcap_t * pcap, FILE* file), (pcap, file))
DNSWITNESS_ON_DEMAND(kPcap, FILE*, pcap_dump_file, (pcap_dumper_t * dumper), (dumper))
DNSWITNESS_ON_DEMAND(kPcap, int, pcap_dump_flush, (pcap_dumper_t * dumper), (dumper))
DNSWITNESS_ON_DEMAND(kPcap, void, pcap_dump_close, (pcap_dumper_t * dumper), (dumper))
DNSWITNESS_ON_DEMAND(kPcap, void, pcap_dump, (u_char * user, const struct pcap_pkthdr* header, const u_char* bytes),
                     (user, header, bytes))

}  // extern "C"
