#include "engine/exe/venue_sets.h"

#include "adapters/nats/market_subscriber.h"

#include <algorithm>

#include <fmt/format.h>

#include "engine/core/check.h"

namespace sigex {
namespace {

constexpr std::uint8_t kNoMember = 0xFF;

}  // namespace

// --- VenueMembers ----------------------------------------------------------------------------

template <typename Port>
void VenueMembers<Port>::index(const InstrumentRegistry& instruments) {
  SIGEX_CHECK(members_.size() < kNoMember, "too many venues");
  owner_.assign(instruments.size(), kNoMember);
  venues_.clear();
  for (std::size_t i = 0; i < members_.size(); ++i) {
    for (const Instrument& instrument : members_[i].instruments->all())
      owner_[instrument.id] = static_cast<std::uint8_t>(i);
    venues_ += (venues_.empty() ? "" : ", ") + members_[i].venue;
  }
}

template <typename Port>
Port* VenueMembers<Port>::owner(InstrumentId instrument) const {
  if (instrument >= owner_.size() || owner_[instrument] == kNoMember) return nullptr;
  return members_[owner_[instrument]].port.get();
}

template <typename Port>
bool VenueMembers<Port>::start(std::string& error, std::string_view table) const {
  for (std::size_t i = 0; i < members_.size(); ++i) {
    if (members_[i].port->start(error)) continue;
    if (members_.size() > 1) error = fmt::format("[{}.{}]: {}", table, members_[i].venue, error);
    for (std::size_t started = 0; started < i; ++started) members_[started].port->stop();
    return false;
  }
  return true;
}

template <typename Port>
void VenueMembers<Port>::stop() const {
  for (const Member& member : members_) member.port->stop();
}

template <typename Port>
std::uint64_t VenueMembers<Port>::alerts() const {
  std::uint64_t alerts = 0;
  for (const Member& member : members_) alerts += member.port->alerts();
  return alerts;
}

template <typename Port>
void VenueMembers<Port>::write_metrics(MetricsExposition& out, TimeNs now_ns) const {
  for (const Member& member : members_) {
    if (members_.size() > 1) out.scope(label("venue", member.venue));
    member.port->write_metrics(out, now_ns);
  }
  out.scope("");
}

template class VenueMembers<MarketDataFeed>;
template class VenueMembers<LiveVenue>;

// --- FeedSet ---------------------------------------------------------------------------------

FeedSet::FeedSet(const MarketDataConfig& config, const InstrumentRegistry& instruments,
                 EventQueue<InboundEvent>& queue, const Clock& clock, const NatsConfig& relay) {
  for (const auto& settings : config.feeds) {
    auto view =
        VenueMembers<MarketDataFeed>::view(instruments, settings->venue(), config.feeds.size());
    std::unique_ptr<MarketDataFeed> feed =
        config.from_relay ? std::make_unique<NatsMarketDataFeed>(
                                relay, std::string(settings->venue()), *view, queue, clock)
                          : settings->make_feed(*view, queue, clock);
    members_.add({std::string(settings->venue()), std::move(view), std::move(feed)});
  }
  members_.index(instruments);
}

FeedSet::~FeedSet() { stop(); }

void FeedSet::request_resync(InstrumentId instrument) {
  if (MarketDataFeed* feed = members_.owner(instrument)) feed->request_resync(instrument);
}

void FeedSet::set_frame_sink(FrameSink sink) {
  for (const auto& member : members_) member.port->set_frame_sink(sink);
}

bool FeedSet::start(std::string& error) { return members_.start(error, "market_data"); }

void FeedSet::stop() { members_.stop(); }

FeedHealth FeedSet::health() const {
  FeedHealth all{true, "streaming", 0};
  for (const auto& member : members_) {
    const FeedHealth health = member.port->health();
    all.reconnects += health.reconnects;
    if (all.streaming && !health.streaming) {
      all.streaming = false;
      all.state = health.state;
    }
  }
  return all;
}

std::string FeedSet::summary() const {
  if (members_.size() == 1) return members_.port(0).summary();
  std::string text;
  for (const auto& member : members_)
    text += fmt::format("{}{}: {}", text.empty() ? "" : "; ", member.venue, member.port->summary());
  return text;
}

void FeedSet::write_metrics(MetricsExposition& out, TimeNs now_ns) const {
  members_.write_metrics(out, now_ns);
}

void FeedSet::write_status(DaemonStatus& status, TimeNs now_ns) const {
  if (members_.size() == 1) {
    members_.port(0).write_status(status, now_ns);
    return;
  }
  std::string states;
  std::uint64_t connects = 0, reconnects = 0;
  for (const auto& member : members_) {
    member.port->write_status(status, now_ns);
    states +=
        fmt::format("{}{} {}", states.empty() ? "" : ", ", member.venue, status.market_data_state);
    connects += status.feed_connects;
    reconnects += status.feed_reconnects;
  }
  status.market_data_state = states;
  status.feed_connects = connects;
  status.feed_reconnects = reconnects;
}

std::uint64_t FeedSet::alerts() const { return members_.alerts(); }

// --- AccountSet ------------------------------------------------------------------------------

std::unique_ptr<AccountSet> AccountSet::make(const ExecutionConfig& config,
                                             const InstrumentRegistry& instruments,
                                             std::vector<VenueKeys> keys, const Clock& clock,
                                             const DurabilityWatermark& durability,
                                             std::string& error) {
  SIGEX_CHECK(keys.size() == config.accounts.size(), "one key pair per account");
  std::unique_ptr<AccountSet> set(new AccountSet());
  for (std::size_t i = 0; i < config.accounts.size(); ++i) {
    const AccountConfig& account = config.accounts[i];
    auto view = VenueMembers<LiveVenue>::view(instruments, account.venue, config.accounts.size());
    auto venue = account.settings->make_venue(*view, std::move(keys[i]), clock, durability, error);
    if (!venue) {
      if (config.accounts.size() > 1)
        error = fmt::format("[execution.{}]: {}", account.venue, error);
      return nullptr;
    }
    set->members_.add({account.venue, std::move(view), std::move(venue)});
  }
  set->members_.index(instruments);
  return set;
}

AccountSet::~AccountSet() { stop(); }

LiveVenue& AccountSet::owner(InstrumentId instrument) const {
  LiveVenue* account = members_.owner(instrument);
  SIGEX_CHECK(account != nullptr, "an order for an instrument no account trades");
  return *account;
}

void AccountSet::send(const OrderCommand& command) { owner(command.instrument).send(command); }

void AccountSet::poll(TimeNs now_ns, std::vector<ExecutionEvent>& out) {
  for (const auto& member : members_) member.port->poll(now_ns, out);
}

TimeNs AccountSet::next_event_time_ns() const {
  TimeNs next = kNever;
  for (const auto& member : members_) next = std::min(next, member.port->next_event_time_ns());
  return next;
}

bool AccountSet::normalize(Side side, OrderType type, Price& price, Quantity& quantity,
                           Price reference, InstrumentId instrument, std::string& why) const {
  return owner(instrument).normalize(side, type, price, quantity, reference, instrument, why);
}

bool AccountSet::start(std::string& error) {
  if (!members_.start(error, "execution")) return false;
  history_.clear();
  for (const auto& member : members_) {
    const auto& history = member.port->account_history();
    history_.insert(history_.end(), history.begin(), history.end());
  }
  return true;
}

void AccountSet::stop() { members_.stop(); }

bool AccountSet::wait_for_answers(DurationNs timeout_ns) {
  // Each account has its own answer queue: wait on each in turn for a share of the time.
  for (const auto& member : members_) {
    if (member.port->wait_for_answers(0)) return true;
  }
  const DurationNs share = timeout_ns / static_cast<DurationNs>(members_.size());
  for (const auto& member : members_) {
    if (member.port->wait_for_answers(share)) return true;
  }
  return false;
}

std::vector<ExecutionEvent> AccountSet::history_fills(const AccountOrder& order) {
  return owner(order.instrument).history_fills(order);
}

std::vector<HeldQuantity> AccountSet::start_holdings() const {
  return members_.gather(&LiveVenue::start_holdings);
}

std::vector<HeldCash> AccountSet::start_cash() const {
  return members_.gather(&LiveVenue::start_cash);
}

DurationNs AccountSet::history_lookback_ns() const {
  DurationNs lookback = INT64_MAX;
  for (const auto& member : members_)
    lookback = std::min(lookback, member.port->history_lookback_ns());
  return lookback;
}

void AccountSet::set_wire_latency(LatencyHistogram* histogram) {
  for (const auto& member : members_) member.port->set_wire_latency(histogram);
}

void AccountSet::poll_for_commands(DurationNs window_ns) {
  for (const auto& member : members_) member.port->poll_for_commands(window_ns);
}

void AccountSet::rehearse_signing_every(DurationNs every_ns) {
  for (const auto& member : members_) member.port->rehearse_signing_every(every_ns);
}

bool AccountSet::rotate_keys(VenueKeys keys, std::string& error) {
  if (members_.size() != 1) {
    error = "several accounts: each rotates its own keys";
    return false;
  }
  return members_.port(0).rotate_keys(std::move(keys), error);
}

std::string AccountSet::key_fingerprint() const {
  if (members_.size() == 1) return members_.port(0).key_fingerprint();
  std::string fingerprints;
  for (const auto& member : members_) {
    fingerprints += fmt::format("{}{} {}", fingerprints.empty() ? "" : ", ", member.venue,
                                member.port->key_fingerprint());
  }
  return fingerprints;
}

std::size_t AccountSet::keys_retiring() const {
  std::size_t retiring = 0;
  for (const auto& member : members_) retiring += member.port->keys_retiring();
  return retiring;
}

void AccountSet::write_metrics(MetricsExposition& out, TimeNs now_ns) const {
  members_.write_metrics(out, now_ns);
}

void AccountSet::write_status(DaemonStatus& status, TimeNs now_ns) const {
  if (members_.size() == 1) {
    members_.port(0).write_status(status, now_ns);
    return;
  }
  std::uint64_t waiting = 0;
  std::int64_t max_wait_s = 0;
  bool banned = false;
  std::string reasons;
  for (const auto& member : members_) {
    DaemonStatus own;
    member.port->write_status(own, now_ns);
    waiting += own.orders_waiting;
    max_wait_s = std::max(max_wait_s, own.max_order_wait_s);
    banned |= own.banned;
    if (own.orders_waiting > 0) {
      reasons +=
          fmt::format("{}{}: {}", reasons.empty() ? "" : "; ", member.venue, own.waiting_reason);
    }
  }
  status.orders_waiting = waiting;
  status.waiting_reason = reasons;
  status.max_order_wait_s = max_wait_s;
  status.banned = banned;
}

std::uint64_t AccountSet::alerts() const { return members_.alerts(); }

}  // namespace sigex
