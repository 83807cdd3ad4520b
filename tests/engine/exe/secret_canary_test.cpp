// The API key never leaks. Every failure path of the Token Metrics intake runs with a canary
// key: rejected keys, payment required, rate limits, server errors, broken and slow answers,
// a removed endpoint, a budget that runs out, a key file others can read, a key written into
// the configuration, and the `sigex fetch-history` executable failing. Afterwards the canary
// must appear in no log line, no error message and no file written (state, outputs, captured
// stdout/stderr) — while the simulator proves the key was really sent.

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include "adapters/token_metrics/signal_poller.h"
#include "engine/exe/fetch_history_command.h"
#include "support/test_support.h"
#include "support/tm_support.h"

namespace sigex {
namespace {

using namespace sigex::testing;

constexpr const char* kCanary = "tm-canary-3f9b1c7e5a0d";

TEST(SecretCanary, NoFailurePathRevealsTheKey) {
  TemporaryDirectory directory;
  std::ostringstream log_lines;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log_lines);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("canary", sink));
  spdlog::set_level(spdlog::level::trace);
  std::vector<std::string> messages;

  TmSimulatorOptions simulator_options;
  simulator_options.api_key = kCanary;
  TmSimulator simulator(simulator_options);
  std::string error;
  ASSERT_TRUE(simulator.start(error)) << error;
  add_daily_rows(simulator, 40);

  // 1. The client, one fault at a time.
  TokenMetricsConfig config = simulator_config(simulator);
  config.max_attempts = 2;
  config.timeouts.request_ns = 200 * kNsPerMs;
  auto budget = CallBudget::open(directory.path() / "state", "token_metrics", 1000, 1, error);
  ASSERT_TRUE(budget) << error;
  SimulatedClock clock(parse_utc_timestamp("2025-02-10T00:05:00").value());
  RecordingWaiter waiter;
  boost::asio::ssl::context tls(boost::asio::ssl::context::tls_client);
  TmQuery query;
  query.token_ids = {3375};
  query.start_day_ns = parse_utc_timestamp("2025-01-01").value();
  query.end_day_ns = parse_utc_timestamp("2025-01-29").value();
  for (const TmFault fault :
       {TmFault::kUnauthorized, TmFault::kForbidden, TmFault::kPaymentRequired,
        TmFault::kRateLimited, TmFault::kRateLimitedNoHeader, TmFault::kServerError,
        TmFault::kTruncated, TmFault::kCutConnection, TmFault::kSuccessFalse, TmFault::kWrongTypes,
        TmFault::kNotFound, TmFault::kSlow}) {
    simulator.clear_faults();
    simulator.inject({fault, 1, 1000}, 2);
    TokenMetricsClient client(config, key_set_of(Secret(std::string(kCanary))), budget.get(), clock,
                              waiter, tls);
    messages.push_back(client.fetch(query).message);
  }
  simulator.clear_faults();
  TokenMetricsClient wrong_key(config, key_set_of(Secret(std::string(kCanary) + "-wrong")),
                               budget.get(), clock, waiter, tls);
  messages.push_back(wrong_key.fetch(query).message);

  // 2. The poller halting on a refused key.
  const InstrumentRegistry instruments = two_instruments();
  EventQueue<InboundEvent> queue(1024, 1);
  simulator.clear_faults();
  simulator.inject({TmFault::kUnauthorized});
  SignalPoller poller(config, instruments, queue, clock, key_set_of(Secret(std::string(kCanary))),
                      budget.get(), waiter, tls);
  poller.poll_due(clock.now_ns());
  EXPECT_TRUE(poller.halted());
  messages.push_back(poller.metrics().halt_reason);

  // 3. A budget that runs out.
  auto tiny = CallBudget::open(directory.path() / "tiny", "token_metrics", 1, 1, error);
  ASSERT_TRUE(tiny) << error;
  TokenMetricsClient starved(config, key_set_of(Secret(std::string(kCanary))), tiny.get(), clock,
                             waiter, tls);
  config.page_limit = 10;
  messages.push_back(starved.fetch(query).message);

  // 4. Key files others can read; a key written into the configuration.
  const auto key_file = directory.path() / "tm.key";
  std::ofstream(key_file) << kCanary << "\n";
  std::filesystem::permissions(key_file, std::filesystem::perms::owner_read |
                                             std::filesystem::perms::owner_write |
                                             std::filesystem::perms::group_read);
  const auto refused = load_secret({"", key_file.string(), "", "Token Metrics API key"});
  ASSERT_FALSE(refused);
  messages.push_back(refused.error());
  std::filesystem::remove(key_file);

  const auto config_path = directory.path() / "sigex.toml";
  std::ofstream(config_path)
      << "[engine]\nstate_dir = \"state-cli\"\n"
      << "[[instruments]]\nsymbol = \"BTCUSDT\"\nbase_asset = \"BTC\"\nquote_asset = \"USDT\"\n"
      << "tick_size = \"0.01\"\nstep_size = \"0.00001\"\ntoken_id = 3375\n"
      << "[token_metrics]\nbase_url = \"" << simulator.base_url() << "\"\n"
      << "api_key_env = \"SIGEX_CANARY_KEY\"\nmax_attempts = 2\nbackoff_initial_ms = 1\n"
      << "backoff_max_ms = 2\n[token_metrics.grades]\nenabled = false\n";
  const auto bad_config_path = directory.path() / "bad.toml";
  std::ofstream(bad_config_path) << read_file(config_path) << "api_key = \"" << kCanary << "\"\n";
  ConfigErrors errors;
  load_app_config(bad_config_path.string(), errors);
  ASSERT_FALSE(errors.empty());
  for (const auto& message : errors.messages()) messages.push_back(message);
  std::filesystem::remove(bad_config_path);  // the user's own file, not something sigex wrote

  // 5. The executable, failing: refused key, then server errors until it gives up.
  const std::string out = (directory.path() / "history.jsonl").string();
  const std::string command = std::string("SIGEX_CANARY_KEY=") + kCanary + " " + SIGEX_BINARY +
                              " fetch-history --config " + config_path.string() +
                              " --from 2025-01-01 --to 2025-01-31 --out " + out;
  simulator.clear_faults();
  simulator.inject({TmFault::kUnauthorized});
  EXPECT_NE(std::system((command + " >" + (directory.path() / "cli1.out").string() + " 2>" +
                         (directory.path() / "cli1.err").string())
                            .c_str()),
            0);
  simulator.clear_faults();
  simulator.inject({TmFault::kServerError}, 4);
  EXPECT_NE(std::system((command + " >" + (directory.path() / "cli2.out").string() + " 2>" +
                         (directory.path() / "cli2.err").string())
                            .c_str()),
            0);
  EXPECT_NE(read_file(directory.path() / "cli1.err").find("refused the API key"), std::string::npos)
      << read_file(directory.path() / "cli1.err");

  spdlog::set_default_logger(previous);

  // The key really travelled, to the simulator only.
  const auto keys = simulator.keys_seen();
  EXPECT_NE(std::find(keys.begin(), keys.end(), kCanary), keys.end());
  EXPECT_EQ(log_lines.str().find(kCanary), std::string::npos) << log_lines.str();
  EXPECT_FALSE(log_lines.str().empty());
  for (const auto& message : messages) {
    EXPECT_EQ(message.find(kCanary), std::string::npos) << message;
  }
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(directory.path())) {
    if (!entry.is_regular_file()) continue;
    ++files;
    EXPECT_EQ(read_file(entry.path()).find(kCanary), std::string::npos) << entry.path();
  }
  EXPECT_GE(files, 6u);  // config, budgets, captured output
}

}  // namespace
}  // namespace sigex
