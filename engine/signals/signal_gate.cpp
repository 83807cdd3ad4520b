#include "engine/signals/signal_gate.h"

#include "engine/logging/log.h"

namespace sigex {
namespace {

constexpr std::string_view kKinds[] = {"daily_signal", "hourly_signal", "trader_grade", "tm_grade",
                                       "investor_grade"};

std::uint64_t kind_index(const InboundEvent& event) {
  if (event.kind == MarketEventKind::kTradingSignal) {
    return event.trading_signal.timeframe == SignalTimeframe::kDaily ? 0 : 1;
  }
  return 2 + static_cast<std::uint64_t>(event.grade.kind);
}

std::uint64_t key_of(std::uint64_t kind, TokenId token) {
  return (static_cast<std::uint64_t>(token) << 3) | kind;
}

TokenId token_of(const InboundEvent& event) {
  return event.kind == MarketEventKind::kTradingSignal ? event.trading_signal.token_id
                                                       : event.grade.token_id;
}

}  // namespace

std::string_view signal_kind(const InboundEvent& event) { return kKinds[kind_index(event)]; }

std::int64_t signal_value(const InboundEvent& event) {
  return event.kind == MarketEventKind::kTradingSignal ? event.trading_signal.signal
                                                       : event.grade.hundredths;
}

TimeNs signal_time(const InboundEvent& event) {
  return event.kind == MarketEventKind::kTradingSignal ? event.trading_signal.venue_time_ns
                                                       : event.grade.venue_time_ns;
}

SignalVerdict SignalLatest::classify(const InboundEvent& event) const {
  return classify(key_of(kind_index(event), token_of(event)), signal_time(event),
                  signal_value(event));
}

void SignalLatest::accept(const InboundEvent& event) {
  accept(key_of(kind_index(event), token_of(event)), signal_time(event), signal_value(event));
}

SignalVerdict SignalLatest::admit(const InboundEvent& event) {
  const SignalVerdict verdict = classify(event);
  if (verdict == SignalVerdict::kNew) accept(event);
  return verdict;
}

SignalVerdict SignalLatest::classify(std::uint64_t key, TimeNs venue_time_ns,
                                     std::int64_t value) const {
  const auto found = latest_.find(key);
  if (found == latest_.end()) return SignalVerdict::kNew;
  const Latest& latest = found->second;
  if (venue_time_ns < latest.venue_time_ns) return SignalVerdict::kOutdated;
  if (venue_time_ns == latest.venue_time_ns && value == latest.value)
    return SignalVerdict::kDuplicate;
  return SignalVerdict::kNew;
}

void SignalLatest::accept(std::uint64_t key, TimeNs venue_time_ns, std::int64_t value) {
  latest_[key] = Latest{venue_time_ns, value};
}

void SignalLatest::remember(std::string_view kind, TokenId token, TimeNs venue_time_ns,
                            std::int64_t value) {
  for (std::uint64_t index = 0; index < std::size(kKinds); ++index) {
    if (kKinds[index] == kind) {
      const std::uint64_t key = key_of(index, token);
      if (classify(key, venue_time_ns, value) == SignalVerdict::kNew)
        accept(key, venue_time_ns, value);
      return;
    }
  }
}

SignalGate::SignalGate(SignalGateConfig config, Journal& journal,
                       const InstrumentRegistry& instruments)
    : config_(config), journal_(journal), instruments_(instruments) {}

void SignalGate::restore() {
  for (const auto& row : journal_.load_signals()) {
    latest_.remember(row.kind, row.token_id, row.venue_time_ns, row.value);
  }
}

bool SignalGate::admit(const InboundEvent& event, TimeNs now_ns) {
  switch (latest_.classify(event)) {
    case SignalVerdict::kDuplicate:
      ++counters_.duplicates;
      return false;
    case SignalVerdict::kOutdated:
      ++counters_.outdated;
      return false;
    case SignalVerdict::kNew:
      break;
  }
  const bool is_signal = event.kind == MarketEventKind::kTradingSignal;
  DurationNs max_age = config_.max_grade_age_ns;
  if (is_signal) {
    max_age = event.trading_signal.timeframe == SignalTimeframe::kDaily
                  ? config_.max_daily_signal_age_ns
                  : config_.max_hourly_signal_age_ns;
  }
  const bool stale = now_ns - signal_time(event) > max_age;
  const InstrumentId instrument =
      is_signal ? event.trading_signal.instrument : event.grade.instrument;
  const SignalRow row{std::string(signal_kind(event)),
                      token_of(event),
                      std::string(instruments_.get(instrument).symbol.view()),
                      signal_time(event),
                      signal_value(event),
                      is_signal ? event.trading_signal.trend : 0,
                      event.receive_time_ns(),
                      stale ? "stale" : "delivered"};
  if (!journal_.record_signal(row)) {
    ++counters_.journal_failures;
    log_error("journal write failed while recording a {} signal: {}", row.kind,
              journal_.last_error());
    return false;
  }
  latest_.accept(event);
  if (stale) {
    ++counters_.stale;
    return false;
  }
  ++counters_.delivered;
  return true;
}

}  // namespace sigex
