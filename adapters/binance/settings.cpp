#include "adapters/binance/settings.h"

#include <boost/asio/ssl/context.hpp>

#include "adapters/binance/execution_venue.h"
#include "adapters/binance/instrument_rules.h"
#include "adapters/binance/market_data_feed.h"
#include "adapters/binance/signer.h"
#include "adapters/net/http_session.h"
#include "adapters/net/url.h"

namespace sigex {
namespace {

std::unique_ptr<MarketDataSettings> read_market_data(ConfigSection& section) {
  auto settings = std::make_unique<BinanceMarketDataSettings>();
  read_binance_feed_keys(section, settings->config);
  section.finish();
  return settings;
}

std::unique_ptr<ExecutionSettings> read_execution(ConfigSection& section) {
  auto settings = std::make_unique<BinanceExecutionSettings>();
  read_binance_execution_keys(section, settings->config, settings->key_type);
  BinanceExecutionConfig& binance = settings->config;
  section.text("ws_api_url", binance.ws_api_url);
  if (!binance.ws_api_url.empty()) {
    if (const auto url = parse_url(binance.ws_api_url); !url || !may_carry_secrets(*url)) {
      section.error("ws_api_url",
                    "must be a wss:// URL (ws:// only for a loopback simulator), or \"\" for none");
    }
  }
  return settings;
}

}  // namespace

void read_binance_feed_keys(ConfigSection& section, BinanceMarketDataConfig& binance) {
  const bool usdm = binance.market == BinanceMarket::kUsdm;
  section.text("ws_url", binance.ws_url);
  section.text("rest_url", binance.rest_url);
  section.text("tls_ca_file", binance.tls_ca_file);
  section.boolean("book_ticker", binance.book_ticker);
  section.text("trade_stream", binance.trade_stream);
  if (usdm && binance.trade_stream != "aggTrade" && binance.trade_stream != "none") {
    section.error("trade_stream",
                  "expected \"aggTrade\" or \"none\" (USD-M has no raw trade stream)");
  } else if (binance.trade_stream != "trade" && binance.trade_stream != "aggTrade" &&
             binance.trade_stream != "none") {
    section.error("trade_stream", "expected \"trade\", \"aggTrade\" or \"none\"");
  }
  section.boolean("depth", binance.depth);
  section.text("depth_speed", binance.depth_speed);
  if (usdm && binance.depth_speed != "100ms" && binance.depth_speed != "250ms" &&
      binance.depth_speed != "500ms") {
    section.error("depth_speed", "expected \"100ms\", \"250ms\" or \"500ms\"");
  } else if (!usdm && binance.depth_speed != "100ms" && binance.depth_speed != "1000ms") {
    section.error("depth_speed", "expected \"100ms\" or \"1000ms\"");
  }
  if (usdm) section.boolean("mark_price", binance.mark_price);
  section.integer("snapshot_limit", binance.snapshot_limit, 5, 5000);
  section.milliseconds("connect_timeout_ms", binance.connect_timeout_ns, 100, 120'000);
  section.milliseconds("handshake_timeout_ms", binance.handshake_timeout_ns, 100, 120'000);
  section.milliseconds("idle_timeout_ms", binance.idle_timeout_ns, 1000, 600'000);
  section.milliseconds("stale_after_ms", binance.stale_after_ns, 100, 600'000);
  section.milliseconds("watchdog_interval_ms", binance.watchdog_interval_ns, 10, 60'000);
  section.milliseconds("reconnect_after_ms", binance.reconnect_after_ns, 60'000,
                       24LL * 3'600'000 - 60'000);
  section.milliseconds("backoff_initial_ms", binance.backoff_initial_ns, 1, 60'000);
  section.milliseconds("backoff_max_ms", binance.backoff_max_ns, 1, 600'000);
  section.milliseconds("snapshot_timeout_ms", binance.snapshot_timeout_ns, 100, 120'000);
  section.milliseconds("snapshot_retry_ms", binance.snapshot_retry_ns, 10, 600'000);
  if (binance.backoff_max_ns < binance.backoff_initial_ns) {
    section.error("backoff_max_ms", "must not be below backoff_initial_ms");
  }
  if (binance.stale_after_ns <= binance.watchdog_interval_ns) {
    section.error("stale_after_ms", "must be longer than watchdog_interval_ms");
  }
}

void read_binance_execution_keys(ConfigSection& section, BinanceExecutionConfig& binance,
                                 std::string& key_type) {
  section.text("key_type", key_type);
  if (key_type != "hmac" && key_type != "ed25519") {
    section.error("key_type", "expected \"hmac\" or \"ed25519\"");
  }
  binance.key_type = key_type;
  section.text("rest_url", binance.rest.rest_url);
  if (const auto url = parse_url(binance.rest.rest_url); !url || !may_carry_secrets(*url)) {
    section.error("rest_url", "must be an https:// URL (http:// only for a loopback simulator)");
  }
  section.milliseconds("connect_timeout_ms", binance.rest.timeouts.connect_ns, 100, 120'000);
  section.milliseconds("handshake_timeout_ms", binance.rest.timeouts.handshake_ns, 100, 120'000);
  section.milliseconds("request_timeout_ms", binance.rest.timeouts.request_ns, 100, 120'000);
  section.milliseconds("recv_window_ms", binance.rest.recv_window_ns, 100, 60'000);
  section.milliseconds("max_clock_skew_ms", binance.rest.max_clock_skew_ns, 1, 60'000);
  section.seconds("clock_check_interval_s", binance.clock_check_interval_ns, 10, 86'400);
  binance.rest.clock_sample_max_age_ns = 2 * binance.clock_check_interval_ns;
  section.milliseconds("poll_interval_ms", binance.poll_interval_ns, 50, 600'000);
  section.seconds("stream_poll_interval_s", binance.stream_poll_interval_ns, 1, 86'400);
  section.seconds("balance_interval_s", binance.balance_interval_ns, 1, 86'400);
  section.integer("weight_per_minute", binance.rest.weight_per_minute, 1, 1'000'000);
  section.integer("orders_per_10s", binance.rest.orders_per_10s, 1, 1'000'000);
  section.integer("orders_per_day", binance.rest.orders_per_day, 0, 100'000'000);
  section.seconds("max_order_wait_s", binance.max_order_wait_ns, 1, 86'400);
  section.seconds("history_lookback_s", binance.history_lookback_ns, 0, 90LL * 86'400);
}

std::optional<BinanceVenueParts> binance_venue_parts(const std::string& key_type, Secret secret,
                                                     std::string& error) {
  BinanceVenueParts parts;
  parts.signer = make_signer(key_type, std::move(secret), error);
  if (!parts.signer) return std::nullopt;
  parts.tls = std::make_unique<boost::asio::ssl::context>(make_client_tls_context("", error));
  if (!error.empty()) return std::nullopt;
  return parts;
}

namespace {

// The feed's rest_url for its own market, production for the other one.
std::string rest_url_of(const BinanceMarketDataConfig& config, BinanceMarket market) {
  return config.market == market ? config.rest_url : binance_rest_url(market);
}

BinanceMarket market_of(InstrumentKind kind) {
  return kind == InstrumentKind::kPerpetual ? BinanceMarket::kUsdm : BinanceMarket::kSpot;
}

}  // namespace

bool complete_from_feed_venue(const BinanceMarketDataConfig& config,
                              std::vector<Instrument>& instruments, std::string_view cash_asset,
                              std::string& error) {
  return complete_instruments_from_binance(
      instruments, cash_asset, rest_url_of(config, BinanceMarket::kSpot),
      rest_url_of(config, BinanceMarket::kUsdm), config.tls_ca_file, error);
}

bool list_feed_venue_symbols(const BinanceMarketDataConfig& config, InstrumentKind kind,
                             std::vector<VenueSymbol>& symbols, std::string& error) {
  return list_binance_symbols(market_of(kind), rest_url_of(config, market_of(kind)),
                              config.tls_ca_file, symbols, error);
}

bool BinanceMarketDataSettings::complete_instruments(std::vector<Instrument>& instruments,
                                                     std::string_view cash_asset,
                                                     std::string& error) const {
  return complete_from_feed_venue(config, instruments, cash_asset, error);
}

bool BinanceMarketDataSettings::list_symbols(InstrumentKind kind, std::vector<VenueSymbol>& symbols,
                                             std::string& error) const {
  return list_feed_venue_symbols(config, kind, symbols, error);
}

std::unique_ptr<MarketDataFeed> BinanceMarketDataSettings::make_feed(
    const InstrumentRegistry& instruments, EventQueue<InboundEvent>& queue,
    const Clock& clock) const {
  return std::make_unique<BinanceMarketDataFeed>(config, instruments, queue, clock);
}

std::unique_ptr<LiveVenue> BinanceExecutionSettings::make_venue(
    const InstrumentRegistry& instruments, VenueKeys keys, const Clock& clock,
    const DurabilityWatermark& durability, std::string& error) const {
  auto parts = binance_venue_parts(key_type, std::move(keys.api_secret), error);
  if (!parts) return nullptr;
  return std::make_unique<BinanceExecutionVenue>(instruments, config, std::move(keys.api_key),
                                                 std::move(parts->signer), clock,
                                                 std::move(parts->tls), durability);
}

const VenueType& binance_venue_type() {
  static const VenueType type{
      "binance",
      read_market_data,
      read_execution,
      {"binance-api-key", "", "SIGEX_BINANCE_API_KEY", "Binance API key"},
      {"binance-api-secret", "", "SIGEX_BINANCE_API_SECRET",
       "Binance API secret or Ed25519 private key"},
  };
  return type;
}

}  // namespace sigex
