#pragma once

// Coinbase Advanced Trade as a venue of the registry (engine/ports/venue_registry.h): its
// [market_data.coinbase] table and the factories for its market data feed; the products
// endpoint completes instruments configured by product id alone and lists the venue's
// products for a [universe]. Every key is declared, read and validated here.

#include <memory>

#include "adapters/coinbase/config.h"
#include "adapters/coinbase/signer.h"
#include "engine/ports/venue_registry.h"

namespace sigex {

class CoinbaseMarketDataSettings final : public MarketDataSettings {
 public:
  std::string_view venue() const override { return "coinbase"; }
  // A level2 snapshot is one message: its levels, 1 record each, both sides.
  std::size_t largest_snapshot_records() const override { return 4096; }
  std::unique_ptr<MarketDataFeed> make_feed(const InstrumentRegistry& instruments,
                                            EventQueue<InboundEvent>& queue,
                                            const Clock& clock) const override;
  bool complete_instruments(std::vector<Instrument>& instruments, std::string_view cash_asset,
                            std::string& error) const override;
  bool list_symbols(InstrumentKind kind, std::vector<VenueSymbol>& symbols,
                    std::string& error) const override;
  bool load_keys(std::string& error) const override;
  std::vector<std::string> key_environment() const override;

  CoinbaseMarketDataConfig config;

 private:
  mutable std::shared_ptr<const CoinbaseSigner> signer_;  // load_keys()
};

class CoinbaseExecutionSettings final : public ExecutionSettings {
 public:
  std::string_view venue() const override { return "coinbase"; }
  // A create request can be accepted as long as its JWT is valid: 120 s.
  DurationNs recv_window_ns() const override { return kJwtLifetimeNs; }
  bool trades(InstrumentKind kind) const override { return kind == InstrumentKind::kSpot; }
  std::unique_ptr<LiveVenue> make_venue(const InstrumentRegistry& instruments, VenueKeys keys,
                                        const Clock& clock, const DurabilityWatermark& durability,
                                        std::string& error) const override;

  CoinbaseExecutionConfig config;
};

// The Coinbase keys of [execution]: REST endpoint, timeouts, retries, polling, waits, history.
void read_coinbase_execution_keys(ConfigSection& section, CoinbaseExecutionConfig& config);

const VenueType& coinbase_venue_type();

// GET <rest_url>/api/v3/brokerage/market/products (public; `product_ids` when given), with a
// wait for 429 Retry-After. The body as sent; false with `error` otherwise.
bool fetch_coinbase_products(const std::string& rest_url, const std::string& tls_ca_file,
                             const std::vector<std::string>& product_ids, std::string& body,
                             std::string& error);

}  // namespace sigex
