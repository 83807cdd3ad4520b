#pragma once

// How venues join sigex without the composition root knowing them. Each venue folder
// (adapters/<venue>/) provides one VenueType: its name, how it reads its own configuration
// tables, and factories for its market data feed and its live venue. The composition root
// lists the types once (engine/exe/registry.cpp).
//
//   [market_data.<name>]   read by read_market_data: the venue's public streams
//   [execution]            venue = "<name>": the generic keys (where the keys are, the OMS's
//                          policy) are read by the composition root, the rest by read_execution

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/config/config_reader.h"
#include "engine/core/clock.h"
#include "engine/core/instrument.h"
#include "engine/core/secret.h"
#include "engine/events/events.h"
#include "engine/journal/durability.h"
#include "engine/ports/live_venue.h"
#include "engine/ports/market_data_feed.h"
#include "engine/queue/event_queue.h"

namespace sigex {

// One symbol the venue lists (for [universe] selection).
struct VenueSymbol {
  std::string symbol;
  std::string base_asset;
  std::string quote_asset;
  bool trading = false;  // the venue reports it open for trading
};

// One [market_data.<venue>] table, read and valid.
class MarketDataSettings {
 public:
  virtual ~MarketDataSettings() = default;
  virtual std::string_view venue() const = 0;
  // Records one snapshot puts on the queue at most (the queue must hold a whole one).
  virtual std::size_t largest_snapshot_records() const = 0;
  virtual std::unique_ptr<MarketDataFeed> make_feed(const InstrumentRegistry& instruments,
                                                    EventQueue<InboundEvent>& queue,
                                                    const Clock& clock) const = 0;
  // Completes the instruments configured by symbol alone (awaits_venue_rules()) with the
  // venue's published trading rules, asked at start-up. False with `error` when they cannot
  // be had or do not fit.
  virtual bool complete_instruments(std::vector<Instrument>& instruments,
                                    std::string_view cash_asset, std::string& error) const {
    (void)instruments;
    (void)cash_asset;
    error = std::string(venue()) +
            " publishes no trading rules: give tick_size, step_size, "
            "base_asset and quote_asset in [[instruments]]";
    return false;
  }
  // Reads the keys the feed signs with (if it has any), before the composition root removes
  // key variables from the environment; false with `error` when a configured key is unusable.
  virtual bool load_keys(std::string& error) const {
    (void)error;
    return true;
  }
  // The environment variables those keys may come from (removed once every key is read).
  virtual std::vector<std::string> key_environment() const { return {}; }
  // Every symbol of `kind` the venue lists now (a [universe] selects from them).
  virtual bool list_symbols(InstrumentKind kind, std::vector<VenueSymbol>& symbols,
                            std::string& error) const {
    (void)kind;
    (void)symbols;
    error = std::string(venue()) + " cannot list its symbols: list [[instruments]] instead";
    return false;
  }
};

// The venue-specific part of [execution], read and valid.
class ExecutionSettings {
 public:
  virtual ~ExecutionSettings() = default;
  virtual std::string_view venue() const = 0;
  // A request older than this cannot be accepted by the venue (the OMS's resolution policy).
  virtual DurationNs recv_window_ns() const = 0;
  // Whether the venue trades instruments of this kind (Binance: spot; Binance USD-M:
  // perpetuals). An instrument of another kind is a configuration error.
  virtual bool trades(InstrumentKind kind) const = 0;
  // Not started. `durability`: the journal's watermark; an order leaves only once durable.
  virtual std::unique_ptr<LiveVenue> make_venue(const InstrumentRegistry& instruments,
                                                VenueKeys keys, const Clock& clock,
                                                const DurabilityWatermark& durability,
                                                std::string& error) const = 0;
};

struct VenueType {
  std::string_view name;  // "binance"
  // Reads every key of `section` and calls section.finish().
  std::unique_ptr<MarketDataSettings> (*read_market_data)(ConfigSection& section);
  // Reads the venue's own keys of [execution]; the caller reads the generic ones and finishes.
  std::unique_ptr<ExecutionSettings> (*read_execution)(ConfigSection& section);
  // Where the keys are looked for when [execution] does not say (credential, env variable).
  SecretSource default_api_key;
  SecretSource default_api_secret;
};

}  // namespace sigex
