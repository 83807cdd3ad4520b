#include "adapters/coinbase/settings.h"

#include <chrono>
#include <thread>

#include <fmt/format.h>
#include <boost/asio/io_context.hpp>

#include "adapters/coinbase/execution_venue.h"
#include "adapters/coinbase/market_data_feed.h"
#include "adapters/coinbase/parse_products.h"
#include "adapters/net/http_client.h"
#include "adapters/net/http_session.h"
#include "adapters/net/url.h"

namespace sigex {
namespace {

std::unique_ptr<MarketDataSettings> read_market_data(ConfigSection& section) {
  auto settings = std::make_unique<CoinbaseMarketDataSettings>();
  CoinbaseMarketDataConfig& coinbase = settings->config;
  section.text("ws_url", coinbase.ws_url);
  if (const auto url = parse_url(coinbase.ws_url);
      !url || (url->scheme != "ws" && url->scheme != "wss")) {
    section.error("ws_url", "must be a wss:// URL (ws:// only for a loopback simulator)");
  }
  section.text("rest_url", coinbase.rest_url);
  if (const auto url = parse_url(coinbase.rest_url);
      !url || (url->scheme != "http" && url->scheme != "https")) {
    section.error("rest_url", "must be an https:// URL (http:// only for a loopback simulator)");
  }
  section.text("tls_ca_file", coinbase.tls_ca_file);
  section.boolean("level2", coinbase.level2);
  section.boolean("ticker", coinbase.ticker);
  section.boolean("market_trades", coinbase.market_trades);
  if (!coinbase.level2 && !coinbase.ticker) {
    section.error("ticker", "level2 or ticker must be on: strategies need a best bid and ask");
  }
  for (const char* forbidden : {"api_key", "api_secret", "private_key"}) {
    if (section.has(forbidden)) {
      section.error(forbidden,
                    "keys never go into the configuration file; use *_credential (systemd "
                    "LoadCredential=), *_file (mode 0600) or *_env");
    }
  }
  section.secret_source("api_key", coinbase.key_name);
  section.secret_source("api_secret", coinbase.private_key);
  section.milliseconds("connect_timeout_ms", coinbase.connect_timeout_ns, 100, 120'000);
  section.milliseconds("handshake_timeout_ms", coinbase.handshake_timeout_ns, 100, 120'000);
  section.milliseconds("idle_timeout_ms", coinbase.idle_timeout_ns, 1000, 600'000);
  section.milliseconds("stale_after_ms", coinbase.stale_after_ns, 100, 600'000);
  section.milliseconds("level2_stale_after_ms", coinbase.level2_stale_after_ns, 1000, 3'600'000);
  section.milliseconds("subscribe_timeout_ms", coinbase.subscribe_timeout_ns, 100, 120'000);
  section.milliseconds("watchdog_interval_ms", coinbase.watchdog_interval_ns, 10, 60'000);
  section.milliseconds("backoff_initial_ms", coinbase.backoff_initial_ns, 1, 60'000);
  section.milliseconds("backoff_max_ms", coinbase.backoff_max_ns, 1, 600'000);
  if (coinbase.backoff_max_ns < coinbase.backoff_initial_ns)
    section.error("backoff_max_ms", "must not be below backoff_initial_ms");
  if (coinbase.stale_after_ns <= coinbase.watchdog_interval_ns)
    section.error("stale_after_ms", "must be longer than watchdog_interval_ms");
  section.finish();
  return settings;
}

}  // namespace

bool fetch_coinbase_products(const std::string& rest_url, const std::string& tls_ca_file,
                             const std::vector<std::string>& product_ids, std::string& body,
                             std::string& error) {
  std::string target = "/api/v3/brokerage/market/products";
  for (std::size_t i = 0; i < product_ids.size(); ++i)
    target += fmt::format("{}product_ids={}", i == 0 ? "?" : "&", product_ids[i]);
  return fetch_public(rest_url, target, tls_ca_file, "Coinbase products", 10, body, error);
}

std::unique_ptr<MarketDataFeed> CoinbaseMarketDataSettings::make_feed(
    const InstrumentRegistry& instruments, EventQueue<InboundEvent>& queue,
    const Clock& clock) const {
  CoinbaseMarketDataConfig feed_config = config;
  if (signer_) feed_config.signer = signer_;
  return std::make_unique<CoinbaseMarketDataFeed>(feed_config, instruments, queue, clock);
}

bool CoinbaseMarketDataSettings::load_keys(std::string& error) const {
  auto signer = load_subscription_key(config, error);
  if (!signer) return error.empty();
  signer_ = std::move(*signer);
  return true;
}

std::vector<std::string> CoinbaseMarketDataSettings::key_environment() const {
  return {config.key_name.env, config.private_key.env};
}

bool CoinbaseMarketDataSettings::complete_instruments(std::vector<Instrument>& instruments,
                                                      std::string_view cash_asset,
                                                      std::string& error) const {
  std::vector<std::string> wanted;
  for (const Instrument& instrument : instruments) {
    if (instrument.kind != InstrumentKind::kSpot) {
      error = fmt::format("{}: Coinbase Advanced Trade trades spot products only",
                          instrument.symbol.view());
      return false;
    }
    if (instrument.awaits_venue_rules()) wanted.emplace_back(instrument.symbol.view());
  }
  if (wanted.empty()) return true;
  std::string body;
  if (!fetch_coinbase_products(config.rest_url, config.tls_ca_file, wanted, body, error))
    return false;
  auto products = parse_products(body);
  if (!products) return (error = "Coinbase products: " + products.error(), false);
  return apply_product_rules(instruments, *products, cash_asset, true, error);
}

bool CoinbaseMarketDataSettings::list_symbols(InstrumentKind kind,
                                              std::vector<VenueSymbol>& symbols,
                                              std::string& error) const {
  if (kind != InstrumentKind::kSpot)
    return (error = "Coinbase Advanced Trade lists spot products only", false);
  std::string body;
  if (!fetch_coinbase_products(config.rest_url, config.tls_ca_file, {}, body, error)) return false;
  auto products = parse_products(body);
  if (!products) return (error = "Coinbase products: " + products.error(), false);
  for (const auto& product : *products)
    symbols.push_back(
        {product.product_id, product.base_asset, product.quote_asset, product.trading});
  return true;
}

void read_coinbase_execution_keys(ConfigSection& section, CoinbaseExecutionConfig& coinbase) {
  section.text("rest_url", coinbase.rest_url);
  if (const auto url = parse_url(coinbase.rest_url); !url || !may_carry_secrets(*url)) {
    section.error("rest_url", "must be an https:// URL (http:// only for a loopback simulator)");
  }
  section.text("tls_ca_file", coinbase.tls_ca_file);
  section.milliseconds("connect_timeout_ms", coinbase.timeouts.connect_ns, 100, 120'000);
  section.milliseconds("handshake_timeout_ms", coinbase.timeouts.handshake_ns, 100, 120'000);
  section.milliseconds("request_timeout_ms", coinbase.timeouts.request_ns, 100, 120'000);
  section.integer("create_retries", coinbase.create_retries, 0, 10);
  section.milliseconds("create_retry_wait_ms", coinbase.create_retry_wait_ns, 0, 60'000);
  section.text("user_ws_url", coinbase.user_ws_url);
  if (!coinbase.user_ws_url.empty()) {
    if (const auto url = parse_url(coinbase.user_ws_url); !url || !may_carry_secrets(*url)) {
      section.error("user_ws_url",
                    "must be a wss:// URL (ws:// only for a loopback simulator), or \"\" for none");
    }
  }
  section.milliseconds("user_stale_after_ms", coinbase.user_stale_after_ns, 1000, 600'000);
  section.milliseconds("poll_interval_ms", coinbase.poll_interval_ns, 50, 600'000);
  section.seconds("stream_poll_interval_s", coinbase.stream_poll_interval_ns, 1, 86'400);
  section.seconds("balance_interval_s", coinbase.balance_interval_ns, 1, 86'400);
  section.seconds("max_order_wait_s", coinbase.max_order_wait_ns, 1, 86'400);
  section.seconds("history_lookback_s", coinbase.history_lookback_ns, 0, 90LL * 86'400);
}

std::unique_ptr<LiveVenue> CoinbaseExecutionSettings::make_venue(
    const InstrumentRegistry& instruments, VenueKeys keys, const Clock& clock,
    const DurabilityWatermark& durability, std::string& error) const {
  auto signer = CoinbaseSigner::make(std::move(keys.api_key), keys.api_secret, error);
  if (!signer) return nullptr;
  auto tls = std::make_unique<boost::asio::ssl::context>(
      make_client_tls_context(config.tls_ca_file, error));
  if (!error.empty()) return nullptr;
  return std::make_unique<CoinbaseExecutionVenue>(instruments, config, std::move(signer), clock,
                                                  std::move(tls), durability);
}

namespace {

std::unique_ptr<ExecutionSettings> read_execution(ConfigSection& section) {
  auto settings = std::make_unique<CoinbaseExecutionSettings>();
  read_coinbase_execution_keys(section, settings->config);
  return settings;
}

}  // namespace

const VenueType& coinbase_venue_type() {
  static const VenueType type{
      "coinbase",
      read_market_data,
      read_execution,
      {"coinbase-api-key", "", "SIGEX_COINBASE_API_KEY",
       "Coinbase CDP API key name (organizations/…/apiKeys/…)"},
      {"coinbase-api-secret", "", "SIGEX_COINBASE_API_SECRET",
       "Coinbase CDP API private key (EC PEM or base64 Ed25519)"},
  };
  return type;
}

}  // namespace sigex
