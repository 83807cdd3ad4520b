#include "engine/metrics/exposition.h"

#include <fmt/format.h>

namespace sigex {

void MetricsExposition::family(std::string_view name, std::string_view type,
                               std::string_view help) {
  out_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

void MetricsExposition::sample(std::string_view name, std::string_view labels, double value) {
  if (labels.empty()) {
    out_ += fmt::format("{} {}\n", name, value);
  } else {
    out_ += fmt::format("{}{{{}}} {}\n", name, labels, value);
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
    out_ += fmt::format("{}_bucket{{le=\"{}\"}} {}\n", name,
                        static_cast<double>(LatencyHistogram::kBoundsNs[i]) / 1e9,
                        histogram.cumulative(i));
  }
  const std::uint64_t count = histogram.count();
  out_ += fmt::format("{}_bucket{{le=\"+Inf\"}} {}\n{}_sum {}\n{}_count {}\n", name, count, name,
                      histogram.sum_seconds(), name, count);
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

}  // namespace sigex
