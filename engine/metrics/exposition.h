#pragma once

// Prometheus text exposition, one family at a time. The daemon renders every component's
// families into one of these on the core thread, so one scrape is one consistent snapshot.
// Components of the same kind (two market data feeds, two venues) declare the same families:
// each renders inside its own scope (scope("venue", "coinbase")), whose labels go on every
// sample, and a family declared again is the same family: one HELP and TYPE, its samples kept
// together as the text format requires.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/metrics/latency_histogram.h"

namespace sigex {

class MetricsExposition {
 public:
  void family(std::string_view name, std::string_view type, std::string_view help);
  // A sample of the family declared last. `labels`: "" or one or more label("key", "value")
  // joined by commas; the scope's labels come first.
  void sample(std::string_view name, std::string_view labels, double value);
  // A family with one sample (labelled with the scope only).
  void single(std::string_view name, std::string_view type, std::string_view help, double value);
  void histogram(std::string_view name, std::string_view help, const LatencyHistogram& histogram);
  // Labels put on every sample from now on ("" = none), e.g. label("venue", "coinbase").
  void scope(std::string labels) { scope_ = std::move(labels); }
  std::string take();

 private:
  struct Family {
    std::string header;
    std::string samples;
  };
  std::string labelled(std::string_view labels) const;

  std::vector<Family> families_;  // in the order first declared
  std::unordered_map<std::string, std::size_t> index_;
  std::size_t current_ = 0;
  std::string scope_;
};

// key="value" with the value escaped as the text format requires.
std::string label(std::string_view key, std::string_view value);

// sigex_hand_overs_total{thread,how}: the hand-overs `thread` ("journal", "venue") took while
// polling ([service] io_poll_us) and after waiting (HandOverPoll's counts).
void write_hand_over_metrics(MetricsExposition& out, std::string_view thread, std::uint64_t polled,
                             std::uint64_t woken);

}  // namespace sigex
