#pragma once
// The systemd timer and service `dnswitness schedule` installs where systemd runs (PID 1 is
// systemd: /run/systemd/system exists).
//
// Role: the unit texts and where they go. The timer is aligned to the wall clock like watch
// (OnCalendar with a repetition, e.g. *:00/10:00 for 10m), Persistent=true so a run missed while
// the machine was off happens at boot, and RandomizedDelaySec for jitter. The service is a oneshot
// that runs `dnswitness watch --once ...`.
// Ownership: plain values. Thread-safety: all functions are thread-safe.
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace dnswitness {

inline constexpr const char* kSystemdUnitName = "dnswitness-watch";

bool systemd_is_running();
// ~/.config/systemd/user (user units) or /etc/systemd/system.
std::filesystem::path systemd_unit_dir(bool user);

// OnCalendar= value for runs every `interval`, or nullopt when systemd cannot align it (then the
// timer uses OnUnitActiveSec= instead).
std::optional<std::string> systemd_calendar(std::chrono::seconds interval);
std::string systemd_service_text(const std::vector<std::string>& argv);
std::string systemd_timer_text(std::chrono::seconds interval, std::chrono::seconds jitter);

}  // namespace dnswitness
