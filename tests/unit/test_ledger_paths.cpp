// Where the ledger lives: --ledger, then $DNSWITNESS_HOME, then $XDG_DATA_HOME/dnswitness, then
// ~/.local/share/dnswitness.
#include <doctest/doctest.h>

#include <cstdlib>

#include "ledger/store.h"

using namespace dnswitness;

TEST_CASE("ledger location precedence") {
  setenv("HOME", "/home/lawyer", 1);
  setenv("XDG_DATA_HOME", "/xdg", 1);
  setenv("DNSWITNESS_HOME", "/evidence", 1);
  CHECK(ledger_paths("/flag").dir == "/flag");
  CHECK(ledger_paths("").dir == "/evidence");
  CHECK(ledger_paths("").database() == "/evidence/ledger.sqlite");
  CHECK(ledger_paths("").private_key() == "/evidence/keys/ledger.key");
  unsetenv("DNSWITNESS_HOME");
  CHECK(ledger_paths("").dir == "/xdg/dnswitness");
  setenv("XDG_DATA_HOME", "", 1);
  CHECK(ledger_paths("").dir == "/home/lawyer/.local/share/dnswitness");
  unsetenv("XDG_DATA_HOME");
  CHECK(ledger_paths("").dir == "/home/lawyer/.local/share/dnswitness");
  unsetenv("HOME");
  CHECK_THROWS(ledger_paths(""));
  CHECK(ledger_paths("/flag").dir == "/flag");
}
