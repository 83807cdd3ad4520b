#include "adapters/binance_usdm/execution_venue.h"

#include <algorithm>

#include <fmt/format.h>

#include "adapters/binance/decimals.h"
#include "adapters/binance_usdm/user_stream.h"
#include "engine/core/decimal.h"
#include "engine/logging/log.h"

namespace sigex {
namespace {

constexpr std::int32_t kNoNeedToChangeMarginType = -4046;
// How soon a position check that met a difference or an order in doubt looks again (the OMS
// looks such an order up within about a second), and for how long such an order may hold the
// check back (its lookups and proof of absence are over well before).
constexpr DurationNs kInDoubtRecheckNs = kNsPerSecond;
constexpr DurationNs kInDoubtLongestNs = 2 * kNsPerMinute;

// The wallet balance of `asset` (venue decimals; 0 when not listed).
std::int64_t wallet_of(const std::vector<UsdmAssetBalance>& balances, std::string_view asset) {
  for (const UsdmAssetBalance& balance : balances) {
    if (balance.asset == asset) return balance.wallet;
  }
  return 0;
}

}  // namespace

UsdmExecutionVenue::UsdmExecutionVenue(const InstrumentRegistry& instruments,
                                       UsdmExecutionConfig config, Secret api_key,
                                       std::unique_ptr<RequestSigner> signer, const Clock& clock,
                                       boost::asio::ssl::context& tls,
                                       const DurabilityWatermark& durability)
    : BinanceExecutionVenue(instruments, config.binance, std::move(api_key), std::move(signer),
                            clock, tls, durability),
      usdm_(std::move(config)) {}

UsdmExecutionVenue::UsdmExecutionVenue(const InstrumentRegistry& instruments,
                                       UsdmExecutionConfig config, Secret api_key,
                                       std::unique_ptr<RequestSigner> signer, const Clock& clock,
                                       std::unique_ptr<boost::asio::ssl::context> tls,
                                       const DurabilityWatermark& durability)
    : UsdmExecutionVenue(instruments, std::move(config), std::move(api_key), std::move(signer),
                         clock, *tls, durability) {
  owned_tls_ = std::move(tls);
}

UsdmExecutionVenue::~UsdmExecutionVenue() { stop(); }

bool UsdmExecutionVenue::check_listing(const Instrument& instrument, const SymbolFilters& filters,
                                       std::string& error) {
  const std::string name(instrument.symbol.view());
  if (filters.contract_type != "PERPETUAL") {
    error =
        "instrument " + name + " is listed on Binance USD-M as " +
        (filters.contract_type.empty() ? std::string("no contract type") : filters.contract_type) +
        ", not as a PERPETUAL";
    return false;
  }
  if (filters.quote_asset != instrument.quote_asset.view()) {
    error = "instrument " + name + " is margined in " + filters.quote_asset +
            " on Binance USD-M, not in " + std::string(instrument.quote_asset.view());
    return false;
  }
  return true;
}

bool UsdmExecutionVenue::configure_account(std::string& error) {
  // One-way mode only: sigex's positions are signed, with no LONG/SHORT legs.
  const auto dual =
      parse_answer("position mode", rest_.position_mode(), parse_dual_side_position, error);
  if (!dual) return false;
  if (*dual) {
    error =
        "the Binance USD-M account is in hedge mode (dualSidePosition); sigex trades one-way "
        "mode: switch it in the Binance UI or with POST /fapi/v1/positionSide/dual "
        "dualSidePosition=false (with no open positions or orders)";
    return false;
  }
  for (const Instrument& instrument : instruments_.all()) {
    if (!handles(instrument)) continue;
    const std::string symbol(instrument.symbol.view());
    // Cross margin: the margin and liquidation estimates sigex makes are the cross ones.
    const HttpResponse margin = rest_.set_margin_type(symbol, "CROSSED");
    const auto refused = parse_binance_error(margin.body);
    if (margin.transport_failed() ||
        (margin.status != 200 && !(refused && refused->code == kNoNeedToChangeMarginType))) {
      error = describe_failure("margin type of " + symbol + " (CROSSED)", margin);
      return false;
    }
    const HttpResponse leverage = rest_.set_leverage(symbol, instrument.leverage);
    if (leverage.transport_failed() || leverage.status != 200) {
      error = describe_failure(fmt::format("leverage of {} ({}x)", symbol, instrument.leverage),
                               leverage);
      return false;
    }
    log_info("Binance USD-M {}: cross margin, leverage {}x", symbol, instrument.leverage);
  }
  return true;
}

std::optional<std::vector<UsdmPositionRisk>> UsdmExecutionVenue::read_positions(
    std::string& error) {
  const HttpResponse response = rest_.position_risk();
  after_call(&response, nullptr);
  return parse_answer("positions (positionRisk)", response, parse_position_risk, error);
}

bool UsdmExecutionVenue::read_wallet(const Instrument& instrument, std::string& error) {
  const HttpResponse response = rest_.futures_balance();
  after_call(&response, nullptr);
  const auto balances = parse_answer("balances (balance)", response, parse_futures_balance, error);
  if (!balances) return false;
  // The wallet of the one cash asset every instrument is quoted in (none listed: empty).
  start_cash_.push_back(
      {VenueName::from("binance_usdm"),
       Money{from_venue(wallet_of(*balances, instrument.quote_asset.view()), kMoneyScale)}});
  return true;
}

void UsdmExecutionVenue::poll_cash() {
  const HttpResponse response = rest_.futures_balance();
  after_call(&response, nullptr);
  std::string error;
  const auto balances = parse_answer("balances (balance)", response, parse_futures_balance, error);
  if (balances) report_cash(wallet_of(*balances, cash_asset_));
}

bool UsdmExecutionVenue::read_account(std::string& error) {
  if (!configure_account(error)) return false;
  const auto rows = read_positions(error);
  if (!rows) return false;
  const auto held = held_perpetuals(*rows, instruments_);
  if (!held) {
    error = "Binance USD-M positions: " + std::string(held.error().what);
    return false;
  }
  for (const HeldQuantity& entry : *held) {
    const Instrument& instrument = instruments_.get(entry.instrument);
    if (!handles(instrument)) continue;
    start_held_.push_back(entry);
    holdings_[entry.instrument].store(to_venue(entry.held.raw, instrument.quantity_scale));
  }
  if (!start_held_.empty() &&
      !read_wallet(instruments_.get(start_held_.front().instrument), error)) {
    return false;
  }
  const TimeNs now = clock_.now_ns();
  const DurationNs lookback = std::max<DurationNs>(config_.history_lookback_ns, kNsPerDay);
  funding_from_ms_ = (now - lookback) / kNsPerMs;
  venue_orders_from_ms_ = now / kNsPerMs;
  poll_funding(now);
  next_position_check_ns_ = now + usdm_.position_check_interval_ns;
  return true;
}

std::unique_ptr<UserStreamChannel> UsdmExecutionVenue::make_user_stream(std::string& error) {
  if (usdm_.user_stream_url.empty()) return nullptr;
  const auto stream_url = parse_url(usdm_.user_stream_url);
  if (!stream_url || !may_carry_secrets(*stream_url)) {
    error = "execution.binance_usdm.user_stream_url '" + usdm_.user_stream_url +
            "' must be a wss:// URL (plain ws:// only for a loopback simulator)";
    return nullptr;
  }
  const auto rest_url = parse_url(rest_.config().rest_url);
  if (!rest_url) {
    error = "execution.binance_usdm.rest_url is not a URL";
    return nullptr;
  }
  UsdmUserStreamConfig stream;
  stream.stream_url = *stream_url;
  stream.rest_url = *rest_url;
  stream.rest_timeouts = rest_.config().timeouts;
  stream.timeouts = config_.ws_timeouts;
  stream.keepalive_ns = usdm_.listen_key_keepalive_ns;
  return std::make_unique<UsdmUserStream>(
      stream, [this] { return rest_.credentials(); }, tls_,
      UsdmUserStreamCallbacks{[this](const UsdmUserEvent& event) { on_event(event); },
                              [this](bool live) { on_stream_liveness(live); }});
}

std::optional<std::int64_t> UsdmExecutionVenue::read_holding(const Instrument& instrument) {
  std::string error;
  const auto rows = read_positions(error);
  if (!rows) return std::nullopt;
  return position_amount(*rows, instrument.symbol.view());
}

void UsdmExecutionVenue::after_rejection(std::int32_t code) {
  // Margin or reduce-only refusals: the position may not be what sigex believes.
  if (code == -2019 || code == -2022 || code == -2024) check_positions();
}

void UsdmExecutionVenue::after_recovery() { check_positions(); }

void UsdmExecutionVenue::periodic(TimeNs now_ns) {
  if (funding_requested_.exchange(false) || now_ns >= next_funding_poll_ns_) poll_funding(now_ns);
  if (now_ns >= next_position_check_ns_) check_positions();
}

bool UsdmExecutionVenue::waives(FilterFailure failure, Side side, Quantity quantity,
                                InstrumentId instrument) const {
  // Binance exempts reduce-only orders from the minimum notional (-4164's own words): an order
  // that only shrinks the position is sent with reduceOnly and passes.
  if (failure != FilterFailure::kNotionalBelowMinimum) return false;
  const std::int64_t held = holdings_[instrument].load();
  return side == Side::kSell ? held > 0 && quantity.raw <= held : held < 0 && quantity.raw <= -held;
}

void UsdmExecutionVenue::poll_funding(TimeNs now_ns) {
  next_funding_poll_ns_ = now_ns + usdm_.funding_poll_interval_ns;
  constexpr std::int64_t kDayMs = 24 * 3'600'000LL;
  const std::int64_t now_ms = now_ns / kNsPerMs;
  // The income list answers at most 1000 rows per request over at most 7 days: page forward.
  for (std::int64_t from_ms = funding_from_ms_;;) {
    const std::int64_t end_ms = std::min(now_ms, from_ms + 7 * kDayMs - 1);
    const HttpResponse response = rest_.funding_income(from_ms, end_ms);
    after_call(&response, nullptr);
    std::string error;
    const auto rows = parse_answer("funding income", response, parse_funding_income, error);
    if (!rows) {
      log_warn("{}; funding is read again at the next poll", error);
      return;  // funding_from_ms_ unchanged: nothing is skipped
    }
    std::int64_t last_ms = from_ms;
    for (const UsdmFundingPayment& payment : *rows) {
      last_ms = std::max(last_ms, payment.time_ns / kNsPerMs);
      const Instrument* instrument =
          instruments_.find_by_symbol(payment.symbol, InstrumentKind::kPerpetual);
      if (instrument == nullptr || !handles(*instrument)) continue;
      if (!funding_seen_.insert(payment.transaction_id).second) continue;  // handed on already
      ExecutionEvent event{};
      event.kind = ExecutionKind::kFunding;
      event.instrument = instrument->id;
      event.funding = Money{payment.amount};
      event.quantity =
          Quantity{from_venue(holdings_[instrument->id].load(), instrument->quantity_scale)};
      event.venue_time_ns = payment.time_ns;
      event.receive_time_ns = clock_.now_ns();
      ++usdm_counters_.funding_payments;  // counted before the core can see it
      queues_.answer(event);
    }
    if (rows->size() >= 1000 && last_ms > from_ms) {
      from_ms = last_ms;  // the rest of a full page (repeats are skipped by id)
      continue;
    }
    if (end_ms >= now_ms) break;
    from_ms = end_ms + 1;
  }
  // The next read starts a day back: a payment the income list shows late is still found.
  funding_from_ms_ = std::max(funding_from_ms_, now_ms - kDayMs);
}

void UsdmExecutionVenue::check_positions() {
  next_position_check_ns_ = clock_.now_ns() + usdm_.position_check_interval_ns;
  ++usdm_counters_.position_checks;
  std::string error;
  const auto rows = read_positions(error);
  if (!rows) return;
  for (const Instrument& instrument : instruments_.all()) {
    if (!handles(instrument)) continue;
    std::int64_t amount = position_amount(*rows, instrument.symbol.view());
    if (amount == holdings_[instrument.id].load()) {
      mismatched_.erase(instrument.id);
      reported_.erase(instrument.id);
      continue;
    }
    // Fills not handed on yet: of an order of ours whose outcome is unknown (its answer was
    // lost; the OMS is looking it up), of one the venue follows (its stream frame or poll is
    // still to come), or of one the venue minted itself (a liquidation whose report was lost).
    // Nothing can be concluded until those are known: looked at again soon, not at the next
    // interval.
    if (has_orders_in_doubt(instrument.id, kInDoubtLongestNs) || !query_tracked(instrument.id) ||
        !hand_on_venue_orders(instrument)) {
      next_position_check_ns_ =
          std::min(next_position_check_ns_, clock_.now_ns() + kInDoubtRecheckNs);
      continue;
    }
    // The position read again after what was handed on: a fill between the first read and
    // the queries is in both now.
    const auto again = read_positions(error);
    if (!again) return;
    amount = position_amount(*again, instrument.symbol.view());
    const std::int64_t held = holdings_[instrument.id].load();
    if (amount == held) {
      mismatched_.erase(instrument.id);
      reported_.erase(instrument.id);
      continue;
    }
    // A fill in flight explains a difference seen once (a resting order can fill between the
    // reads); seen again a second later, nothing sigex knows does.
    if (mismatched_.insert(instrument.id).second) {
      next_position_check_ns_ =
          std::min(next_position_check_ns_, clock_.now_ns() + kInDoubtRecheckNs);
      continue;
    }
    // Reported once per amount: the engine has halted the instrument; an operator resolves it.
    const auto reported = reported_.find(instrument.id);
    if (reported != reported_.end() && reported->second == amount) continue;
    reported_[instrument.id] = amount;
    ++usdm_counters_.position_mismatches;
    log_warn("the Binance USD-M position of {} is {} where the fills handed on explain {}",
             instrument.symbol.view(), format_decimal(amount, kBinanceScale),
             format_decimal(held, kBinanceScale));
    // Reported: the engine compares it with the journal and halts the instrument on a
    // difference (the venue's own view may lag a fill the engine already has).
    ExecutionEvent report{};
    report.kind = ExecutionKind::kPositionReport;
    report.instrument = instrument.id;
    report.quantity = Quantity{from_venue(amount, instrument.quantity_scale)};
    report.receive_time_ns = clock_.now_ns();
    report.venue_time_ns = report.receive_time_ns;
    queues_.answer(report);
  }
}

bool UsdmExecutionVenue::hand_on_venue_orders(const Instrument& instrument) {
  const std::string symbol(instrument.symbol.view());
  const std::int64_t now_ms = clock_.now_ns() / kNsPerMs;
  const std::int64_t from_ms = std::max(venue_orders_from_ms_ - 60'000, now_ms - 86'400'000 + 1);
  std::string error;
  const auto orders =
      parse_answer("order history", rest_.all_orders_between(symbol, from_ms, now_ms),
                   parse_order_reports, error);
  if (!orders) return false;
  for (const VenueOrderReport& order : *orders) {
    if (!is_venue_minted_id(order.client_order_id.view()) || order.executed_quantity.raw <= 0) {
      continue;
    }
    const auto trades = parse_answer("trades", rest_.my_trades(symbol, order.order_id),
                                     parse_account_trades, error);
    if (!trades) return false;
    for (const VenueFill& fill : *trades) {
      if (fill.order_id != order.order_id) continue;
      hand_on_venue_fill(fill, order.side, instrument.id, order.client_order_id, order.order_id,
                         order.transact_time_ns);
    }
  }
  return true;
}

void UsdmExecutionVenue::hand_on_venue_fill(const VenueFill& fill, Side side,
                                            InstrumentId instrument, const ClientOrderId& id,
                                            VenueOrderId order_id, TimeNs fallback_time_ns) {
  ExecutionEvent event = fill_event(fill, side, instrument, id, order_id, fallback_time_ns);
  event.kind = ExecutionKind::kVenueFill;
  event.side = side;
  ++usdm_counters_.venue_fills;  // counted before the core can see it
  queues_.answer(event);
}

void UsdmExecutionVenue::on_event(const UsdmUserEvent& event) {
  ++counters_.stream_reports;
  switch (event.kind) {
    case UsdmUserEventKind::kOrderUpdate:
      on_order_update(event.order);
      return;
    case UsdmUserEventKind::kAccountUpdate:
      if (event.reason == "FUNDING_FEE") {
        funding_requested_ = true;  // the amount and symbol are read from the income list
        wake();
      }
      // Any reason (ORDER, FUNDING_FEE, DEPOSIT, WITHDRAW, ...): the wallets it moved.
      for (const UsdmBalance& balance : event.balances) {
        if (balance.asset == cash_asset_) report_cash(balance.wallet);
      }
      return;
    case UsdmUserEventKind::kMarginCall:
      ++usdm_counters_.margin_calls;
      ++counters_.alerts;
      log_error(
          "ALERT: Binance USD-M margin call: the account's margin ratio is near liquidation; "
          "reduce positions or add margin");
      return;
    case UsdmUserEventKind::kTradeLite:  // no commission: ORDER_TRADE_UPDATE carries the fill
    case UsdmUserEventKind::kListenKeyExpired:  // handled by the stream
    case UsdmUserEventKind::kOther:
      return;
  }
}

void UsdmExecutionVenue::on_order_update(const UsdmOrderUpdate& update) {
  const Instrument* instrument =
      instruments_.find_by_symbol(update.symbol, InstrumentKind::kPerpetual);
  if (instrument == nullptr || !handles(*instrument)) return;
  const ClientOrderId& id = update.client_order_id;
  const bool traded = (update.execution_type == "TRADE" || update.execution_type == "CALCULATED") &&
                      update.fill.quantity.raw > 0;
  if (update.venue_order) {
    // A liquidation or auto-deleveraging: not sigex's order, but its position changed.
    if (traded) {
      hand_on_venue_fill(update.fill, update.side, instrument->id, id, update.order_id,
                         update.transact_time_ns);
    }
    return;
  }
  if (update.execution_type == "NEW") {
    emit(ExecutionKind::kAccepted, instrument->id, id, update.order_id);
  } else if (traded) {
    queues_.answer(fill_event(update.fill, update.side, instrument->id, id, update.order_id,
                              update.transact_time_ns));
  } else if (update.execution_type == "CANCELED") {
    emit(ExecutionKind::kCanceled, instrument->id, id, update.order_id);
  } else if (update.execution_type == "EXPIRED") {
    emit(ExecutionKind::kExpired, instrument->id, id, update.order_id);
  }
}

void UsdmExecutionVenue::write_metrics(MetricsExposition& out, TimeNs now_ns) const {
  BinanceExecutionVenue::write_metrics(out, now_ns);
  out.single("sigex_venue_funding_payments_total", "counter",
             "Funding payments read from the venue's income list and handed on.",
             static_cast<double>(usdm_counters_.funding_payments.load()));
  out.single("sigex_venue_own_fills_total", "counter",
             "Fills of orders the venue minted itself (liquidation, auto-deleveraging).",
             static_cast<double>(usdm_counters_.venue_fills.load()));
  out.single("sigex_venue_margin_calls_total", "counter", "MARGIN_CALL events received.",
             static_cast<double>(usdm_counters_.margin_calls.load()));
  out.single("sigex_venue_position_mismatches_total", "counter",
             "Position checks where the venue's position differed from what the fills explain.",
             static_cast<double>(usdm_counters_.position_mismatches.load()));
}

}  // namespace sigex
