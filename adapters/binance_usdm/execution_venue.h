#pragma once

// The live Binance USD-M perpetuals venue: the spot venue's order handling (write-ahead,
// deferred sends, unknown outcomes resolved by lookup and proof of absence, fills deduplicated
// by trade id, bans, clock skew) over the fapi endpoints, with what is USD-M's own
// (../shared/reference/binance-usdm-futures.md):
//  * start-up: the account must be in one-way position mode; each perpetual is set to cross
//    margin and to its configured leverage; the positions (positionRisk) are what the engine
//    compares with the journal; funding payments of the history lookback are handed on;
//  * orders: reduceOnly, RESULT answers (no fills[]: the trades are read from userTrades),
//    -4116 (duplicate id) resolved by lookup like spot's -2010, -2019/-2022 final;
//  * a reduce-only order under the minimum notional is sent (Binance exempts it);
//  * the user data stream (listenKey): ORDER_TRADE_UPDATE for sigex's orders; orders the
//    venue minted itself (liquidation `autoclose-…`, ADL) become venue fills; FUNDING_FEE
//    account updates trigger a funding read; MARGIN_CALL raises an alert;
//  * funding: GET /fapi/v1/income (FUNDING_FEE), each payment handed on once (by its time);
//  * positions: compared with what the fills explain periodically and after every recovery;
//    a liquidation missed while the stream was down is found in the order history (venue ids)
//    and handed on; a difference nothing explains raises an alert.

#include <atomic>
#include <map>
#include <set>

#include "adapters/binance/execution_venue.h"
#include "adapters/binance_usdm/config.h"
#include "adapters/binance_usdm/parse_account.h"
#include "adapters/binance_usdm/parse_user_stream.h"

namespace sigex {

struct UsdmCounters {
  std::atomic<std::uint64_t> funding_payments{0};
  std::atomic<std::uint64_t> venue_fills{0};
  std::atomic<std::uint64_t> margin_calls{0};
  std::atomic<std::uint64_t> position_checks{0};
  std::atomic<std::uint64_t> position_mismatches{0};
};

class UsdmExecutionVenue final : public BinanceExecutionVenue {
 public:
  UsdmExecutionVenue(const InstrumentRegistry& instruments, UsdmExecutionConfig config,
                     Secret api_key, std::unique_ptr<RequestSigner> signer, const Clock& clock,
                     boost::asio::ssl::context& tls, const DurabilityWatermark& durability);
  UsdmExecutionVenue(const InstrumentRegistry& instruments, UsdmExecutionConfig config,
                     Secret api_key, std::unique_ptr<RequestSigner> signer, const Clock& clock,
                     std::unique_ptr<boost::asio::ssl::context> tls,
                     const DurabilityWatermark& durability);
  // Stops the threads before this part of the object goes: they call its hooks.
  ~UsdmExecutionVenue() override;
  UsdmExecutionVenue(const UsdmExecutionVenue&) = delete;
  UsdmExecutionVenue& operator=(const UsdmExecutionVenue&) = delete;

  const UsdmCounters& usdm_counters() const { return usdm_counters_; }
  void write_metrics(MetricsExposition& out, TimeNs now_ns) const override;

 protected:
  bool check_listing(const Instrument& instrument, const SymbolFilters& filters,
                     std::string& error) override;
  bool read_account(std::string& error) override;
  // The cash asset's wallet balance (GET /fapi/v3/balance) into start_cash_.
  bool read_wallet(const Instrument& instrument, std::string& error);
  std::unique_ptr<UserStreamChannel> make_user_stream(std::string& error) override;
  std::optional<std::int64_t> read_holding(const Instrument& instrument) override;
  void poll_cash() override;  // the wallet (GET /fapi/v3/balance)
  void after_rejection(std::int32_t code) override;
  void after_recovery() override;
  void periodic(TimeNs now_ns) override;
  bool waives(FilterFailure failure, Side side, Quantity quantity,
              InstrumentId instrument) const override;

 private:
  bool configure_account(std::string& error);
  std::optional<std::vector<UsdmPositionRisk>> read_positions(std::string& error);
  void poll_funding(TimeNs now_ns);
  // Positions against holdings_; a difference is looked for in the venue's own orders first.
  void check_positions();
  // False when the order history or a trade list could not be read.
  bool hand_on_venue_orders(const Instrument& instrument);
  // A fill of an order the venue minted itself, as a kVenueFill event (any thread).
  void hand_on_venue_fill(const VenueFill& fill, Side side, InstrumentId instrument,
                          const ClientOrderId& id, VenueOrderId order_id, TimeNs fallback_time_ns);
  void on_event(const UsdmUserEvent& event);  // the stream's I/O thread
  void on_order_update(const UsdmOrderUpdate& update);

  UsdmExecutionConfig usdm_;
  UsdmCounters usdm_counters_;
  std::atomic<bool> funding_requested_{false};
  // I/O thread (and start()).
  TimeNs next_funding_poll_ns_ = 0;
  std::int64_t funding_from_ms_ = 0;
  std::set<std::uint64_t> funding_seen_;  // transaction ids handed on
  TimeNs next_position_check_ns_ = 0;
  std::int64_t venue_orders_from_ms_ = 0;          // where the next search for venue orders starts
  std::set<InstrumentId> mismatched_;              // differences seen once (reported on the second)
  std::map<InstrumentId, std::int64_t> reported_;  // the exchange amount last reported
};

}  // namespace sigex
