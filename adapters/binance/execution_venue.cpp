#include "adapters/binance/execution_venue.h"
#include "adapters/binance/parse_exchange_info.h"

#include <algorithm>

#include <fmt/format.h>

#include "engine/core/decimal.h"
#include "engine/core/failpoint.h"
#include "engine/logging/log.h"

namespace sigex {
namespace {

constexpr std::int32_t kOrderDoesNotExist = -2013;
constexpr std::int32_t kUnknownOrderSent = -2011;
constexpr std::int32_t kNotSent = -1;  // refused locally (rate limit, ban, clock): never left

// Rejections that retrying the same order cannot cure (reference §1.10): the account lacks
// the balance, the order breaks a filter or a parameter rule, the symbol is not tradeable.
RejectionKind rejection_kind(const BinanceError& error) {
  switch (error.code) {
    case -1013:  // filter failure
    case -1100:
    case -1101:
    case -1102:
    case -1103:
    case -1104:
    case -1105:
    case -1106:
    case -1111:  // precision over the maximum
    case -1112:
    case -1114:
    case -1115:
    case -1116:
    case -1117:
    case -1121:  // invalid symbol
    case -2010:  // NEW_ORDER_REJECTED: insufficient balance, market closed, ...
    case -2014:
    case -2015:  // the key may not trade
    // USD-M (../shared/reference/binance-usdm-futures.md §6)
    case -2018:  // balance not sufficient
    case -2019:  // margin is insufficient
    case -2022:  // reduce-only order rejected
    case -2023:  // user in liquidation mode
    case -2024:  // position not sufficient
    case -2027:  // over the maximum position at the current leverage
    case -2028:  // leverage too small for the margin balance
    case -4003:
    case -4004:
    case -4005:
    case -4013:
    case -4014:
    case -4023:
    case -4061:  // position side does not match the account's setting
    case -4140:  // symbol status does not allow opening
    case -4141:  // symbol closed
    case -4164:  // notional under the minimum
      return RejectionKind::kFinal;
    default:
      return RejectionKind::kRetryable;
  }
}

// What the account holds of `asset`, free and locked (venue decimals); 0 when not listed.
std::int64_t held_of(const std::vector<VenueBalance>& balances, std::string_view asset) {
  for (const auto& balance : balances) {
    if (balance.asset == asset) return balance.free + balance.locked;
  }
  return 0;
}

}  // namespace

BinanceExecutionVenue::BinanceExecutionVenue(const InstrumentRegistry& instruments,
                                             BinanceExecutionConfig config, Secret api_key,
                                             std::unique_ptr<RequestSigner> signer,
                                             const Clock& clock, boost::asio::ssl::context& tls,
                                             const DurabilityWatermark& durability)
    : instruments_(instruments),
      config_(std::move(config)),
      clock_(clock),
      durability_(durability),
      rest_(config_.rest, std::move(api_key), std::move(signer), clock, tls),
      filters_(instruments.size()),
      tls_(tls),
      holdings_(std::make_unique<std::atomic<std::int64_t>[]>(instruments.size())) {}

BinanceExecutionVenue::BinanceExecutionVenue(const InstrumentRegistry& instruments,
                                             BinanceExecutionConfig config, Secret api_key,
                                             std::unique_ptr<RequestSigner> signer,
                                             const Clock& clock,
                                             std::unique_ptr<boost::asio::ssl::context> tls,
                                             const DurabilityWatermark& durability)
    : BinanceExecutionVenue(instruments, std::move(config), std::move(api_key), std::move(signer),
                            clock, *tls, durability) {
  owned_tls_ = std::move(tls);
}

BinanceExecutionVenue::~BinanceExecutionVenue() { stop(); }

bool BinanceExecutionVenue::start(std::string& error) {
  if (!rest_.valid(error)) return false;
  // Start-up requests wait out a budget an earlier run used up in this window, rather than
  // fail; from the I/O thread on, a request over budget is refused (and an order waits).
  rest_.set_starting(true);
  struct Started {
    BinanceRestClient& rest;
    ~Started() { rest.set_starting(false); }
  } started{rest_};
  if (!rest_.sync_clock(error)) {
    error = "Binance " + error;
    return false;
  }
  if (!rest_.clock_guard().orders_allowed(clock_.now_ns())) {
    error = "Binance clock check: " + rest_.clock_guard().status(clock_.now_ns());
    return false;
  }
  const HttpResponse info_response = rest_.exchange_info();
  if (info_response.transport_failed() || info_response.status != 200) {
    error = describe_failure("exchange info", info_response);
    return false;
  }
  const auto info = parse_exchange_info(info_response.body);
  if (!info) {
    error = "Binance exchange info is unreadable: " + std::string(info.error().what);
    return false;
  }
  for (const Instrument& instrument : instruments_.all()) {
    // One venue trades every configured instrument: one of another market is refused here.
    if (!check_listing_kind(instrument, error)) return false;
    if (cash_instrument_ == kNoInstrument) {
      // Every instrument is quoted in the one cash asset (checked at configuration time).
      cash_instrument_ = instrument.id;
      cash_asset_ = std::string(instrument.quote_asset.view());
    }
    const SymbolFilters* filters = info->find(instrument.symbol.view());
    const std::string name(instrument.symbol.view());
    if (filters == nullptr) {
      error = "instrument " + name + " is not listed in Binance's exchange info";
      return false;
    }
    if (filters->status != "TRADING") {
      error = "instrument " + name + " is not trading on Binance (status " + filters->status + ")";
      return false;
    }
    if (instrument.price_scale > kBinanceScale || instrument.quantity_scale > kBinanceScale ||
        !expressible(filters->tick_size.raw, instrument.price_scale) ||
        !expressible(filters->step_size.raw, instrument.quantity_scale)) {
      error = "instrument " + name + ": price_scale " + std::to_string(instrument.price_scale) +
              " and quantity_scale " + std::to_string(instrument.quantity_scale) +
              " cannot express Binance's tick size and step size";
      return false;
    }
    if (!check_listing(instrument, *filters, error)) return false;
    filters_[instrument.id] = *filters;
  }
  // The holdings read now include every trade made before the request: a fill handed on later
  // (an order of the previous run resolved at reconciliation) must not move them again.
  holdings_as_of_ns_.store(rest_.clock_guard().server_now_ns(clock_.now_ns()));
  if (!read_account(error)) return false;
  refresh_third_asset_prices();
  if (!reconcile_open_orders()) {
    error = "Binance open orders could not be read at start-up";
    return false;
  }
  if (!read_history(error)) return false;
  const TimeNs now = clock_.now_ns();
  next_poll_ns_ = now + config_.poll_interval_ns;
  next_clock_check_ns_ = now + config_.clock_check_interval_ns;
  next_cash_poll_ns_ = now + config_.balance_interval_ns;
  user_stream_ = make_user_stream(error);
  if (!error.empty()) return false;
  rest_.set_starting(false);  // the I/O thread never waits out a window: it refuses and retries
  thread_ = std::thread([this] { run(); });
  if (user_stream_) user_stream_->start();
  return true;
}

bool BinanceExecutionVenue::handles(const Instrument& instrument) const {
  return instrument.is_perpetual() == (rest_.market() == BinanceMarket::kUsdm);
}

bool BinanceExecutionVenue::check_listing_kind(const Instrument& instrument,
                                               std::string& error) const {
  if (handles(instrument)) return true;
  error = "instrument " + std::string(instrument.symbol.view()) +
          (instrument.is_perpetual()
               ? " is a perpetual: the Binance spot venue does not trade it (execution venue "
                 "\"binance_usdm\" does)"
               : " is spot: the Binance USD-M venue trades perpetuals only (execution venue "
                 "\"binance\" trades spot)");
  return false;
}

bool BinanceExecutionVenue::check_listing(const Instrument& /*instrument*/,
                                          const SymbolFilters& /*filters*/,
                                          std::string& /*error*/) {
  return true;
}

bool BinanceExecutionVenue::read_account(std::string& error) {
  const HttpResponse account = rest_.account();
  std::string failed;
  auto balances = parse_answer("account", account, parse_balances, failed);
  if (!balances) {
    error = failed;
    return false;
  }
  set_holdings(*balances);
  for (const Instrument& instrument : instruments_.all()) {
    if (!handles(instrument)) continue;
    start_held_.push_back(
        {instrument.id, Quantity{from_venue(held_of(*balances, instrument.base_asset.view()),
                                            instrument.quantity_scale)}});
  }
  if (cash_instrument_ != kNoInstrument) {
    start_cash_.push_back({VenueName::from("binance"),
                           Money{from_venue(held_of(*balances, cash_asset_), kMoneyScale)}});
  }
  // Fees paid in BNB are valued in the cash asset: its price is read now when the account holds
  // BNB.
  if (held_of(*balances, "BNB") > 0) {
    std::lock_guard lock(prices_mutex_);
    for (const Instrument& instrument : instruments_.all()) {
      if (instrument.quote_asset.view() != "BNB")
        wanted_prices_.insert("BNB" + std::string(instrument.quote_asset.view()));
    }
  }
  return true;
}

std::unique_ptr<UserStreamChannel> BinanceExecutionVenue::make_user_stream(std::string& error) {
  if (config_.ws_api_url.empty()) return nullptr;
  const auto url = parse_url(config_.ws_api_url);
  if (!url || !may_carry_secrets(*url)) {
    error = "execution.binance.ws_api_url '" + config_.ws_api_url +
            "' must be a wss:// URL (plain ws:// only for a loopback simulator)";
    return nullptr;
  }
  return std::make_unique<BinanceUserStream>(
      *url, tls_,
      UserStreamCallbacks{
          [this] { return rest_.user_stream_subscribe_request("sigex-user-stream"); },
          [this](const UserExecutionReport& report) { on_stream_report(report); },
          [this](bool live) { on_stream_liveness(live); },
          [this](const std::vector<VenueBalance>& balances) { on_stream_balances(balances); }},
      config_.ws_timeouts);
}

std::optional<std::int64_t> BinanceExecutionVenue::read_holding(const Instrument& instrument) {
  const HttpResponse account = rest_.account();
  after_call(&account, nullptr);
  std::string failed;
  const auto balances = parse_answer("account", account, parse_balances, failed);
  if (!balances) return std::nullopt;
  return held_of(*balances, instrument.base_asset.view());
}

void BinanceExecutionVenue::after_rejection(std::int32_t code) {
  if (code == -2010) refresh_balances();  // what the account really holds
}

void BinanceExecutionVenue::stop() {
  if (user_stream_) user_stream_->stop();
  if (!thread_.joinable()) return;
  stopping_ = true;
  wake();
  thread_.join();
}

void BinanceExecutionVenue::wake() { queues_.wake(); }

void BinanceExecutionVenue::on_stream_liveness(bool live) {
  // Back (or first up): what happened while it was down is read back by the I/O thread.
  // Lost: polling takes over at its fast pace at once.
  if (live) {
    reconcile_requested_ = true;
  } else {
    poll_now_requested_ = true;
  }
  wake();
}

void BinanceExecutionVenue::on_stream_report(const UserExecutionReport& report) {
  ++counters_.stream_reports;
  const Instrument* instrument = instruments_.find_by_symbol(report.symbol, InstrumentKind::kSpot);
  if (instrument == nullptr) return;  // a symbol sigex does not trade: not its order
  const ClientOrderId& id = report.client_order_id;
  if (report.execution_type == "NEW") {
    emit(ExecutionKind::kAccepted, instrument->id, id, report.order_id);
  } else if (report.execution_type == "TRADE") {
    queues_.answer(fill_event(report.fill, report.side, instrument->id, id, report.order_id,
                              report.transact_time_ns));
  } else if (report.execution_type == "CANCELED") {
    emit(ExecutionKind::kCanceled, instrument->id, id, report.order_id);
  } else if (report.execution_type == "EXPIRED" || report.execution_type == "TRADE_PREVENTION") {
    emit(ExecutionKind::kExpired, instrument->id, id, report.order_id);
  } else if (report.execution_type == "REJECTED") {
    emit(ExecutionKind::kRejected, instrument->id, id, report.order_id);
  }
}

void BinanceExecutionVenue::send(const OrderCommand& command) { queues_.send(command); }

void BinanceExecutionVenue::poll(TimeNs /*now_ns*/, std::vector<ExecutionEvent>& out) {
  queues_.poll(out);
}

bool BinanceExecutionVenue::wait_for_answers(DurationNs timeout_ns) {
  return queues_.wait_for_answers(timeout_ns);
}

bool BinanceExecutionVenue::normalize(Side side, OrderType type, Price& price, Quantity& quantity,
                                      Price reference, InstrumentId instrument_id,
                                      std::string& why) const {
  if (instrument_id >= filters_.size() || filters_[instrument_id].symbol.empty()) {
    why = "no Binance trading rules for this instrument";
    return false;
  }
  const Instrument& instrument = instruments_.get(instrument_id);
  const FilteredOrder filtered = apply_filters(
      filters_[instrument_id], side, type, Price{to_venue(price.raw, instrument.price_scale)},
      Quantity{to_venue(quantity.raw, instrument.quantity_scale)},
      Price{to_venue(reference.raw, instrument.price_scale)});
  if (filtered.failure != FilterFailure::kNone &&
      !waives(filtered.failure, side, filtered.quantity, instrument_id)) {
    why = std::string(to_string(filtered.failure));
    return false;
  }
  if (type == OrderType::kLimit)
    price = Price{from_venue(filtered.price.raw, instrument.price_scale)};
  quantity = Quantity{from_venue(filtered.quantity.raw, instrument.quantity_scale)};
  if (side == Side::kSell && !instrument.is_perpetual()) {
    // Never sell more than the account holds (rounded down to the step): a position that
    // drifted above the account's balance must not make every exit fail.
    const SymbolFilters& filters = filters_[instrument_id];
    const std::int64_t held = holdings_[instrument_id].load();
    const std::int64_t step = std::max<std::int64_t>(filters.step_size.raw, 1);
    const Quantity sellable{from_venue(held / step * step, instrument.quantity_scale)};
    if (quantity > sellable) {
      if (sellable.raw <= 0) {
        why = "the account holds no " + std::string(instrument.base_asset.view()) + " to sell";
        return false;
      }
      quantity = sellable;
    }
  }
  return true;
}

void BinanceExecutionVenue::run() {
  while (!stopping_) {
    const TimeNs now = clock_.now_ns();
    TimeNs next =
        rehearsal_.wake_by(std::min({next_poll_ns_, next_clock_check_ns_, next_cash_poll_ns_}));
    if (!deferred_.empty()) next = std::min(next, now + config_.deferred_retry_interval_ns);
    if (reconcile_requested_) next = now;
    queues_.serve_one(next - now, [this](const OrderCommand& command) { handle(command); });
    if (stopping_) break;
    if (poll_now_requested_.exchange(false)) next_poll_ns_ = 0;
    if (reconcile_requested_.exchange(false)) {
      reconcile_open_orders();
      poll_open_orders();
      after_recovery();
    }
    const TimeNs after = clock_.now_ns();
    if (after >= next_clock_check_ns_) check_clock();
    send_deferred();
    check_ban();
    refresh_third_asset_prices();
    if (after >= next_poll_ns_) poll_open_orders();
    if (after >= next_cash_poll_ns_) {
      next_cash_poll_ns_ = after + config_.balance_interval_ns;
      poll_cash();
    }
    periodic(after);
    rehearsal_.run_if_due(clock_.now_ns(), [this](const OrderCommand& command) {
      rest_.new_order_body(command, instruments_.get(command.instrument),
                           clock_.now_ns() / kNsPerMs, rehearsal_body_);
    });
  }
}

void BinanceExecutionVenue::handle(const OrderCommand& command) {
  switch (command.kind) {
    case OrderCommandKind::kNew:
      place(command);
      break;
    case OrderCommandKind::kQuery:
      look_up(command);
      break;
    case OrderCommandKind::kCancel:
      cancel(command);
      break;
  }
}

void BinanceExecutionVenue::after_call(const HttpResponse* response, const OrderAnswer* answer) {
  const bool failed =
      (response != nullptr && response->transport_failed()) ||
      (answer != nullptr && answer->outcome == OrderOutcome::kUnknown && !answer->banned);
  if (failed) {
    connection_failed_ = true;
    read_back_soon();
  } else if (connection_failed_) {
    // The venue answers again: what happened while it did not is read back next, by the
    // loop. Not here: this call may be in the middle of handing on an order's report, and
    // reading the others back would change the orders followed under its feet.
    connection_failed_ = false;
    reconcile_requested_ = true;
  }
  check_ban();
}

void BinanceExecutionVenue::check_ban() {
  // Any request may be answered 418 (a lookup, a poll, the clock check): the alert is raised
  // at the first, not when the next order is tried.
  const bool banned = rest_.rate_limits().banned(clock_.now_ns());
  if (banned && !banned_.exchange(true)) {
    ++counters_.alerts;
    log_error(
        "ALERT: Binance answered HTTP 418: this IP is banned for sending too many requests; "
        "no request is sent until {} (unix ms); reduce request rates before restarting",
        rest_.rate_limits().blocked_until_ns() / kNsPerMs);
  } else if (!banned && banned_.load()) {
    banned_ = false;
    log_warn("the Binance ban has ended; requests resume");
  }
}

void BinanceExecutionVenue::place(const OrderCommand& command) {
  // Write-ahead: nothing leaves before the intent is durable in the journal.
  for (;;) {
    const auto wait = durability_.wait_for(command.journal_sequence, 100 * kNsPerMs);
    if (wait == DurabilityWatermark::Wait::kDurable) break;
    if (wait == DurabilityWatermark::Wait::kFailed || stopping_) {
      log_error("order {} not sent: its intent never became durable in the journal",
                command.client_order_id.view());
      emit(ExecutionKind::kRejected, command.instrument, command.client_order_id, 0, kNotSent,
           RejectionKind::kLocal);
      return;
    }
  }
  SIGEX_FAILPOINT("venue.intent_durable");
  if (!deferred_.empty()) {
    // Orders already waiting go first: this one queues behind them.
    defer(command, "waiting behind earlier orders");
    return;
  }
  if (!send_new_order(command)) defer(command, last_refusal_);
}

bool BinanceExecutionVenue::send_new_order(const OrderCommand& command) {
  rehearsal_.order_sent(command, clock_.now_ns());
  const Instrument& instrument = instruments_.get(command.instrument);
  const OrderCall call = rest_.new_order(command, instrument);
  if (!call.sent) {
    // Refused here (ban, clock skew guard, request budget): nothing left the process.
    last_refusal_ = call.answer.why;
    if (!rest_.clock_guard().orders_allowed(clock_.now_ns())) {
      next_clock_check_ns_ =
          std::min(next_clock_check_ns_, clock_.now_ns() + config_.clock_recheck_interval_ns);
    }
    return false;
  }
  if (wire_latency_ != nullptr) wire_latency_->record(clock_.now_ns() - command.created_time_ns);
  ++counters_.orders_sent;
  SIGEX_FAILPOINT("venue.reply_received");
  after_call(nullptr, &call.answer);
  switch (call.answer.outcome) {
    case OrderOutcome::kAccepted:
      tracked_[std::string(command.client_order_id.view())].instrument = command.instrument;
      emit_report(*call.report, command.instrument);
      return true;
    case OrderOutcome::kRejected:
    case OrderOutcome::kClockSkew:
      log_warn("order {} rejected by Binance: {} {}", command.client_order_id.view(),
               call.answer.error.code, call.answer.error.message);
      emit(ExecutionKind::kRejected, command.instrument, command.client_order_id, 0,
           call.answer.error.code,
           call.answer.outcome == OrderOutcome::kClockSkew ? RejectionKind::kRetryable
                                                           : rejection_kind(call.answer.error));
      if (call.answer.outcome == OrderOutcome::kClockSkew) check_clock();
      after_rejection(call.answer.error.code);
      return true;
    case OrderOutcome::kDuplicate:
      // The venue says an open order with this id exists: ours, sent before, or a false
      // answer. Either way the outcome is not definite: it is unknown until a lookup (and,
      // when the lookup finds nothing, the proof of absence) says otherwise.
      ++counters_.duplicates_adopted;
      ++counters_.unknown_outcomes;
      log_warn(
          "order {} already exists on Binance (-2010 Duplicate order sent); it will be looked up",
          command.client_order_id.view());
      set_in_doubt(command, true);
      emit(ExecutionKind::kUnknown, command.instrument, command.client_order_id);
      return true;
    case OrderOutcome::kUnknown:
      ++counters_.unknown_outcomes;
      log_warn("order {}: outcome unknown ({}); it will be looked up",
               command.client_order_id.view(), call.answer.why);
      set_in_doubt(command, true);
      emit(ExecutionKind::kUnknown, command.instrument, command.client_order_id);
      return true;
  }
  return true;
}

void BinanceExecutionVenue::defer(const OrderCommand& command, const std::string& reason) {
  deferred_.push_back(Deferred{command, clock_.now_ns()});
  counters_.orders_waiting = deferred_.size();
  set_waiting_reason(reason);
  log_warn(
      "order {} waits before it is sent: {}; it goes out once, when that clears, or is given up "
      "after {} s",
      command.client_order_id.view(), reason, config_.max_order_wait_ns / kNsPerSecond);
}

void BinanceExecutionVenue::send_deferred() {
  while (!deferred_.empty() && !stopping_) {
    const Deferred& front = deferred_.front();
    const TimeNs now = clock_.now_ns();
    if (now - front.since_ns > config_.max_order_wait_ns) {
      ++counters_.orders_given_up;
      log_error(
          "order {} was never sent: it waited {} s ({}); given up, journaled as rejected (-1, "
          "never sent)",
          front.command.client_order_id.view(), (now - front.since_ns) / kNsPerSecond,
          waiting_reason());
      emit(ExecutionKind::kRejected, front.command.instrument, front.command.client_order_id, 0,
           kNotSent, RejectionKind::kLocal);
      deferred_.pop_front();
      continue;
    }
    // Out of the line before it is sent: the gauge never counts an order already answered.
    const Deferred next = front;
    deferred_.pop_front();
    counters_.orders_waiting = deferred_.size();
    if (!send_new_order(next.command)) {
      deferred_.push_front(next);
      counters_.orders_waiting = deferred_.size();
      set_waiting_reason(last_refusal_);
      break;  // the condition has not cleared: the rest wait too, in order
    }
    log_info("order {} sent after waiting {} ms", next.command.client_order_id.view(),
             (now - next.since_ns) / kNsPerMs);
  }
  counters_.orders_waiting = deferred_.size();
  if (deferred_.empty()) set_waiting_reason("");
}

void BinanceExecutionVenue::set_waiting_reason(const std::string& reason) {
  std::lock_guard lock(status_mutex_);
  waiting_reason_ = reason;
}

std::string BinanceExecutionVenue::waiting_reason() const {
  std::lock_guard lock(status_mutex_);
  return waiting_reason_;
}

void BinanceExecutionVenue::look_up(const OrderCommand& command) {
  const Instrument& instrument = instruments_.get(command.instrument);
  ++counters_.lookups;
  const OrderCall call =
      rest_.query_order(instrument.symbol.view(), command.client_order_id.view());
  after_call(nullptr, &call.answer);
  if (call.answer.outcome == OrderOutcome::kAccepted && call.report) {
    Tracked& tracked = tracked_[std::string(command.client_order_id.view())];
    tracked.instrument = command.instrument;
    emit_report(*call.report, command.instrument);
    return;
  }
  if (call.sent && call.answer.error.code == kOrderDoesNotExist) {
    if (!command.prove_absence) {
      // Not seen yet: lookups lag, so the order stays in doubt until it is proven absent.
      set_in_doubt(command, true);
      emit(ExecutionKind::kNotFound, command.instrument, command.client_order_id, 0,
           kOrderDoesNotExist);
      return;
    }
    prove_absence(command);
    return;
  }
  set_in_doubt(command, true);
  emit(ExecutionKind::kUnknown, command.instrument, command.client_order_id);
}

void BinanceExecutionVenue::prove_absence(const OrderCommand& command) {
  // The order lookup says "does not exist", but lookups lag behind the matching engine. The
  // order history, the trades and the balances must all agree before the OMS may resend.
  ++counters_.proofs;
  const Instrument& instrument = instruments_.get(command.instrument);
  const std::string symbol(instrument.symbol.view());
  const TimeNs now = clock_.now_ns();
  // From a minute before the order was created, within the 24 hours Binance allows.
  const TimeNs earliest = now - kNsPerDay + kNsPerMinute;
  const TimeNs start = std::clamp(command.created_time_ns - kNsPerMinute, earliest, now);
  const auto unknown = [&](AbsenceEvidence evidence, const std::string& why) {
    if (evidence == AbsenceEvidence::kUnproven) {
      ++counters_.unproven_absences;
      ++counters_.alerts;
      log_error(
          "ALERT: order {} is not found by its lookup, but {}: it may have traded; it is not "
          "resent",
          command.client_order_id.view(), why);
    }
    set_in_doubt(command, true);
    ExecutionEvent event{};
    event.kind = ExecutionKind::kUnknown;
    event.instrument = command.instrument;
    event.client_order_id = command.client_order_id;
    event.absence = evidence;
    event.receive_time_ns = clock_.now_ns();
    event.venue_time_ns = event.receive_time_ns;
    queues_.answer(event);
  };
  // A request that fails proves nothing either way: the OMS asks again later.
  std::string failed;
  const HttpResponse history = rest_.all_orders_between(symbol, start / kNsPerMs, now / kNsPerMs);
  after_call(&history, nullptr);
  const auto orders = parse_answer("order history", history, parse_order_reports, failed);
  if (!orders) return unknown(AbsenceEvidence::kNone, "");
  std::map<VenueOrderId, std::string> client_ids;
  for (const auto& report : *orders) {
    if (report.client_order_id == command.client_order_id) {
      // The history has it: the lookup lagged. Adopt what the venue says.
      log_warn(
          "order {} is in the order history although its lookup said it does not exist; adopted",
          command.client_order_id.view());
      Tracked& tracked = tracked_[std::string(command.client_order_id.view())];
      tracked.instrument = command.instrument;
      emit_report(report, command.instrument);
      return;
    }
    client_ids.emplace(report.order_id, std::string(report.client_order_id.view()));
  }
  const HttpResponse trades_answer =
      rest_.my_trades_between(symbol, start / kNsPerMs, now / kNsPerMs);
  after_call(&trades_answer, nullptr);
  const auto trades = parse_answer("trades", trades_answer, parse_account_trades, failed);
  if (!trades) return unknown(AbsenceEvidence::kNone, "");
  for (const auto& trade : *trades) {
    if (!client_ids.contains(trade.order_id)) {
      return unknown(
          AbsenceEvidence::kUnproven,
          fmt::format(
              "trade {} of order {} on {} is in the account's trades and in no order the history "
              "shows",
              trade.trade_id, trade.order_id, symbol));
    }
  }
  const auto holding = read_holding(instrument);
  if (!holding) return unknown(AbsenceEvidence::kNone, "");
  const std::int64_t held = *holding;
  const std::int64_t expected = holdings_[command.instrument].load();
  const std::int64_t moved = command.side == Side::kBuy ? held - expected : expected - held;
  if (moved > 0 && moved >= to_venue(command.quantity.raw, instrument.quantity_scale) / 2) {
    return unknown(AbsenceEvidence::kUnproven,
                   fmt::format("the account holds {} {} where {} was expected",
                               format_decimal(held, kBinanceScale), instrument.base_asset.view(),
                               format_decimal(expected, kBinanceScale)));
  }
  set_in_doubt(command, false);  // proven absent: the OMS may send it again
  ExecutionEvent event{};
  event.kind = ExecutionKind::kNotFound;
  event.instrument = command.instrument;
  event.client_order_id = command.client_order_id;
  event.venue_error_code = kOrderDoesNotExist;
  event.absence = AbsenceEvidence::kProven;
  event.receive_time_ns = clock_.now_ns();
  event.venue_time_ns = event.receive_time_ns;
  queues_.answer(event);
}

void BinanceExecutionVenue::cancel(const OrderCommand& command) {
  const Instrument& instrument = instruments_.get(command.instrument);
  const OrderCall call =
      rest_.cancel_order(instrument.symbol.view(), command.client_order_id.view());
  after_call(nullptr, &call.answer);
  if (call.answer.outcome == OrderOutcome::kAccepted && call.report) {
    emit_report(*call.report, command.instrument);
    return;
  }
  if (call.sent && call.answer.error.code == kUnknownOrderSent) {
    // Not open any more: filled or expired meanwhile. Say so, then read its final state.
    emit(ExecutionKind::kCancelRejected, command.instrument, command.client_order_id, 0,
         kUnknownOrderSent);
  }
  // Unknown outcome or cancel refused: the order's real state is read back.
  look_up(command);
}

bool BinanceExecutionVenue::emit_report(const VenueOrderReport& report, InstrumentId instrument) {
  const std::string id(report.client_order_id.view());
  in_doubt_.erase(id);
  Tracked& tracked = tracked_[id];
  tracked.instrument = instrument;
  tracked.order_id = report.order_id;
  if (report.status == VenueOrderStatus::kRejected) {
    emit(ExecutionKind::kRejected, instrument, report.client_order_id, report.order_id);
    tracked_.erase(id);
    return true;
  }
  if (!tracked.accepted) {
    emit(ExecutionKind::kAccepted, instrument, report.client_order_id, report.order_id);
    tracked.accepted = true;
  }
  if (report.executed_quantity > tracked.executed && !emit_fills(report, tracked)) return false;
  if (!is_final(report.status)) return true;
  if (report.status == VenueOrderStatus::kCanceled) {
    emit(ExecutionKind::kCanceled, instrument, report.client_order_id, report.order_id);
  } else if (report.status == VenueOrderStatus::kExpired) {
    emit(ExecutionKind::kExpired, instrument, report.client_order_id, report.order_id);
  }
  tracked_.erase(id);
  return true;
}

bool BinanceExecutionVenue::emit_fills(const VenueOrderReport& report, Tracked& tracked) {
  std::vector<VenueFill> fills = report.fills;
  Quantity reported{0};
  for (const auto& fill : fills) reported += fill.quantity;
  if (reported != report.executed_quantity) {
    // Not a FULL answer (or only part of it): the trades are read from the account.
    const HttpResponse response = rest_.my_trades(report.symbol, report.order_id);
    after_call(&response, nullptr);
    if (response.transport_failed() || response.status != 200) return false;
    auto trades = parse_account_trades(response.body);
    if (!trades) {
      log_warn("Binance trades answer for order {} is unreadable: {}",
               report.client_order_id.view(), trades.error().what);
      return false;
    }
    fills = std::move(*trades);
    reported = Quantity{0};
    for (const auto& fill : fills)
      reported += fill.order_id == report.order_id ? fill.quantity : Quantity{0};
    if (reported < report.executed_quantity) return false;  // trades lag the order: next poll
  }
  for (const auto& fill : fills) {
    if ((fill.order_id != 0 && fill.order_id != report.order_id) ||
        !tracked.trades.insert(fill.trade_id).second) {
      continue;
    }
    queues_.answer(fill_event(fill, report.side, tracked.instrument, report.client_order_id,
                              report.order_id, report.transact_time_ns));
  }
  tracked.executed = report.executed_quantity;
  return true;
}

ExecutionEvent BinanceExecutionVenue::fill_event(const VenueFill& fill, Side side,
                                                 InstrumentId instrument_id,
                                                 const ClientOrderId& id, VenueOrderId order_id,
                                                 TimeNs fallback_time_ns, bool book_holdings) {
  const Instrument& instrument = instruments_.get(instrument_id);
  const SymbolFilters& filters = filters_[instrument_id];
  ExecutionEvent event{};
  event.kind = ExecutionKind::kFill;
  event.liquidity = fill.maker ? Liquidity::kMaker : Liquidity::kTaker;
  event.instrument = instrument_id;
  event.client_order_id = id;
  event.venue_order_id = order_id;
  event.trade_id = fill.trade_id;
  event.price = Price{from_venue(fill.price.raw, instrument.price_scale)};
  event.quantity = Quantity{from_venue(fill.quantity.raw, instrument.quantity_scale)};
  // The fee where Binance charged it: in the quote asset (cash pays it); in the base asset
  // (the position is net of it: rounded up to the instrument's scale, so sigex never believes
  // it holds more than the account); in a third asset such as BNB (a cost in that asset,
  // valued at its last known price in the quote asset).
  if (fill.commission_asset == filters.quote_asset || fill.commission_asset.empty()) {
    event.fee_asset = FeeAsset::kQuote;
    event.fee = Money{fill.commission.raw};
  } else if (fill.commission_asset == filters.base_asset) {
    event.fee_asset = FeeAsset::kBase;
    event.fee_quantity = Quantity{from_venue_up(fill.commission.raw, instrument.quantity_scale)};
    event.fee = notional(fill.price, kBinanceScale, Quantity{fill.commission.raw}, kBinanceScale,
                         Rounding::kUp)
                    .value_or(Money{0});
  } else {
    event.fee_asset = FeeAsset::kOther;
    event.fee_asset_code.assign(fill.commission_asset.substr(0, 12));
    event.fee_quantity = Quantity{fill.commission.raw};
    const Money unit_price = third_asset_price(fill.commission_asset, filters.quote_asset);
    if (unit_price.raw > 0) {
      event.fee = Money{
          mul_div(fill.commission.raw, unit_price.raw, 100'000'000, Rounding::kUp).value_or(0)};
    } else if (!warned_commission_.exchange(true)) {
      log_warn(
          "Binance charges fees in {} and its price in {} is not known yet: these fees are booked "
          "in {} "
          "and valued at 0 until it is",
          fill.commission_asset, filters.quote_asset, fill.commission_asset);
    }
  }
  event.venue_time_ns = fill.time_ns != 0 ? fill.time_ns : fallback_time_ns;
  event.receive_time_ns = clock_.now_ns();
  // What the account holds moves with the fill: a buy adds what was bought less a fee taken
  // from it; a sell removes what was sold.
  std::int64_t change = fill.quantity.raw;
  if (fill.commission_asset == filters.base_asset) change -= fill.commission.raw;
  {
    // The stream and REST may both report a trade: it moves the holdings once. A trade made
    // before the account was read is in the holdings already (its time is the venue's).
    std::lock_guard lock(holdings_mutex_);
    const bool after_read = fill.time_ns == 0 || fill.time_ns >= holdings_as_of_ns_.load();
    if (booked_trades_.emplace(instrument_id, fill.trade_id).second && book_holdings &&
        after_read) {
      holdings_[instrument_id].fetch_add(side == Side::kBuy ? change : -change);
    }
  }
  return event;
}

Money BinanceExecutionVenue::third_asset_price(const std::string& asset, const std::string& quote) {
  const std::string symbol = asset + quote;
  std::lock_guard lock(prices_mutex_);
  const auto found = third_prices_.find(symbol);
  if (found != third_prices_.end()) {
    if (clock_.now_ns() - found->second.second > 10 * kNsPerMinute) wanted_prices_.insert(symbol);
    return found->second.first;
  }
  wanted_prices_.insert(symbol);
  return Money{0};
}

void BinanceExecutionVenue::refresh_third_asset_prices() {
  std::set<std::string, std::less<>> wanted;
  {
    std::lock_guard lock(prices_mutex_);
    wanted.swap(wanted_prices_);
  }
  for (const std::string& symbol : wanted) {
    const HttpResponse response = rest_.ticker_price(symbol);
    after_call(&response, nullptr);
    const auto price =
        response.status == 200 ? parse_ticker_price(response.body) : Result<Price>(Price{0});
    if (!price || price->raw <= 0) {
      log_warn("the price of {} (for fees paid in a third asset) could not be read: HTTP {}",
               symbol, response.status);
      continue;
    }
    std::lock_guard lock(prices_mutex_);
    third_prices_[symbol] = {Money{price->raw}, clock_.now_ns()};
  }
}

void BinanceExecutionVenue::refresh_balances() {
  const TimeNs as_of_ns = rest_.clock_guard().server_now_ns(clock_.now_ns());
  const HttpResponse account = rest_.account();
  after_call(&account, nullptr);
  std::string failed;
  if (const auto balances = parse_answer("account", account, parse_balances, failed)) {
    {
      std::lock_guard lock(holdings_mutex_);
      set_holdings(*balances);
      holdings_as_of_ns_.store(as_of_ns);
    }
    report_cash(held_of(*balances, cash_asset_));
  }
}

void BinanceExecutionVenue::report_cash(std::int64_t held) {
  if (cash_instrument_ == kNoInstrument) return;
  ExecutionEvent event{};
  event.kind = ExecutionKind::kAccountCash;
  event.instrument = cash_instrument_;
  event.cash = Money{from_venue(held, kMoneyScale)};
  event.receive_time_ns = clock_.now_ns();
  event.venue_time_ns = event.receive_time_ns;
  queues_.answer(event);
}

void BinanceExecutionVenue::on_stream_balances(const std::vector<VenueBalance>& balances) {
  // Only the assets the change may have moved are listed.
  for (const VenueBalance& balance : balances) {
    if (balance.asset == cash_asset_) report_cash(balance.free + balance.locked);
  }
}

void BinanceExecutionVenue::set_holdings(const std::vector<VenueBalance>& balances) {
  for (const Instrument& instrument : instruments_.all()) {
    if (!handles(instrument)) continue;
    holdings_[instrument.id].store(held_of(balances, instrument.base_asset.view()));
  }
}

void BinanceExecutionVenue::emit(ExecutionKind kind, InstrumentId instrument,
                                 const ClientOrderId& id, VenueOrderId venue_order_id,
                                 std::int32_t error_code, RejectionKind rejection) {
  ExecutionEvent event{};
  event.kind = kind;
  event.rejection = kind == ExecutionKind::kRejected ? rejection : RejectionKind::kNone;
  event.instrument = instrument;
  event.client_order_id = id;
  event.venue_order_id = venue_order_id;
  event.venue_error_code = error_code;
  event.receive_time_ns = clock_.now_ns();
  event.venue_time_ns = event.receive_time_ns;
  queues_.answer(event);
}

void BinanceExecutionVenue::poll_open_orders() {
  // Fast while no stream delivers order updates; slow as a safety net while one does, unless
  // an order is in doubt or the last call failed: the stream may have lost what happened to
  // such an order, and a read that failed is tried again soon, not a safety-net interval on.
  const bool stream_trusted = stream_live() && in_doubt_.empty() && !connection_failed_;
  next_poll_ns_ = clock_.now_ns() +
                  (stream_trusted ? config_.stream_poll_interval_ns : config_.poll_interval_ns);
  if (tracked_.empty() && in_doubt_.empty()) return;
  ++counters_.polls;
  query_tracked(kNoInstrument);
}

bool BinanceExecutionVenue::query_tracked(InstrumentId instrument) {
  // The orders in doubt too: the OMS looks them up, but one whose stream report said "NEW"
  // before its lost answer is open as far as the OMS knows, and only this read finds its
  // fills when the stream lost them.
  std::vector<std::pair<std::string, InstrumentId>> followed;
  for (const auto& [id, tracked] : tracked_) {
    if (instrument == kNoInstrument || tracked.instrument == instrument)
      followed.emplace_back(id, tracked.instrument);
  }
  for (const auto& [id, doubted] : in_doubt_) {
    if ((instrument == kNoInstrument || doubted.instrument == instrument) && !tracked_.contains(id))
      followed.emplace_back(id, doubted.instrument);
  }
  bool answered = true;
  for (const auto& [id, on] : followed) {
    const OrderCall call = rest_.query_order(instruments_.get(on).symbol.view(), id);
    after_call(nullptr, &call.answer);
    if (call.answer.outcome == OrderOutcome::kAccepted && call.report) {
      answered = emit_report(*call.report, on) && answered;
    } else if (!call.sent || call.answer.error.code != kOrderDoesNotExist) {
      answered = false;
    }
  }
  return answered;
}

void BinanceExecutionVenue::read_back_soon() {
  next_poll_ns_ = std::min(next_poll_ns_, clock_.now_ns() + config_.poll_interval_ns);
}

bool BinanceExecutionVenue::has_orders_in_doubt(InstrumentId instrument,
                                                DurationNs at_most_ns) const {
  const TimeNs now = clock_.now_ns();
  return std::any_of(in_doubt_.begin(), in_doubt_.end(), [&](const auto& entry) {
    return entry.second.instrument == instrument && now - entry.second.since_ns < at_most_ns;
  });
}

void BinanceExecutionVenue::set_in_doubt(const OrderCommand& command, bool in_doubt) {
  if (in_doubt) {
    in_doubt_.try_emplace(std::string(command.client_order_id.view()),
                          InDoubt{command.instrument, clock_.now_ns()});
    read_back_soon();
  } else {
    in_doubt_.erase(std::string(command.client_order_id.view()));
  }
}

bool BinanceExecutionVenue::read_history(std::string& error) {
  if (config_.history_lookback_ns <= 0) return true;
  const TimeNs now = clock_.now_ns();
  for (const Instrument& instrument : instruments_.all()) {
    if (!handles(instrument)) continue;
    const std::string symbol(instrument.symbol.view());
    // Binance answers at most 24 hours and 1000 rows per request: day by day, and page by
    // page within a day.
    for (TimeNs window_end = now; window_end > now - config_.history_lookback_ns;
         window_end -= kNsPerDay) {
      const TimeNs window_start =
          std::max(window_end - kNsPerDay + kNsPerMs, now - config_.history_lookback_ns);
      for (std::int64_t from_ms = window_start / kNsPerMs;;) {
        const auto reports =
            parse_answer("order history (allOrders " + symbol + ")",
                         rest_.all_orders_between(symbol, from_ms, window_end / kNsPerMs),
                         parse_order_reports, error);
        if (!reports) return false;
        for (const auto& report : *reports) {
          const AccountOrder order = account_order(report, instrument);
          history_orders_.push_back(order);
          // The history is ordered by creation time: the next page starts after this one.
          from_ms = std::max(from_ms, order.time_ns / kNsPerMs + 1);
        }
        if (reports->size() < 1000) break;
      }
      const auto fills = parse_answer(
          "trade history (myTrades " + symbol + ")",
          rest_.my_trades_between(symbol, window_start / kNsPerMs, window_end / kNsPerMs),
          parse_account_trades, error);
      if (!fills) return false;
      for (const auto& fill : *fills) {
        history_trades_[fill.order_id].emplace_back(fill, fill.buyer ? Side::kBuy : Side::kSell);
      }
    }
  }
  return true;
}

std::vector<ExecutionEvent> BinanceExecutionVenue::history_fills(const AccountOrder& order) {
  std::vector<ExecutionEvent> events;
  const auto found = history_trades_.find(order.venue_order_id);
  if (found == history_trades_.end()) return events;
  for (const auto& [fill, side] : found->second) {
    // Already in the balances read at start-up: not booked into the holdings again.
    ExecutionEvent event = fill_event(fill, side, order.instrument, order.client_order_id,
                                      order.venue_order_id, order.time_ns, false);
    events.push_back(event);
  }
  return events;
}

bool BinanceExecutionVenue::reconcile_open_orders() {
  ++counters_.reconciliations;
  for (const Instrument& instrument : instruments_.all()) {
    if (!handles(instrument)) continue;
    const HttpResponse response = rest_.open_orders(instrument.symbol.view());
    if (response.transport_failed() || response.status != 200) {
      connection_failed_ = true;
      return false;
    }
    auto reports = parse_order_reports(response.body);
    if (!reports) {
      log_warn("Binance open orders for {} are unreadable: {}", instrument.symbol.view(),
               reports.error().what);
      return false;
    }
    // Each open order is handed to the OMS. Orders this venue follows are brought up to date;
    // any other is announced once: the OMS looks up its own and reports the rest as not
    // created by sigex, which are left alone.
    for (const auto& report : *reports) {
      if (tracked_.contains(report.client_order_id.view())) {
        emit_report(report, instrument.id);
      } else {
        emit(ExecutionKind::kAccepted, instrument.id, report.client_order_id, report.order_id);
      }
    }
  }
  return true;
}

std::vector<HeldQuantity> BinanceExecutionVenue::start_holdings() const { return start_held_; }

void BinanceExecutionVenue::check_clock() {
  next_clock_check_ns_ = clock_.now_ns() + config_.clock_check_interval_ns;
  std::string error;
  if (!rest_.sync_clock(error)) {
    log_warn("Binance clock check failed: {}", error);
    return;
  }
  const TimeNs now = clock_.now_ns();
  const bool allowed = rest_.clock_guard().orders_allowed(now);
  // Said when it changes, and once a minute while it lasts: not on every check.
  if (!allowed && (clock_ok_ || now - clock_logged_ns_ >= kNsPerMinute)) {
    log_error("no new Binance orders: {}", rest_.clock_guard().status(now));
    clock_logged_ns_ = now;
  } else if (allowed && !clock_ok_) {
    log_warn("Binance clock check: {}; orders resume", rest_.clock_guard().status(now));
  }
  clock_ok_ = allowed;
}

bool BinanceExecutionVenue::rotate_keys(VenueKeys keys, std::string& error) {
  auto signer = make_signer(config_.key_type, std::move(keys.api_secret), error);
  if (!signer) return false;
  const std::string before = rest_.credentials()->fingerprint;
  rest_.rotate(std::move(keys.api_key), std::move(signer));
  key_rotations_.fetch_add(1);
  log_info(
      "Binance keys rotated: API key {} replaces {}; requests under way finish with the old "
      "pair{}",
      rest_.credentials()->fingerprint, before,
      user_stream_ ? "; the user data stream subscribes again with the new key" : "");
  if (user_stream_) user_stream_->renew();
  return true;
}

void BinanceExecutionVenue::write_metrics(MetricsExposition& out, TimeNs) const {
  const VenueCounters& counters = counters_;
  out.single("sigex_venue_key_rotations_total", "counter",
             "Key pairs replaced at a reload without a restart.",
             static_cast<double>(key_rotations_.load()));
  out.family("sigex_venue_api_key_info", "gauge",
             "The exchange API key in use, by fingerprint (never the key).");
  out.sample("sigex_venue_api_key_info", label("fingerprint", key_fingerprint()), 1);
  out.single("sigex_venue_orders_sent_total", "counter", "Order requests sent to the exchange.",
             static_cast<double>(counters.orders_sent.load()));
  rehearsal_.write_metrics(out);
  out.single("sigex_venue_unknown_outcomes_total", "counter",
             "Requests whose outcome was unknown (timeouts, 5xx).",
             static_cast<double>(counters.unknown_outcomes.load()));
  out.single("sigex_venue_alerts_total", "counter", "Conditions an operator must see (bans).",
             static_cast<double>(counters.alerts.load()));
  out.single("sigex_venue_banned", "gauge", "1 while the exchange bans our requests (HTTP 418).",
             banned() ? 1 : 0);
  out.single("sigex_venue_orders_waiting", "gauge",
             "Orders refused here (ban, clock skew, request budget) waiting to be sent once.",
             static_cast<double>(counters.orders_waiting.load()));
  out.single("sigex_venue_orders_given_up_total", "counter",
             "Orders that waited too long and were never sent.",
             static_cast<double>(counters.orders_given_up.load()));
  out.single("sigex_venue_user_stream_live", "gauge", "1 while the user data stream is subscribed.",
             stream_live() ? 1 : 0);
  write_hand_over_metrics(out, "venue", queues_.command_hand_overs().polled(),
                          queues_.command_hand_overs().woken());
}

void BinanceExecutionVenue::write_status(DaemonStatus& status, TimeNs) const {
  status.orders_waiting = counters_.orders_waiting.load();
  if (status.orders_waiting > 0) status.waiting_reason = waiting_reason();
  status.banned = banned();
  status.max_order_wait_s = config_.max_order_wait_ns / kNsPerSecond;
}

}  // namespace sigex
