// libxml2, opened on first use: the XML inside a Word (.docx) file. See shared_library.h.
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "ondemand/shared_library.h"

namespace {
constexpr dnswitness::ondemand::SharedLibrary kXml{"libxml2.so.2", "libxml2", "reading a Word (.docx) file"};
}  // namespace

extern "C" {

DNSWITNESS_ON_DEMAND(kXml, void, xmlInitParser, (void), ())
DNSWITNESS_ON_DEMAND(kXml, xmlDocPtr, xmlReadMemory,
                     (const char* buffer, int size, const char* URL, const char* encoding, int options),
                     (buffer, size, URL, encoding, options))
DNSWITNESS_ON_DEMAND(kXml, void, xmlFreeDoc, (xmlDocPtr doc), (doc))
DNSWITNESS_ON_DEMAND(kXml, xmlNodePtr, xmlDocGetRootElement, (const xmlDoc* doc), (doc))
DNSWITNESS_ON_DEMAND(kXml, int, xmlStrEqual, (const xmlChar* a, const xmlChar* b), (a, b))

}  // extern "C"
