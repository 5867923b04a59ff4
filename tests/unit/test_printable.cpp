// Text from outside shown to people: control characters, bidirectional overrides and bytes that
// are not UTF-8 come out as escapes; everything else (Japanese included) unchanged.
#include <doctest/doctest.h>

#include "model/printable.h"

using namespace dnswitness;

TEST_CASE("printable escapes what could hide or reorder text, and nothing else") {
  CHECK(printable("x.com 令和8年(ワ)第123号 \\ ok") == "x.com 令和8年(ワ)第123号 \\ ok");
  CHECK(printable("a\x1b[2Jb\a") == "a\\x1B[2Jb\\x07");
  CHECK(printable("line\nnext\tcol") == "line\\x0Anext\\x09col");
  CHECK(printable("line\nnext\tcol", true) == "line\nnext\tcol");
  CHECK(printable("del\x7f") == "del\\x7F");
  CHECK(printable("\xc2\x85") == "\\u{0085}");                     // C1 NEL
  CHECK(printable("evil\xe2\x80\xae" "txt.exe") == "evil\\u{202E}txt.exe");  // RIGHT-TO-LEFT OVERRIDE
  CHECK(printable("\xe2\x81\xa6x\xe2\x81\xa9") == "\\u{2066}x\\u{2069}");
  CHECK(printable("\xef\xbb\xbf" "bom") == "\\u{FEFF}bom");
  CHECK(printable("\xff") == "\\xFF");
  CHECK(printable("\xe3\x81") == "\\xE3\\x81");                    // a cut-off kana
  CHECK(printable("\xc0\xaf") == "\\xC0\\xAF");                    // overlong '/'
  CHECK(printable("\xed\xa0\x80") == "\\xED\\xA0\\x80");           // a surrogate
  CHECK(printable(std::string("nul\0x", 5)) == "nul\\x00x");
  CHECK(is_printable("x.com 東京"));
  CHECK_FALSE(is_printable("a\x1b"));
  CHECK_FALSE(is_printable("\xff"));
  CHECK(is_printable("a\nb", true));
  CHECK_FALSE(is_printable("a\nb"));
}
