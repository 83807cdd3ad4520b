#include "engine/exe/venue_sets.h"

#include <algorithm>

#include <fmt/format.h>

#include "engine/core/check.h"

namespace sigex {
namespace {

constexpr std::uint8_t kNoMember = 0xFF;

// Instrument id -> the index of the member whose view lists it.
template <typename Member>
std::vector<std::uint8_t> owners(const InstrumentRegistry& instruments,
                                 const std::vector<Member>& members) {
  SIGEX_CHECK(members.size() < kNoMember, "too many venues");
  std::vector<std::uint8_t> owner(instruments.size(), kNoMember);
  for (std::size_t i = 0; i < members.size(); ++i) {
    for (const Instrument& instrument : members[i].instruments->all())
      owner[instrument.id] = static_cast<std::uint8_t>(i);
  }
  return owner;
}

template <typename Member>
std::string joined_venues(const std::vector<Member>& members) {
  std::string venues;
  for (const Member& member : members) venues += (venues.empty() ? "" : ", ") + member.venue;
  return venues;
}

// Each member's families, labelled with its venue when there are several.
template <typename Member, typename Write>
void write_scoped(MetricsExposition& out, const std::vector<Member>& members, Write write) {
  for (const Member& member : members) {
    if (members.size() > 1) out.scope(label("venue", member.venue));
    write(member);
  }
  out.scope("");
}

}  // namespace

// --- FeedSet ---------------------------------------------------------------------------------

FeedSet::FeedSet(const MarketDataConfig& config, const InstrumentRegistry& instruments,
                 EventQueue<InboundEvent>& queue, const Clock& clock) {
  for (const auto& settings : config.feeds) {
    Member member;
    member.venue = std::string(settings->venue());
    member.instruments = std::make_unique<InstrumentRegistry>(
        instruments.view(settings->venue(), config.feeds.size()));
    member.feed = settings->make_feed(*member.instruments, queue, clock);
    members_.push_back(std::move(member));
  }
  owner_ = owners(instruments, members_);
  venues_ = joined_venues(members_);
}

FeedSet::~FeedSet() { stop(); }

void FeedSet::request_resync(InstrumentId instrument) {
  if (instrument < owner_.size() && owner_[instrument] != kNoMember)
    members_[owner_[instrument]].feed->request_resync(instrument);
}

void FeedSet::set_frame_sink(FrameSink sink) {
  for (Member& member : members_) member.feed->set_frame_sink(sink);
}

bool FeedSet::start(std::string& error) {
  for (std::size_t i = 0; i < members_.size(); ++i) {
    if (members_[i].feed->start(error)) continue;
    if (members_.size() > 1) error = fmt::format("[market_data.{}]: {}", members_[i].venue, error);
    for (std::size_t started = 0; started < i; ++started) members_[started].feed->stop();
    return false;
  }
  return true;
}

void FeedSet::stop() {
  for (Member& member : members_) member.feed->stop();
}

FeedHealth FeedSet::health() const {
  FeedHealth all{true, "streaming", 0};
  for (const Member& member : members_) {
    const FeedHealth health = member.feed->health();
    all.reconnects += health.reconnects;
    if (all.streaming && !health.streaming) {
      all.streaming = false;
      all.state = health.state;
    }
  }
  return all;
}

std::string FeedSet::summary() const {
  if (members_.size() == 1) return members_.front().feed->summary();
  std::string text;
  for (const Member& member : members_)
    text += fmt::format("{}{}: {}", text.empty() ? "" : "; ", member.venue, member.feed->summary());
  return text;
}

void FeedSet::write_metrics(MetricsExposition& out, TimeNs now_ns) const {
  write_scoped(out, members_,
               [&](const Member& member) { member.feed->write_metrics(out, now_ns); });
}

void FeedSet::write_status(DaemonStatus& status, TimeNs now_ns) const {
  if (members_.size() == 1) {
    members_.front().feed->write_status(status, now_ns);
    return;
  }
  std::string states;
  std::uint64_t connects = 0, reconnects = 0;
  for (const Member& member : members_) {
    member.feed->write_status(status, now_ns);
    states +=
        fmt::format("{}{} {}", states.empty() ? "" : ", ", member.venue, status.market_data_state);
    connects += status.feed_connects;
    reconnects += status.feed_reconnects;
  }
  status.market_data_state = states;
  status.feed_connects = connects;
  status.feed_reconnects = reconnects;
}

std::uint64_t FeedSet::alerts() const {
  std::uint64_t alerts = 0;
  for (const Member& member : members_) alerts += member.feed->alerts();
  return alerts;
}

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
    Member member;
    member.venue = account.venue;
    member.instruments = std::make_unique<InstrumentRegistry>(
        instruments.view(account.venue, config.accounts.size()));
    member.account = account.settings->make_venue(*member.instruments, std::move(keys[i]), clock,
                                                  durability, error);
    if (!member.account) {
      if (config.accounts.size() > 1)
        error = fmt::format("[execution.{}]: {}", account.venue, error);
      return nullptr;
    }
    set->members_.push_back(std::move(member));
  }
  set->owner_ = owners(instruments, set->members_);
  set->venues_ = joined_venues(set->members_);
  return set;
}

AccountSet::~AccountSet() { stop(); }

LiveVenue& AccountSet::owner(InstrumentId instrument) const {
  SIGEX_CHECK(instrument < owner_.size() && owner_[instrument] != kNoMember,
              "an order for an instrument no account trades");
  return *members_[owner_[instrument]].account;
}

void AccountSet::send(const OrderCommand& command) { owner(command.instrument).send(command); }

void AccountSet::poll(TimeNs now_ns, std::vector<ExecutionEvent>& out) {
  for (Member& member : members_) member.account->poll(now_ns, out);
}

TimeNs AccountSet::next_event_time_ns() const {
  TimeNs next = kNever;
  for (const Member& member : members_) next = std::min(next, member.account->next_event_time_ns());
  return next;
}

bool AccountSet::normalize(Side side, OrderType type, Price& price, Quantity& quantity,
                           Price reference, InstrumentId instrument, std::string& why) const {
  return owner(instrument).normalize(side, type, price, quantity, reference, instrument, why);
}

bool AccountSet::start(std::string& error) {
  for (std::size_t i = 0; i < members_.size(); ++i) {
    if (members_[i].account->start(error)) continue;
    if (members_.size() > 1) error = fmt::format("[execution.{}]: {}", members_[i].venue, error);
    for (std::size_t started = 0; started < i; ++started) members_[started].account->stop();
    return false;
  }
  history_.clear();
  for (const Member& member : members_) {
    const auto& history = member.account->account_history();
    history_.insert(history_.end(), history.begin(), history.end());
  }
  return true;
}

void AccountSet::stop() {
  for (Member& member : members_) member.account->stop();
}

bool AccountSet::wait_for_answers(DurationNs timeout_ns) {
  // Each account has its own answer queue: wait on each in turn for a share of the time.
  const DurationNs share = timeout_ns / static_cast<DurationNs>(members_.size());
  for (Member& member : members_) {
    if (member.account->wait_for_answers(0)) return true;
  }
  for (Member& member : members_) {
    if (member.account->wait_for_answers(share)) return true;
  }
  return false;
}

std::vector<ExecutionEvent> AccountSet::history_fills(const AccountOrder& order) {
  return owner(order.instrument).history_fills(order);
}

std::vector<HeldQuantity> AccountSet::start_holdings() const {
  std::vector<HeldQuantity> holdings;
  for (const Member& member : members_) {
    const auto held = member.account->start_holdings();
    holdings.insert(holdings.end(), held.begin(), held.end());
  }
  return holdings;
}

DurationNs AccountSet::history_lookback_ns() const {
  DurationNs lookback = INT64_MAX;
  for (const Member& member : members_)
    lookback = std::min(lookback, member.account->history_lookback_ns());
  return lookback;
}

void AccountSet::set_wire_latency(LatencyHistogram* histogram) {
  for (Member& member : members_) member.account->set_wire_latency(histogram);
}

bool AccountSet::rotate_keys(VenueKeys keys, std::string& error) {
  if (members_.size() != 1) {
    error = "several accounts: each rotates its own keys";
    return false;
  }
  return members_.front().account->rotate_keys(std::move(keys), error);
}

std::string AccountSet::key_fingerprint() const {
  if (members_.size() == 1) return members_.front().account->key_fingerprint();
  std::string fingerprints;
  for (const Member& member : members_) {
    fingerprints += fmt::format("{}{} {}", fingerprints.empty() ? "" : ", ", member.venue,
                                member.account->key_fingerprint());
  }
  return fingerprints;
}

std::size_t AccountSet::keys_retiring() const {
  std::size_t retiring = 0;
  for (const Member& member : members_) retiring += member.account->keys_retiring();
  return retiring;
}

void AccountSet::write_metrics(MetricsExposition& out, TimeNs now_ns) const {
  write_scoped(out, members_,
               [&](const Member& member) { member.account->write_metrics(out, now_ns); });
}

void AccountSet::write_status(DaemonStatus& status, TimeNs now_ns) const {
  if (members_.size() == 1) {
    members_.front().account->write_status(status, now_ns);
    return;
  }
  std::uint64_t waiting = 0;
  std::int64_t max_wait_s = 0;
  bool banned = false;
  std::string reasons;
  for (const Member& member : members_) {
    DaemonStatus own;
    member.account->write_status(own, now_ns);
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

std::uint64_t AccountSet::alerts() const {
  std::uint64_t alerts = 0;
  for (const Member& member : members_) alerts += member.account->alerts();
  return alerts;
}

}  // namespace sigex
