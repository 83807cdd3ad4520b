#include "engine/metrics/exposition.h"

#include <fmt/format.h>

#include "engine/core/check.h"

namespace sigex {

void MetricsExposition::family(std::string_view name, std::string_view type,
                               std::string_view help) {
  const auto [found, added] = index_.try_emplace(std::string(name), families_.size());
  current_ = found->second;
  if (!added) return;
  families_.push_back({fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type), {}});
}

std::string MetricsExposition::labelled(std::string_view labels) const {
  if (scope_.empty()) return std::string(labels);
  if (labels.empty()) return scope_;
  return fmt::format("{},{}", scope_, labels);
}

void MetricsExposition::sample(std::string_view name, std::string_view labels, double value) {
  SIGEX_CHECK(current_ < families_.size(), "a metric sample before its family");
  const std::string all = labelled(labels);
  std::string& out = families_[current_].samples;
  if (all.empty()) {
    out += fmt::format("{} {}\n", name, value);
  } else {
    out += fmt::format("{}{{{}}} {}\n", name, all, value);
  }
}

void MetricsExposition::single(std::string_view name, std::string_view type, std::string_view help,
                               double value) {
  family(name, type, help);
  sample(name, "", value);
}

void MetricsExposition::histogram(std::string_view name, std::string_view help,
                                  const LatencyHistogram& histogram) {
  family(name, "histogram", help);
  for (std::size_t i = 0; i < LatencyHistogram::kBoundsNs.size(); ++i) {
    sample(
        fmt::format("{}_bucket", name),
        label("le", fmt::format("{}", static_cast<double>(LatencyHistogram::kBoundsNs[i]) / 1e9)),
        static_cast<double>(histogram.cumulative(i)));
  }
  const std::uint64_t count = histogram.count();
  sample(fmt::format("{}_bucket", name), label("le", "+Inf"), static_cast<double>(count));
  sample(fmt::format("{}_sum", name), "", histogram.sum_seconds());
  sample(fmt::format("{}_count", name), "", static_cast<double>(count));
}

std::string MetricsExposition::take() {
  std::string out;
  for (const Family& family : families_) out += family.header + family.samples;
  families_.clear();
  index_.clear();
  current_ = 0;
  return out;
}

std::string label(std::string_view key, std::string_view value) {
  std::string escaped;
  for (const char c : value) {
    if (c == '"' || c == '\\') escaped += '\\';
    if (c == '\n') {
      escaped += "\\n";
      continue;
    }
    escaped += c;
  }
  return fmt::format("{}=\"{}\"", key, escaped);
}

void write_hand_over_metrics(MetricsExposition& out, std::string_view thread, std::uint64_t polled,
                             std::uint64_t woken) {
  out.family("sigex_hand_overs_total", "counter",
             "Work the core thread handed to another thread, by how that thread took it: "
             "polled (no wake-up call, [service] io_poll_us) or woken.");
  out.sample("sigex_hand_overs_total", label("thread", thread) + "," + label("how", "polled"),
             static_cast<double>(polled));
  out.sample("sigex_hand_overs_total", label("thread", thread) + "," + label("how", "woken"),
             static_cast<double>(woken));
}

}  // namespace sigex
