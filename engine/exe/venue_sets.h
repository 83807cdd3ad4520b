#pragma once

// One daemon, several venues. A FeedSet is every configured market data feed as one
// MarketDataFeed, an AccountSet every live account as one LiveVenue: the core, `sigex run` and
// `sigex record` use them exactly as they would use one. Each member sees only the instruments
// its venue serves (InstrumentRegistry::view: ids stay the registry's, so records need no
// translation); a resync, an order or a lookup goes to the member that serves its instrument;
// answers of all members come back through one poll(). With one member, a set is that member:
// metrics and status read as before. With several, each member's metrics carry a venue label
// and the status shows each venue.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/exe/app_config.h"
#include "engine/ports/live_venue.h"
#include "engine/ports/market_data_feed.h"

namespace sigex {

// The members of a set: one component (`Port`: a feed or an account) per venue, each over its
// venue's view of the instruments, and which member serves each instrument.
template <typename Port>
class VenueMembers {
 public:
  struct Member {
    std::string venue;
    std::unique_ptr<InstrumentRegistry> instruments;  // the view the member holds on to
    std::unique_ptr<Port> port;
  };

  // `venue`'s view of `instruments` (one of `venue_count` venues), to make its member over.
  static std::unique_ptr<InstrumentRegistry> view(const InstrumentRegistry& instruments,
                                                  std::string_view venue, std::size_t venue_count) {
    return std::make_unique<InstrumentRegistry>(instruments.view(venue, venue_count));
  }
  void add(Member member) { members_.push_back(std::move(member)); }
  // Once every member is added: which serves each instrument, and the venues' names.
  void index(const InstrumentRegistry& instruments);

  std::size_t size() const { return members_.size(); }
  const Member& operator[](std::size_t index) const { return members_[index]; }
  Port& port(std::size_t index) const { return *members_[index].port; }
  // The member that serves `instrument`, or null.
  Port* owner(InstrumentId instrument) const;
  const std::string& venues() const { return venues_; }
  auto begin() const { return members_.begin(); }
  auto end() const { return members_.end(); }
  // Every member's list of what `read` gives, one after another.
  template <typename Item>
  std::vector<Item> gather(std::vector<Item> (Port::*read)() const) const {
    std::vector<Item> all;
    for (const Member& member : members_) {
      const std::vector<Item> items = ((*member.port).*read)();
      all.insert(all.end(), items.begin(), items.end());
    }
    return all;
  }

  // Starts every member; when one cannot start, stops the ones started. `table` names the
  // member in the error when there are several ("market_data": "[market_data.coinbase]: ...").
  bool start(std::string& error, std::string_view table) const;
  void stop() const;
  std::uint64_t alerts() const;
  // Each member's families, labelled with its venue when there are several.
  void write_metrics(MetricsExposition& out, TimeNs now_ns) const;

 private:
  std::vector<Member> members_;
  std::vector<std::uint8_t> owner_;  // instrument id -> member
  std::string venues_;               // "binance" or "binance, coinbase"
};

class FeedSet final : public MarketDataFeed {
 public:
  // One feed per [market_data.<venue>] table, each over its venue's instruments: the venue's
  // own, or with source = "nats" the relay's records of that venue read from `relay`. The
  // queue must take `producers(config)` producers more than the caller's own.
  FeedSet(const MarketDataConfig& config, const InstrumentRegistry& instruments,
          EventQueue<InboundEvent>& queue, const Clock& clock, const NatsConfig& relay);
  ~FeedSet() override;
  FeedSet(const FeedSet&) = delete;
  FeedSet& operator=(const FeedSet&) = delete;

  static std::size_t producers(const MarketDataConfig& config) { return config.feeds.size(); }
  // "binance" or "binance, coinbase".
  const std::string& venues() const { return members_.venues(); }
  std::size_t size() const { return members_.size(); }
  const std::string& venue(std::size_t index) const { return members_[index].venue; }
  MarketDataFeed& member(std::size_t index) { return members_.port(index); }

  void request_resync(InstrumentId instrument) override;
  void set_frame_sink(FrameSink sink) override;
  // Starts every feed; when one cannot start, stops the ones started (false, its reason).
  bool start(std::string& error) override;
  void stop() override;
  // Streaming when every feed streams; otherwise the state of the first that does not.
  FeedHealth health() const override;
  std::string summary() const override;
  void write_metrics(MetricsExposition& out, TimeNs now_ns) const override;
  void write_status(DaemonStatus& status, TimeNs now_ns) const override;
  std::uint64_t alerts() const override;

 private:
  VenueMembers<MarketDataFeed> members_;
};

class AccountSet final : public LiveVenue {
 public:
  // Not started. False (null) with `error` when an account cannot be made.
  static std::unique_ptr<AccountSet> make(const ExecutionConfig& config,
                                          const InstrumentRegistry& instruments,
                                          std::vector<VenueKeys> keys, const Clock& clock,
                                          const DurabilityWatermark& durability,
                                          std::string& error);
  ~AccountSet() override;
  AccountSet(const AccountSet&) = delete;
  AccountSet& operator=(const AccountSet&) = delete;

  std::size_t size() const { return members_.size(); }
  const std::string& venue(std::size_t index) const { return members_[index].venue; }
  LiveVenue& account(std::size_t index) { return members_.port(index); }
  const LiveVenue& account(std::size_t index) const { return members_.port(index); }
  const std::string& venues() const { return members_.venues(); }

  void send(const OrderCommand& command) override;
  void poll(TimeNs now_ns, std::vector<ExecutionEvent>& out) override;
  TimeNs next_event_time_ns() const override;
  bool normalize(Side side, OrderType type, Price& price, Quantity& quantity, Price reference,
                 InstrumentId instrument, std::string& why) const override;

  bool start(std::string& error) override;
  void stop() override;
  bool wait_for_answers(DurationNs timeout_ns) override;
  const std::vector<AccountOrder>& account_history() const override { return history_; }
  std::vector<ExecutionEvent> history_fills(const AccountOrder& order) override;
  std::vector<HeldQuantity> start_holdings() const override;
  std::vector<HeldCash> start_cash() const override;  // each account's
  DurationNs history_lookback_ns() const override;
  void set_wire_latency(LatencyHistogram* histogram) override;
  void poll_for_commands(DurationNs window_ns) override;
  void rehearse_signing_every(DurationNs every_ns) override;
  // One account: rotates its keys. Several: refused (rotate each through account(i)).
  bool rotate_keys(VenueKeys keys, std::string& error) override;
  std::string key_fingerprint() const override;
  std::size_t keys_retiring() const override;

  void write_metrics(MetricsExposition& out, TimeNs now_ns) const override;
  void write_status(DaemonStatus& status, TimeNs now_ns) const override;
  std::uint64_t alerts() const override;

 private:
  AccountSet() = default;
  LiveVenue& owner(InstrumentId instrument) const;

  VenueMembers<LiveVenue> members_;
  std::vector<AccountOrder> history_;
};

}  // namespace sigex
