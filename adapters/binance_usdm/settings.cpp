#include "adapters/binance_usdm/settings.h"

#include <boost/asio/ssl/context.hpp>

#include "adapters/binance/settings.h"
#include "adapters/binance_usdm/execution_venue.h"
#include "adapters/net/http_session.h"
#include "adapters/net/url.h"

namespace sigex {
namespace {

std::unique_ptr<MarketDataSettings> read_market_data(ConfigSection& section) {
  auto settings = std::make_unique<UsdmMarketDataSettings>();
  UsdmMarketDataConfig& usdm = settings->config;
  read_binance_feed_keys(section, usdm.feed);
  section.text("market_ws_url", usdm.market_ws_url);
  if (const auto url = parse_url(usdm.market_ws_url);
      !url || (url->scheme != "ws" && url->scheme != "wss")) {
    section.error("market_ws_url", "expected a ws:// or wss:// URL (the /market route)");
  }
  const std::string_view snapshot_limits[] = {"5", "10", "20", "50", "100", "500", "1000"};
  if (std::find(std::begin(snapshot_limits), std::end(snapshot_limits),
                std::to_string(usdm.feed.snapshot_limit)) == std::end(snapshot_limits)) {
    section.error("snapshot_limit", "USD-M depth snapshots take 5, 10, 20, 50, 100, 500 or 1000");
  }
  section.finish();
  return settings;
}

std::unique_ptr<ExecutionSettings> read_execution(ConfigSection& section) {
  auto settings = std::make_unique<UsdmExecutionSettings>();
  UsdmExecutionConfig& usdm = settings->config;
  read_binance_execution_keys(section, usdm.binance, settings->key_type);
  section.text("user_stream_url", usdm.user_stream_url);
  if (!usdm.user_stream_url.empty()) {
    if (const auto url = parse_url(usdm.user_stream_url); !url || !may_carry_secrets(*url)) {
      section.error("user_stream_url",
                    "must be a wss:// URL (ws:// only for a loopback simulator), or \"\" for none");
    }
  }
  section.seconds("listen_key_keepalive_s", usdm.listen_key_keepalive_ns, 1, 3000);
  section.seconds("funding_poll_interval_s", usdm.funding_poll_interval_ns, 1, 28'800);
  section.seconds("position_check_interval_s", usdm.position_check_interval_ns, 1, 3600);
  return settings;
}

}  // namespace

bool UsdmMarketDataSettings::complete_instruments(std::vector<Instrument>& instruments,
                                                  std::string_view cash_asset,
                                                  std::string& error) const {
  return complete_from_feed_venue(config.feed, instruments, cash_asset, error);
}

bool UsdmMarketDataSettings::list_symbols(InstrumentKind kind, std::vector<VenueSymbol>& symbols,
                                          std::string& error) const {
  return list_feed_venue_symbols(config.feed, kind, symbols, error);
}

std::unique_ptr<MarketDataFeed> UsdmMarketDataSettings::make_feed(
    const InstrumentRegistry& instruments, EventQueue<InboundEvent>& queue,
    const Clock& clock) const {
  return std::make_unique<UsdmMarketDataFeed>(config, instruments, queue, clock);
}

std::unique_ptr<LiveVenue> UsdmExecutionSettings::make_venue(const InstrumentRegistry& instruments,
                                                             VenueKeys keys, const Clock& clock,
                                                             const DurabilityWatermark& durability,
                                                             std::string& error) const {
  auto parts = binance_venue_parts(key_type, std::move(keys.api_secret), error);
  if (!parts) return nullptr;
  return std::make_unique<UsdmExecutionVenue>(instruments, config, std::move(keys.api_key),
                                              std::move(parts->signer), clock,
                                              std::move(parts->tls), durability);
}

const VenueType& binance_usdm_venue_type() {
  static const VenueType type{
      "binance_usdm",
      read_market_data,
      read_execution,
      // The same Binance API key (with futures trading enabled on it), looked for where the
      // spot venue looks.
      binance_venue_type().default_api_key,
      binance_venue_type().default_api_secret,
  };
  return type;
}

}  // namespace sigex
