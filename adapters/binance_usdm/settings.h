#pragma once

// Binance USD-M perpetuals as a venue of the registry (engine/ports/venue_registry.h): its
// [market_data.binance_usdm] table, its keys of [execution] (venue = "binance_usdm"), and the
// factories for its two-route feed and its live venue. The keys Binance's markets share are
// read by the spot entry's readers (adapters/binance/settings.h); USD-M's own are here.

#include <memory>

#include "adapters/binance_usdm/config.h"
#include "adapters/binance_usdm/market_data_feed.h"
#include "engine/ports/venue_registry.h"

namespace sigex {

class UsdmMarketDataSettings final : public MarketDataSettings {
 public:
  std::string_view venue() const override { return "binance_usdm"; }
  std::size_t largest_snapshot_records() const override {
    return static_cast<std::size_t>(config.feed.snapshot_limit) * 4;
  }
  std::unique_ptr<MarketDataFeed> make_feed(const InstrumentRegistry& instruments,
                                            EventQueue<InboundEvent>& queue,
                                            const Clock& clock) const override;
  // Perpetuals from the feed's rest_url; spot pairs from the production spot API.
  bool complete_instruments(std::vector<Instrument>& instruments, std::string_view cash_asset,
                            std::string& error) const override;
  bool list_symbols(InstrumentKind kind, std::vector<VenueSymbol>& symbols,
                    std::string& error) const override;

  UsdmMarketDataConfig config;
};

class UsdmExecutionSettings final : public ExecutionSettings {
 public:
  std::string_view venue() const override { return "binance_usdm"; }
  DurationNs recv_window_ns() const override { return config.binance.rest.recv_window_ns; }
  bool trades(InstrumentKind kind) const override { return kind == InstrumentKind::kPerpetual; }
  std::unique_ptr<LiveVenue> make_venue(const InstrumentRegistry& instruments, VenueKeys keys,
                                        const Clock& clock, const DurabilityWatermark& durability,
                                        std::string& error) const override;

  UsdmExecutionConfig config;
  std::string key_type = "hmac";
};

const VenueType& binance_usdm_venue_type();

}  // namespace sigex
