#pragma once

// Token Metrics test fixtures: a waiter that records delays instead of sleeping, rows shaped
// like the API's, and a client configuration pointed at the loopback simulator.

#include <string>
#include <vector>

#include "adapters/net/waiter.h"
#include "adapters/token_metrics/config.h"
#include "engine/core/calendar.h"
#include "engine/core/simulated_clock.h"
#include "tools/tm_simulator/tm_simulator.h"

namespace sigex::testing {

class RecordingWaiter final : public Waiter {
 public:
  bool wait_for(DurationNs duration_ns) override {
    delays.push_back(duration_ns);
    return !stop;
  }
  bool stopped() const override { return stop; }
  std::vector<DurationNs> delays;
  bool stop = false;
};

inline std::string daily_row(std::int64_t token, const std::string& date, int signal,
                             const std::string& grade) {
  return R"({"TOKEN_ID":)" + std::to_string(token) +
         R"(,"TOKEN_NAME":"Bitcoin","TOKEN_SYMBOL":"BTC","DATE":")" + date +
         R"(T00:00:00.000Z","TRADING_SIGNAL":)" + std::to_string(signal) +
         R"(,"TOKEN_TREND":1,"TRADING_SIGNALS_RETURNS":1.5,"HOLDING_RETURNS":2.5,"TM_TRADER_GRADE":)" +
         grade + R"(,"TM_INVESTOR_GRADE":50.0,"TM_LINK":"https://app.tokenmetrics.com/bitcoin"})";
}

// A daily signal row for `token` (`symbol`) dated `date` (YYYY-MM-DD) with a trader grade of
// 80, served by `simulator` from now on.
inline void add_daily_signal(TmSimulator& simulator, std::int64_t token, const std::string& symbol,
                             const std::string& date, int signal) {
  const std::string row = R"({"TOKEN_ID":)" + std::to_string(token) + R"(,"TOKEN_NAME":")" +
                          symbol + R"(","TOKEN_SYMBOL":")" + symbol + R"(","DATE":")" + date +
                          R"(T00:00:00.000Z","TRADING_SIGNAL":)" + std::to_string(signal) +
                          R"(,"TOKEN_TREND":1,"TRADING_SIGNALS_RETURNS":1.5,"HOLDING_RETURNS":2.5,)"
                          R"("TM_TRADER_GRADE":80.0,"TM_INVESTOR_GRADE":50.0})";
  std::string error;
  if (!simulator.add_item("trading-signals", row, error)) throw std::runtime_error(error);
}

// `days` daily rows for BTC (3375) starting at 2025-01-01, signal 1 every 5th day.
inline void add_daily_rows(TmSimulator& simulator, int days, std::int64_t token = 3375) {
  const TimeNs start = parse_utc_timestamp("2025-01-01").value();
  for (int day = 0; day < days; ++day) {
    std::string error;
    const std::string date = format_utc_date(start + day * kNsPerDay);
    const bool ok = simulator.add_item(
        "trading-signals",
        daily_row(token, date, day % 5 == 0 ? 1 : 0, std::to_string(40 + day % 50) + ".25"), error);
    if (!ok) throw std::runtime_error(error);
  }
}

inline TokenMetricsConfig simulator_config(const TmSimulator& simulator) {
  TokenMetricsConfig config;
  config.enabled = true;
  config.base_url = simulator.base_url();
  config.timeouts = {2 * kNsPerSecond, 2 * kNsPerSecond, 5 * kNsPerSecond};
  config.max_attempts = 3;
  config.backoff_initial_ns = 100 * kNsPerMs;
  config.backoff_max_ns = kNsPerSecond;
  config.random_seed = 7;
  config.hourly_signals.enabled = false;
  config.grades.enabled = false;
  return config;
}

}  // namespace sigex::testing
