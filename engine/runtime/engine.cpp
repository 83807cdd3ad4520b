#include "engine/runtime/engine.h"

#include "engine/core/calendar.h"
#include "engine/core/check.h"
#include "engine/core/decimal.h"
#include "engine/core/int128.h"
#include "engine/logging/log.h"

namespace sigex {

class Engine::Context final : public StrategyContext {
 public:
  Context(Engine& engine, std::size_t index) : engine_(engine), index_(index) {}

  TimeNs now_ns() const override { return engine_.clock_.now_ns(); }
  const InstrumentRegistry& instruments() const override { return engine_.instruments_; }
  const Quote& quote(InstrumentId instrument) const override {
    return engine_.quotes_.quote(instrument);
  }
  bool is_tradeable(InstrumentId instrument) const override {
    return engine_.is_tradeable(instrument);
  }
  const OrderBook& book(InstrumentId instrument) const override {
    return engine_.books_[instrument].book();
  }
  const Position& position(InstrumentId instrument) const override {
    return engine_.portfolio_.position(instrument);
  }
  Money cash() const override { return engine_.portfolio_.cash(); }
  Money account_cash(InstrumentId instrument) const override {
    return engine_.spendable_cash(engine_.portfolio_.account_of(instrument));
  }
  Money equity() const override { return engine_.portfolio_.equity(engine_.quotes_); }
  Money available_margin(InstrumentId instrument) const override {
    return engine_.available_margin(engine_.portfolio_.account_of(instrument));
  }
  bool has_open_order(InstrumentId instrument) const override {
    return engine_.orders_.has_open_order(instrument);
  }
  std::optional<ClientOrderId> submit(const OrderIntent& intent) override {
    return engine_.submit(index_, intent);
  }
  bool cancel(const ClientOrderId& id) override {
    const Order* order = engine_.orders_.find(id.view());
    if (order == nullptr || order->strategy != index_) return false;
    return engine_.orders_.cancel(id, now_ns());
  }
  void set_timer(TimeNs at_ns, std::uint64_t tag) override {
    engine_.timers_.push(Timer{at_ns, engine_.timer_sequence_++, index_, tag});
  }

 private:
  Engine& engine_;
  std::size_t index_;
};

Engine::Engine(const InstrumentRegistry& instruments, const Clock& clock, Journal& journal,
               ExecutionVenue& venue, const RiskConfig& risk, Money starting_cash)
    : Engine(instruments, clock, journal, venue, risk, {CashAccount{VenueName{}, starting_cash}}) {}

Engine::Engine(const InstrumentRegistry& instruments, const Clock& clock, Journal& journal,
               ExecutionVenue& venue, const RiskConfig& risk, std::vector<CashAccount> accounts)
    : instruments_(instruments),
      clock_(clock),
      journal_(journal),
      venue_(venue),
      quotes_(instruments.size()),
      books_(instruments.size()),
      portfolio_(instruments, std::move(accounts)),
      venue_cash_(portfolio_.accounts().size()),
      risk_(risk),
      backoff_(risk.retry_backoff_initial_ns, risk.retry_backoff_max_ns),
      orders_(instruments, journal, venue) {
  execution_buffer_.reserve(256);
  instrument_states_.assign(instruments.size(), TradingState::kActive);
}

Engine::~Engine() = default;

void Engine::add_strategy(std::unique_ptr<Strategy> strategy) {
  contexts_.push_back(std::make_unique<Context>(*this, strategies_.size()));
  strategies_.push_back(std::move(strategy));
  strategy_disabled_.push_back(false);
}

std::vector<std::string> Engine::strategy_tags() const {
  std::vector<std::string> tags;
  for (const auto& strategy : strategies_) tags.emplace_back(strategy->tag());
  return tags;
}

void Engine::start() {
  // The portfolio is the sum of the journaled fills; those trades are never applied again.
  for (const FillRow& fill : journal_.load_fills()) {
    portfolio_.apply_fill(fill.instrument, fill.side, fill.price, fill.quantity, fill.fee);
    orders_.mark_trade_seen(fill.instrument, fill.trade_id);
  }
  for (const AccountEventRow& row : journal_.load_account_events()) book_account_event(row);
  orders_.restore_from_journal(clock_.now_ns());
  // Signals already acted on (or journaled as stale) are never delivered again.
  if (signal_gate_ != nullptr) signal_gate_->restore();
  restore_trading_states();
  for (std::size_t i = 0; i < strategies_.size(); ++i) strategies_[i]->on_start(*contexts_[i]);
}

void Engine::restore_trading_states() {
  for (const TradingStateRow& row : journal_.load_trading_states()) {
    const auto state = trading_state_from_string(row.state);
    SIGEX_CHECK(state.has_value(), "journal holds an unknown trading state");
    states_.set(row.scope, *state, row.reason, row.time_ns);
    if (*state != TradingState::kActive) {
      log_warn(
          "trading state {} is {} since the last run: {}; only an operator resumes it "
          "(sigex trading-state --set active)",
          row.scope, row.state, row.reason);
    }
  }
  equity_day_ = journal_.load_risk_mark("equity_day", -1);
  day_start_equity_ = Money{journal_.load_risk_mark("day_start_equity", 0)};
  peak_equity_ = Money{journal_.load_risk_mark("peak_equity", 0)};
  refresh_effective_states();
}

void Engine::refresh_effective_states() {
  for (InstrumentId id = 0; id < instruments_.size(); ++id) {
    instrument_states_[id] = states_.effective(instruments_.get(id).symbol.view());
  }
  for (std::size_t i = 0; i < strategies_.size(); ++i) {
    strategy_disabled_[i] = states_.strategy_disabled(strategies_[i]->tag());
  }
}

void Engine::set_trading_state(const std::string& scope, TradingState state, std::string reason) {
  const TimeNs now_ns = clock_.now_ns();
  if (!states_.set(scope, state, reason, now_ns)) return;
  journal_.record_trading_state({scope, std::string(to_string(state)), reason, now_ns});
  refresh_effective_states();
  if (state == TradingState::kActive) {
    log_info("trading state {} is ACTIVE: {}", scope, reason);
    return;
  }
  log_error("trading state {} is {}: {}", scope, to_string(state), reason);
  if (state != TradingState::kHalted) return;
  if (scope == kGlobalScope) {
    orders_.cancel_all(kNoInstrument, now_ns);
    return;
  }
  for (InstrumentId id = 0; id < instruments_.size(); ++id) {
    if (instrument_scope(instruments_.get(id).symbol.view()) == scope)
      orders_.cancel_all(id, now_ns);
  }
}

void Engine::check_loss_limits(TimeNs now_ns) {
  const RiskConfig& limits = risk_.config();
  if (limits.daily_loss_limit.raw <= 0 && limits.max_drawdown_bps <= 0) return;
  if (states_.get(kGlobalScope).state == TradingState::kHalted) return;
  const Money equity = portfolio_.equity(quotes_);
  const std::int64_t day = now_ns / kNsPerDay;
  if (day != equity_day_) {
    equity_day_ = day;
    day_start_equity_ = equity;
    journal_.record_risk_mark("equity_day", day, now_ns);
    journal_.record_risk_mark("day_start_equity", equity.raw, now_ns);
  }
  // The peak is journaled when it rises by at least 1 bp, not on every tick.
  if (equity > peak_equity_) {
    const bool journal_it = (equity - peak_equity_).raw * 10'000 >= peak_equity_.raw;
    peak_equity_ = equity;
    if (journal_it) journal_.record_risk_mark("peak_equity", equity.raw, now_ns);
  }
  if (limits.daily_loss_limit.raw > 0 && day_start_equity_ - equity >= limits.daily_loss_limit) {
    set_trading_state(
        std::string(kGlobalScope), TradingState::kHalted,
        fmt::format("daily_loss_limit: equity {} is {} below the day's start {} (limit {})",
                    format_decimal(equity.raw, kMoneyScale),
                    format_decimal((day_start_equity_ - equity).raw, kMoneyScale),
                    format_decimal(day_start_equity_.raw, kMoneyScale),
                    format_decimal(limits.daily_loss_limit.raw, kMoneyScale)));
    return;
  }
  if (limits.max_drawdown_bps > 0 && peak_equity_.raw > 0 &&
      static_cast<Int128>((peak_equity_ - equity).raw) * 10'000 >=
          static_cast<Int128>(peak_equity_.raw) * limits.max_drawdown_bps) {
    set_trading_state(
        std::string(kGlobalScope), TradingState::kHalted,
        fmt::format("max_drawdown: equity {} is {} bp below the peak {} (limit {} bp)",
                    format_decimal(equity.raw, kMoneyScale),
                    static_cast<std::int64_t>(static_cast<Int128>((peak_equity_ - equity).raw) *
                                              10'000 / peak_equity_.raw),
                    format_decimal(peak_equity_.raw, kMoneyScale), limits.max_drawdown_bps));
  }
}

void Engine::process(const InboundEvent& event) {
  // Everything one event causes is journaled in one commit (group commit). New orders are
  // handed to the venue at once; a live venue holds each until the commit has made its intent
  // durable, so the commit and the signing overlap and write-ahead still holds.
  journal_.begin_batch();
  run_due_in_batch();
  origin_receive_ns_ = event.receive_time_ns();
  origin_is_signal_ =
      event.kind == MarketEventKind::kTradingSignal || event.kind == MarketEventKind::kGrade;
  dispatch(event);
  origin_receive_ns_ = 0;
  ++counters_.events;
  run_due_in_batch();  // zero-latency venues answer within the same instant
  check_loss_limits(clock_.now_ns());
  commit_batch();
  const TimeNs now_ns = clock_.now_ns();
  for (auto* observer : observers_) observer->on_event_processed(now_ns);
}

void Engine::commit_batch() {
  if (!journal_.end_batch()) orders_.halt("journal write failed: " + journal_.last_error());
}

void Engine::run_due() {
  journal_.begin_batch();
  run_due_in_batch();
  commit_batch();
  prepare_room();
}

TimeNs Engine::next_due_time_ns() const {
  TimeNs next = std::min(venue_.next_event_time_ns(), orders_.next_due_ns());
  if (!timers_.empty()) next = std::min(next, timers_.top().at_ns);
  return next;
}

void Engine::run_due_in_batch() {
  const TimeNs now_ns = clock_.now_ns();
  // Venue answers first, then timers; both loops repeat because a timer may send an order
  // that a zero-latency venue answers at once.
  for (int round = 0; round < 64; ++round) {
    orders_.run_due(now_ns);
    execution_buffer_.clear();
    venue_.poll(now_ns, execution_buffer_);
    for (const auto& event : execution_buffer_) handle_execution(event);
    bool fired = false;
    while (!timers_.empty() && timers_.top().at_ns <= now_ns) {
      const Timer timer = timers_.top();
      timers_.pop();
      strategies_[timer.strategy]->on_timer(*contexts_[timer.strategy], timer.tag);
      fired = true;
    }
    if (execution_buffer_.empty() && !fired) return;
  }
}

void Engine::dispatch(const InboundEvent& event) {
  if ((event.kind == MarketEventKind::kTradingSignal || event.kind == MarketEventKind::kGrade) &&
      signal_gate_ != nullptr && !signal_gate_->admit(event, clock_.now_ns())) {
    return;
  }
  for (auto* observer : market_observers_) observer->on_market(event);
  switch (event.kind) {
    case MarketEventKind::kBestBidOffer:
      ++counters_.quotes;
      quotes_.apply(event.best_bid_offer);
      for (std::size_t i = 0; i < strategies_.size(); ++i) {
        strategies_[i]->on_quote(*contexts_[i], event.best_bid_offer);
      }
      break;
    case MarketEventKind::kTrade:
      ++counters_.trades;
      quotes_.apply(event.trade);
      for (std::size_t i = 0; i < strategies_.size(); ++i) {
        strategies_[i]->on_trade(*contexts_[i], event.trade);
      }
      break;
    case MarketEventKind::kDepthLevel:
      ++counters_.depth_levels;
      if (books_[event.depth.instrument].on_level(event.depth)) {
        ++counters_.resync_requests;
        if (market_data_control_ != nullptr) {
          market_data_control_->request_resync(event.depth.instrument);
        }
      }
      break;
    case MarketEventKind::kBar:
      ++counters_.bars;
      quotes_.apply(event.bar);
      for (std::size_t i = 0; i < strategies_.size(); ++i) {
        strategies_[i]->on_bar(*contexts_[i], event.bar);
      }
      break;
    case MarketEventKind::kTradingSignal:
      ++counters_.signals;
      if (order_log_) {
        log_info("signal symbol={} token={} timeframe={} signal={} trend={} date={}",
                 instruments_.get(event.trading_signal.instrument).symbol.view(),
                 event.trading_signal.token_id,
                 event.trading_signal.timeframe == SignalTimeframe::kDaily ? "daily" : "hourly",
                 static_cast<int>(event.trading_signal.signal),
                 static_cast<int>(event.trading_signal.trend),
                 format_utc_timestamp(event.trading_signal.venue_time_ns));
      }
      for (std::size_t i = 0; i < strategies_.size(); ++i) {
        strategies_[i]->on_signal(*contexts_[i], event.trading_signal);
      }
      break;
    case MarketEventKind::kMarketDataReset:
      ++counters_.feed_resets;
      invalidate_book(event.reset.instrument);
      break;
    case MarketEventKind::kMarkPrice:
      ++counters_.mark_prices;
      quotes_.apply(event.mark_price);
      break;
    case MarketEventKind::kFundingRate:
      ++counters_.funding_rates;  // the venue settles it and reports what it booked
      break;
    case MarketEventKind::kGrade:
      ++counters_.grades;
      for (std::size_t i = 0; i < strategies_.size(); ++i) {
        strategies_[i]->on_grade(*contexts_[i], event.grade);
      }
      break;
  }
}

bool Engine::is_tradeable(InstrumentId instrument) const {
  const BookStatus status = books_[instrument].status();
  return (status == BookStatus::kNotUsed || status == BookStatus::kSynced) &&
         quotes_.quote(instrument).is_fresh(clock_.now_ns(), risk_.config().max_quote_age_ns);
}

void Engine::invalidate_book(InstrumentId instrument) {
  if (books_[instrument].invalidate()) {
    ++counters_.resync_requests;
    if (market_data_control_ != nullptr) market_data_control_->request_resync(instrument);
  }
}

std::optional<ClientOrderId> Engine::submit(std::size_t strategy, const OrderIntent& intent) {
  const TimeNs now_ns = clock_.now_ns();
  SIGEX_CHECK(intent.instrument < instruments_.size(), "order intent for an unknown instrument");
  if (!accepting_orders_) return deny(strategy, intent, RiskDenial::kShuttingDown, now_ns);
  if (!backoff_.allows(strategy, intent.instrument, now_ns)) {
    return deny(strategy, intent, RiskDenial::kRetryBackoff, now_ns);
  }
  check_loss_limits(now_ns);  // no order past a loss limit, even within the event that crossed it
  const Instrument& instrument = instruments_.get(intent.instrument);
  OrderIntent order = intent;
  const Quote& quote = quotes_.quote(intent.instrument);
  std::string why;
  if (!venue_.normalize(order.side, order.type, order.price, order.quantity,
                        order.side == Side::kBuy ? quote.ask : quote.bid, order.instrument, why)) {
    log_warn("order for {} does not meet the venue's rules: {}", instrument.symbol.view(), why);
    return deny(strategy, intent, RiskDenial::kVenueFilter, now_ns);
  }
  const RiskDenial denial = risk_.check(order, risk_view(strategy, order, instrument, now_ns));
  if (denial != RiskDenial::kNone) return deny(strategy, intent, denial, now_ns);
  auto id = orders_.submit(static_cast<StrategyId>(strategy), strategies_[strategy]->tag(), order,
                           now_ns);
  if (id) {
    ++counters_.orders_submitted;
    if (order_log_) {
      log_info(
          "order sent id={} strategy={} symbol={} side={} type={} tif={} price={} quantity={} "
          "reduce_only={} "
          "reason={}",
          id->view(), strategies_[strategy]->tag(), instrument.symbol.view(), to_string(order.side),
          to_string(order.type), to_string(order.time_in_force),
          format_decimal(order.price.raw, instrument.price_scale),
          format_decimal(order.quantity.raw, instrument.quantity_scale), order.reduce_only,
          order.reason.empty() ? "-" : order.reason);
    }
    LatencyHistogram* latency =
        origin_is_signal_ ? signal_decision_latency_ : market_decision_latency_;
    if (latency != nullptr && origin_receive_ns_ > 0) {
      latency->record((latency_clock_ != nullptr ? latency_clock_->now_ns() : now_ns) -
                      origin_receive_ns_);
    }
  }
  return id;
}

RiskView Engine::risk_view(std::size_t strategy, const OrderIntent& order,
                           const Instrument& instrument, TimeNs now_ns) const {
  const Position& position = portfolio_.position(order.instrument);
  // What the order may spend is its own venue account's.
  const std::size_t account = portfolio_.account_of(order.instrument);
  const Money reserved = orders_.reserved_buy_notional(instruments_, account_venue(account));
  const Money cash = spendable_cash(account);
  RiskView view{instrument,
                quotes_.quote(order.instrument),
                position,
                now_ns,
                cash > reserved ? cash - reserved : Money{0},
                position.quantity -
                    std::min(position.quantity, orders_.reserved_sell_quantity(order.instrument)),
                orders_.has_unknown_outcome(order.instrument),
                orders_.halted(),
                books_[order.instrument].status() == BookStatus::kAwaitingSnapshot ||
                    books_[order.instrument].status() == BookStatus::kInvalid,
                instrument_states_[order.instrument],
                strategy_disabled_[strategy],
                orders_.crosses_own_order(order.instrument, order.side, order.type, order.price),
                portfolio_.gross_exposure(quotes_)};
  if (instrument.is_perpetual()) {
    const AccountMargin margin = portfolio_.account_margin(account, quotes_);
    view.margin_balance = margin.margin_balance;
    view.available_margin = available_margin(account, margin);
    view.wallet_for_position = portfolio_.wallet_for(order.instrument, quotes_);
  }
  return view;
}

void Engine::rehearse_order_path() {
  if (strategies_.empty() || instruments_.size() == 0) return;
  // The OMS's newest order, or before any: the first strategy buying the first instrument's
  // minimum at its ask.
  StrategyId strategy = 0;
  OrderIntent order;
  order.instrument = 0;
  order.price = quotes_.quote(0).ask;
  order.quantity = instruments_.get(0).min_quantity;
  if (orders_.orders().size() > 0 && orders_.orders().back().strategy < strategies_.size()) {
    const Order& last = orders_.orders().back();
    strategy = last.strategy;
    order =
        OrderIntent{last.instrument, last.side,   last.type,        last.time_in_force, last.price,
                    last.quantity,   last.intent, last.reduce_only, last.reason};
  }
  const Instrument& instrument = instruments_.get(order.instrument);
  const Quote& quote = quotes_.quote(order.instrument);
  std::string why;
  const bool valid =
      venue_.normalize(order.side, order.type, order.price, order.quantity,
                       order.side == Side::kBuy ? quote.ask : quote.bid, order.instrument, why);
  const TimeNs now_ns = clock_.now_ns();
  const RiskDenial denial = risk_.rehearse(order, risk_view(strategy, order, instrument, now_ns));
  const bool would_mint = orders_.rehearse(strategy, strategies_[strategy]->tag(), order);
  ++rehearsals_.total;
  rehearsals_.would_pass += valid && denial == RiskDenial::kNone && would_mint ? 1 : 0;
}

Money Engine::available_margin(std::size_t account) const {
  return available_margin(account, portfolio_.account_margin(account, quotes_));
}

Money Engine::available_margin(std::size_t account, const AccountMargin& margin) const {
  // Spot buys waiting on the account's books spend the same cash.
  const std::string_view venue = account_venue(account);
  // Less held by the venue than sigex's wallet (a withdrawal) is less to post margin from.
  const Money shortfall = portfolio_.cash(account) - spendable_cash(account);
  return margin.margin_balance - shortfall - margin.initial_margin -
         orders_.reserved_margin(instruments_, venue) -
         orders_.reserved_buy_notional(instruments_, venue);
}

void Engine::report_account_cash(std::size_t account, Money held, bool announced) {
  const Money sigex = portfolio_.cash(account);
  const VenueCashWatch::Change change = venue_cash_.report(account, held, sigex, announced);
  if (change == VenueCashWatch::Change::kNone) return;
  const std::string_view venue = portfolio_.accounts()[account].venue.view();
  const std::string_view name = venue.empty() ? std::string_view{"venue"} : venue;
  if (change == VenueCashWatch::Change::kShort) {
    log_warn(
        "the {} account holds {}, less than the {} sigex may spend there: its buys are limited "
        "to what it holds (add funds, or lower the budget in [engine])",
        name, money_text(held), money_text(sigex));
  } else {
    log_info("the {} account holds {} again, as much as the {} sigex may spend there", name,
             money_text(held), money_text(sigex));
  }
}

Money Engine::spendable_cash(std::size_t account) const {
  return venue_cash_.spendable(account, portfolio_.cash(account));
}

Money Engine::announced_cash_shortfall(std::size_t account) const {
  return venue_cash_.announced_shortfall(account, portfolio_.cash(account));
}

std::string_view Engine::account_venue(std::size_t account) const {
  // One account trades every instrument: no filter (its venue may be unnamed).
  return portfolio_.accounts().size() == 1 ? std::string_view{}
                                           : portfolio_.accounts()[account].venue.view();
}

std::size_t Engine::cancel_all_orders() {
  return orders_.cancel_all(kNoInstrument, clock_.now_ns());
}

std::optional<ClientOrderId> Engine::deny(std::size_t strategy, const OrderIntent& intent,
                                          RiskDenial denial, TimeNs now_ns) {
  // A strategy that asks again on every market event is denied every time (counted), but
  // the journal keeps one row per strategy, instrument and reason a minute.
  TimeNs& journaled =
      denial_journaled_ns_.try_emplace({strategy, intent.instrument, denial}, -kNsPerMinute)
          .first->second;
  if (now_ns - journaled >= kNsPerMinute) {
    journaled = now_ns;
    journal_.record_risk_denial(strategies_[strategy]->tag(),
                                instruments_.get(intent.instrument).symbol.view(),
                                to_string(denial), now_ns);
    if (order_log_) {
      const Instrument& instrument = instruments_.get(intent.instrument);
      log_info(
          "order denied strategy={} symbol={} side={} quantity={} reason={} (repeats within a "
          "minute are "
          "counted, not logged)",
          strategies_[strategy]->tag(), instrument.symbol.view(), to_string(intent.side),
          format_decimal(intent.quantity.raw, instrument.quantity_scale), to_string(denial));
    }
  } else {
    ++counters_.denials_not_journaled;
  }
  for (auto* observer : observers_) observer->on_risk_denial(intent, denial, now_ns);
  return std::nullopt;
}

void Engine::on_venue_rejection(const Order& order, TimeNs now_ns) {
  ++counters_.venue_rejections;
  const Instrument& instrument = instruments_.get(order.instrument);
  if (order.rejection == RejectionKind::kFinal) {
    // Retrying cannot succeed (insufficient balance, filter failure, unknown symbol): the
    // instrument stops instead of looping. An exit that cannot be placed halts it; an entry
    // leaves it reducing (exits still allowed). An operator resumes it.
    ++counters_.alerts;
    const TradingState state =
        order.side == Side::kSell ? TradingState::kHalted : TradingState::kReducing;
    const std::string reason = fmt::format(
        "ALERT: the venue refused {} {} {} with {} and retrying cannot succeed; sigex ctl resume "
        "--scope {} "
        "once the cause is fixed",
        to_string(order.side), instrument.symbol.view(), order.client_order_id.view(),
        order.last_venue_error, instrument_scope(instrument.symbol.view()));
    set_trading_state(instrument_scope(instrument.symbol.view()), state, reason);
    return;
  }
  const TimeNs retry_at = backoff_.on_refused(order.strategy, order.instrument, now_ns);
  const int refusals = backoff_.refusals(order.strategy, order.instrument);
  // One line per refusal would be a storm of its own: the first few, then every tenth.
  if (refusals <= 3 || refusals % 10 == 0) {
    log_warn(
        "order {} on {} refused ({}{}); the next order of {} there waits {} ms (refusal {} in a "
        "row)",
        order.client_order_id.view(), instrument.symbol.view(),
        order.rejection == RejectionKind::kLocal ? "never sent: " : "venue error ",
        order.last_venue_error, strategies_[order.strategy]->tag(), (retry_at - now_ns) / kNsPerMs,
        refusals);
  }
}

void Engine::log_order_event(const Order& order, OrderEvent event,
                             const ExecutionEvent& cause) const {
  const Instrument& instrument = instruments_.get(order.instrument);
  const auto quantity = [&](Quantity value) {
    return format_decimal(value.raw, instrument.quantity_scale);
  };
  switch (event) {
    case OrderEvent::kAccept:
      log_info("order accepted id={} symbol={} venue_id={}", order.client_order_id.view(),
               instrument.symbol.view(), order.venue_order_id);
      return;
    case OrderEvent::kPartialFill:
    case OrderEvent::kFill: {
      std::string fee_asset(instrument.quote_asset.view());
      if (cause.fee_asset == FeeAsset::kBase) fee_asset = std::string(instrument.base_asset.view());
      if (cause.fee_asset == FeeAsset::kOther) fee_asset = std::string(cause.fee_asset_code.view());
      log_info(
          "order {} id={} symbol={} side={} trade={} price={} quantity={} fee={} fee_asset={} "
          "filled={} of={}",
          event == OrderEvent::kFill && order.filled_quantity == order.quantity
              ? "filled"
              : "partially_filled",
          order.client_order_id.view(), instrument.symbol.view(), to_string(order.side),
          cause.trade_id, format_decimal(cause.price.raw, instrument.price_scale),
          quantity(cause.quantity), format_decimal(cause.fee.raw, kMoneyScale), fee_asset,
          quantity(order.filled_quantity), quantity(order.quantity));
      return;
    }
    case OrderEvent::kCanceled:
    case OrderEvent::kExpired:
      log_info("order {} id={} symbol={} filled={} of={}",
               event == OrderEvent::kCanceled ? "canceled" : "expired",
               order.client_order_id.view(), instrument.symbol.view(),
               quantity(order.filled_quantity), quantity(order.quantity));
      return;
    case OrderEvent::kReject:
      log_info("order rejected id={} symbol={} side={} code={} retry={}",
               order.client_order_id.view(), instrument.symbol.view(), to_string(order.side),
               order.last_venue_error,
               order.rejection == RejectionKind::kFinal   ? "never (instrument stopped)"
               : order.rejection == RejectionKind::kLocal ? "backoff (never sent)"
                                                          : "backoff");
      return;
    default:
      return;
  }
}

void Engine::book_account_event(const AccountEventRow& row) {
  if (row.kind == AccountEventKind::kFunding) {
    if (!settled_funding_.emplace(row.instrument, row.event_id).second) return;
    portfolio_.apply_funding(row.instrument, row.amount);
    return;
  }
  orders_.mark_trade_seen(row.instrument, static_cast<std::uint64_t>(row.event_id));
  portfolio_.apply_fill(row.instrument, row.side, row.price, row.quantity,
                        FillFee::in_quote(row.fee));
}

void Engine::handle_position_report(const ExecutionEvent& event) {
  const Instrument& instrument = instruments_.get(event.instrument);
  const Quantity journaled = portfolio_.position(event.instrument).quantity;
  if (journaled == event.quantity) return;  // the fills in flight caught up
  const std::string scope = instrument_scope(instrument.symbol.view());
  if (states_.get(scope).state == TradingState::kHalted) return;  // an operator is on it
  ++counters_.alerts;
  // Orders placed outside sigex, or a fill sigex never heard of: nothing more trades on this
  // instrument until an operator has looked.
  set_trading_state(
      scope, TradingState::kHalted,
      fmt::format("ALERT: the exchange's position of {} is {} where the journal's is {}: orders "
                  "placed outside sigex or a fill it never heard of; sigex ctl resume --scope {} "
                  "once the account is checked",
                  instrument.symbol.view(),
                  format_decimal(event.quantity.raw, instrument.quantity_scale),
                  format_decimal(journaled.raw, instrument.quantity_scale), scope));
}

void Engine::handle_account_event(const ExecutionEvent& event) {
  const Instrument& instrument = instruments_.get(event.instrument);
  AccountEventRow row{};
  row.instrument = event.instrument;
  row.time_ns = event.venue_time_ns;
  FillResult result{};
  if (event.kind == ExecutionKind::kFunding) {
    row.kind = AccountEventKind::kFunding;
    row.event_id = event.venue_time_ns;
    row.amount = event.funding;
    if (settled_funding_.contains({row.instrument, row.event_id})) return;  // a repeat
    book_account_event(row);
    ++counters_.funding_settlements;
    if (order_log_) {
      log_info("funding symbol={} time={} amount={} position={}", instrument.symbol.view(),
               format_utc_timestamp(event.venue_time_ns), money_text(event.funding),
               format_decimal(event.quantity.raw, instrument.quantity_scale));
    }
  } else {
    if (!orders_.first_sighting(event.instrument, event.trade_id)) return;  // a repeat
    row.kind = AccountEventKind::kVenueFill;
    row.event_id = static_cast<std::int64_t>(event.trade_id);
    row.client_order_id = event.client_order_id;
    row.side = event.side;
    row.price = event.price;
    row.quantity = event.quantity;
    row.fee = event.fee;
    result = portfolio_.apply_fill(row.instrument, row.side, row.price, row.quantity,
                                   FillFee::in_quote(row.fee));
    ++counters_.venue_fills;
    ++counters_.alerts;
    // The venue closed a position itself (a liquidation): nothing of ours explains it, so
    // the instrument stops until an operator has looked.
    set_trading_state(
        instrument_scope(instrument.symbol.view()), TradingState::kHalted,
        fmt::format(
            "ALERT: the venue executed its own order {} ({} {} at {}): a liquidation; sigex "
            "ctl resume --scope {} once the account is checked",
            event.client_order_id.view(), to_string(event.side),
            format_decimal(event.quantity.raw, instrument.quantity_scale),
            format_decimal(event.price.raw, instrument.price_scale),
            instrument_scope(instrument.symbol.view())));
  }
  journal_.record_account_event(row);
  for (auto* observer : observers_) observer->on_account_event(event, result.realised_pnl);
}

void Engine::handle_execution(const ExecutionEvent& event) {
  ++counters_.execution_events;
  const TimeNs now_ns = clock_.now_ns();
  if (event.kind == ExecutionKind::kFunding || event.kind == ExecutionKind::kVenueFill) {
    handle_account_event(event);
    return;
  }
  if (event.kind == ExecutionKind::kPositionReport) {
    handle_position_report(event);
    return;
  }
  if (event.kind == ExecutionKind::kAccountCash) {
    report_account_cash(portfolio_.account_of(event.instrument), event.cash);
    return;
  }
  // Called inside the event's journal batch: the order's new state and the fill it carries
  // commit together.
  const auto update = orders_.apply(event, now_ns);
  if (!update) return;
  const Order order = *update->order;  // a copy: callbacks may add orders and move storage
  FillResult result{};
  if (update->new_fill) {
    ++counters_.fills;
    if (risk_.record_fill(order.strategy, now_ns)) {
      const RiskConfig& limits = risk_.config();
      set_trading_state(strategy_scope(strategies_[order.strategy]->tag()), TradingState::kHalted,
                        fmt::format("repeated_execution: more than {} fills within {} s",
                                    limits.max_fills, limits.fill_window_ns / kNsPerSecond));
    }
    result = portfolio_.apply_fill(order.instrument, order.side, event.price, event.quantity,
                                   FillFee::of(event));
    journal_.record_fill(order, event, portfolio_.row(order.instrument, now_ns));
  }
  SIGEX_CHECK(order.strategy < strategies_.size(), "order owned by an unknown strategy");
  if (order_log_) log_order_event(order, update->event, event);
  if (update->event == OrderEvent::kReject) on_venue_rejection(order, now_ns);
  if (update->event == OrderEvent::kAccept || update->new_fill)
    backoff_.on_success(order.strategy, order.instrument);
  Strategy& strategy = *strategies_[order.strategy];
  Context& context = *contexts_[order.strategy];
  if (update->new_fill) {
    for (auto* observer : observers_) observer->on_fill(order, event, result.realised_pnl);
    strategy.on_fill(context, order, event);
  }
  strategy.on_order_update(context, order, update->event);
}

}  // namespace sigex
