#pragma once

// Binance spot as a venue of the registry (engine/ports/venue_registry.h): its
// [market_data.binance] table, its keys of [execution], and the factories for its market data
// feed and its live venue. Every key is declared, read and validated here.

#include <memory>
#include <optional>

#include <boost/asio/ssl/context.hpp>

#include "adapters/binance/config.h"
#include "adapters/binance/signer.h"
#include "engine/ports/venue_registry.h"

namespace sigex {

class BinanceMarketDataSettings final : public MarketDataSettings {
 public:
  std::string_view venue() const override { return "binance"; }
  std::size_t largest_snapshot_records() const override {
    // 2 records per level, plus room for the stream.
    return static_cast<std::size_t>(config.snapshot_limit) * 4;
  }
  std::unique_ptr<MarketDataFeed> make_feed(const InstrumentRegistry& instruments,
                                            EventQueue<InboundEvent>& queue,
                                            const Clock& clock) const override;
  // Spot pairs from rest_url; perpetuals from the production USD-M API.
  bool complete_instruments(std::vector<Instrument>& instruments, std::string_view cash_asset,
                            std::string& error) const override;
  bool list_symbols(InstrumentKind kind, std::vector<VenueSymbol>& symbols,
                    std::string& error) const override;

  BinanceMarketDataConfig config;
};

class BinanceExecutionSettings final : public ExecutionSettings {
 public:
  std::string_view venue() const override { return "binance"; }
  DurationNs recv_window_ns() const override { return config.rest.recv_window_ns; }
  bool trades(InstrumentKind kind) const override { return kind == InstrumentKind::kSpot; }
  std::unique_ptr<LiveVenue> make_venue(const InstrumentRegistry& instruments, VenueKeys keys,
                                        const Clock& clock, const DurabilityWatermark& durability,
                                        std::string& error) const override;

  BinanceExecutionConfig config;
  std::string key_type = "hmac";  // "hmac" (secret) or "ed25519" (PKCS#8 PEM private key)
};

const VenueType& binance_venue_type();

// The keys Binance's markets share, for the USD-M entry (adapters/binance_usdm/settings.h):
// the feed's endpoints, streams, timeouts and backoff (allowed values by config.market), and
// the execution part's key type, REST endpoint, timeouts, polling, waits and history.
void read_binance_feed_keys(ConfigSection& section, BinanceMarketDataConfig& config);
void read_binance_execution_keys(ConfigSection& section, BinanceExecutionConfig& config,
                                 std::string& key_type);
// What every Binance venue is built with: its signer (HMAC over the secret, or Ed25519 from a
// PKCS#8 PEM key) and a TLS context of its own. nullopt with `error` when either fails.
struct BinanceVenueParts {
  std::unique_ptr<RequestSigner> signer;
  std::unique_ptr<boost::asio::ssl::context> tls;
};
// Instrument rules and symbol lists from the feed's REST endpoint for its own market, from
// the production API for the other (for the USD-M entry too).
bool complete_from_feed_venue(const BinanceMarketDataConfig& config,
                              std::vector<Instrument>& instruments, std::string_view cash_asset,
                              std::string& error);
bool list_feed_venue_symbols(const BinanceMarketDataConfig& config, InstrumentKind kind,
                             std::vector<VenueSymbol>& symbols, std::string& error);

std::optional<BinanceVenueParts> binance_venue_parts(const std::string& key_type, Secret secret,
                                                     std::string& error);

}  // namespace sigex
