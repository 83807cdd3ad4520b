// The Prometheus text exposition: a family declared again (a second feed or venue) is the same
// family, its samples kept together under one HELP and TYPE, each carrying its scope's labels.

#include <gtest/gtest.h>

#include "engine/metrics/exposition.h"

namespace sigex {
namespace {

TEST(MetricsExposition, FamiliesDeclaredTwiceAreOneGroupWithEachScopesLabels) {
  MetricsExposition out;
  out.scope(label("venue", "binance"));
  out.single("sigex_feed_connected", "gauge", "1 while streaming.", 1);
  out.family("sigex_feed_messages_total", "counter", "Messages.");
  out.sample("sigex_feed_messages_total", label("stream", "trade"), 5);
  out.scope(label("venue", "coinbase"));
  out.single("sigex_feed_connected", "gauge", "1 while streaming.", 0);
  out.family("sigex_feed_messages_total", "counter", "Messages.");
  out.sample("sigex_feed_messages_total", label("stream", "level2"), 7);
  out.scope("");
  out.single("sigex_up", "gauge", "Up.", 1);
  EXPECT_EQ(out.take(),
            "# HELP sigex_feed_connected 1 while streaming.\n"
            "# TYPE sigex_feed_connected gauge\n"
            "sigex_feed_connected{venue=\"binance\"} 1\n"
            "sigex_feed_connected{venue=\"coinbase\"} 0\n"
            "# HELP sigex_feed_messages_total Messages.\n"
            "# TYPE sigex_feed_messages_total counter\n"
            "sigex_feed_messages_total{venue=\"binance\",stream=\"trade\"} 5\n"
            "sigex_feed_messages_total{venue=\"coinbase\",stream=\"level2\"} 7\n"
            "# HELP sigex_up Up.\n"
            "# TYPE sigex_up gauge\n"
            "sigex_up 1\n");
  EXPECT_EQ(out.take(), "") << "take() empties it";
}

TEST(MetricsExposition, AHistogramCarriesTheScopeOnEveryLine) {
  MetricsExposition out;
  LatencyHistogram histogram;
  histogram.record(1'000);
  out.scope(label("venue", "coinbase"));
  out.histogram("sigex_wire_seconds", "Wire.", histogram);
  const std::string text = out.take();
  EXPECT_NE(text.find("sigex_wire_seconds_bucket{venue=\"coinbase\",le=\"+Inf\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("sigex_wire_seconds_count{venue=\"coinbase\"} 1\n"), std::string::npos)
      << text;
  EXPECT_EQ(text.find("_bucket{le="), std::string::npos) << text;
}

}  // namespace
}  // namespace sigex
