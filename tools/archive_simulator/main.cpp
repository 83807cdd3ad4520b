// sigex-archive-sim: serves Binance public-data archives (listings, zips, checksums) and the
// kline / funding-rate REST endpoints on 127.0.0.1, from CSV rows, for demos and manual tests
// of `sigex fetch-market-data`.
//   sigex-archive-sim --port 18090 --daily-until 2024-02-01 --monthly-until 2024-02-01
//       --rows spot:klines:BTCUSDT:1m=btc-1m.csv --rows usdm:fundingRate:BTCUSDT=funding.csv
// Each rows file holds archive CSV lines without a header, times in milliseconds. Runs until
// interrupted.

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "engine/core/calendar.h"
#include "tools/archive_simulator/archive_simulator.h"
#include "tools/sim_http/stop_signal.h"

int main(int argc, char** argv) {
  CLI::App app{"sigex-archive-sim: loopback Binance public-data archive and kline REST server"};
  int port = 0;
  std::string daily_until, monthly_until;
  std::vector<std::string> rows;
  std::size_t page_size = 1000;
  app.add_option("--port", port, "port on 127.0.0.1 (0 = any free port)");
  app.add_option("--daily-until", daily_until, "daily files for days ending by this UTC day")
      ->required();
  app.add_option("--monthly-until", monthly_until,
                 "monthly files for months ending by this UTC day")
      ->required();
  app.add_option("--rows", rows, "MARKET:KIND:SYMBOL[:INTERVAL]=FILE (archive CSV lines)")
      ->required();
  app.add_option("--page-size", page_size, "keys per listing page (default 1000)");
  CLI11_PARSE(app, argc, argv);
  const sigex::StopSignals stop;

  sigex::ArchiveSimulatorOptions options;
  options.port = static_cast<std::uint16_t>(port);
  options.listing_page_size = page_size;
  const auto daily = sigex::parse_utc_timestamp(daily_until);
  const auto monthly = sigex::parse_utc_timestamp(monthly_until);
  if (!daily || !monthly) {
    std::fprintf(stderr, "sigex-archive-sim: --daily-until / --monthly-until: expected UTC days\n");
    return 2;
  }
  options.daily_until_ns = *daily;
  options.monthly_until_ns = *monthly;
  sigex::ArchiveSimulator simulator(options);
  for (const std::string& spec : rows) {
    const auto equals = spec.find('=');
    std::vector<std::string> parts;
    std::size_t start = 0;
    const std::string head = spec.substr(0, equals);
    while (true) {
      const auto colon = head.find(':', start);
      parts.push_back(head.substr(start, colon - start));
      if (colon == std::string::npos) break;
      start = colon + 1;
    }
    const auto kind = parts.size() >= 3 ? sigex::parse_archive_kind(parts[1]) : std::nullopt;
    std::ifstream in(equals == std::string::npos ? std::string() : spec.substr(equals + 1));
    if (equals == std::string::npos || !kind || (parts[0] != "spot" && parts[0] != "usdm") || !in) {
      std::fprintf(stderr,
                   "sigex-archive-sim: --rows %s: expected MARKET:KIND:SYMBOL[:INTERVAL]=FILE\n",
                   spec.c_str());
      return 2;
    }
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) lines.push_back(line);
    }
    simulator.add_rows(
        parts[0] == "usdm" ? sigex::BinanceMarket::kUsdm : sigex::BinanceMarket::kSpot, *kind,
        parts[2], parts.size() > 3 ? parts[3] : "", std::move(lines));
  }
  std::string error;
  if (!simulator.start(error)) {
    std::fprintf(stderr, "sigex-archive-sim: %s\n", error.c_str());
    return 2;
  }
  std::printf("sigex-archive-sim: %s\n", simulator.base_url().c_str());
  std::fflush(stdout);
  stop.wait();
  simulator.stop();
  return 0;
}
