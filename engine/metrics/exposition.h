#pragma once

// Prometheus text exposition, one family at a time. The daemon renders every component's
// families into one of these on the core thread, so one scrape is one consistent snapshot.

#include <string>
#include <string_view>

#include "engine/metrics/latency_histogram.h"

namespace sigex {

class MetricsExposition {
 public:
  void family(std::string_view name, std::string_view type, std::string_view help);
  // `labels`: "" or one or more label("key", "value") joined by commas.
  void sample(std::string_view name, std::string_view labels, double value);
  // A family with one unlabelled sample.
  void single(std::string_view name, std::string_view type, std::string_view help, double value);
  void histogram(std::string_view name, std::string_view help, const LatencyHistogram& histogram);
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

// key="value" with the value escaped as the text format requires.
std::string label(std::string_view key, std::string_view value);

}  // namespace sigex
