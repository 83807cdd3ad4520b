#include "adapters/coinbase/execution_venue.h"

#include <algorithm>

#include <fmt/format.h>

#include "adapters/net/url.h"
#include "engine/core/calendar.h"
#include "engine/core/decimal.h"
#include "engine/core/failpoint.h"
#include "engine/logging/log.h"
#include "engine/metrics/exposition.h"
#include "engine/status/daemon_status.h"

namespace sigex {
namespace {

constexpr std::string_view kOrders = "/api/v3/brokerage/orders";
constexpr std::int32_t kNotSent = -1;  // the journal's code for an order that never left
constexpr DurationNs kListLagNs = 5 * kNsPerSecond;  // how far behind a list may be

std::string decimal_text(std::int64_t raw, int scale) {
  char text[kMaxDecimalText];
  return std::string(text, write_decimal(raw, scale, text, DecimalZeros::kTrimmed));
}

// A decimal text at `scale`, extra digits cut off (balances may carry more than the scale).
std::int64_t truncated(std::string_view text, int scale) {
  const auto dot = text.find('.');
  if (dot != std::string_view::npos && text.size() - dot - 1 > static_cast<std::size_t>(scale))
    text = text.substr(0, dot + 1 + static_cast<std::size_t>(scale));
  if (!text.empty() && text.back() == '.') text.remove_suffix(1);
  return parse_decimal(text, scale).value_or(0);
}

std::string rfc3339(TimeNs time_ns) {
  std::string text = format_utc_timestamp(time_ns);  // "YYYY-MM-DDTHH:MM:SS.mmmZ"
  return text.substr(0, 19) + "Z";
}

// Coinbase's failure reasons that retrying cannot cure.
bool final_failure(std::string_view error) {
  return error.starts_with("INSUFFICIENT") || error.starts_with("INVALID") ||
         error.find("UNSUPPORTED") != std::string_view::npos ||
         error.find("TOO_SMALL") != std::string_view::npos ||
         error.find("TOO_LARGE") != std::string_view::npos;
}

}  // namespace

CoinbaseExecutionVenue::CoinbaseExecutionVenue(const InstrumentRegistry& instruments,
                                               CoinbaseExecutionConfig config,
                                               std::unique_ptr<CoinbaseSigner> signer,
                                               const Clock& clock,
                                               std::unique_ptr<boost::asio::ssl::context> tls,
                                               const DurabilityWatermark& durability)
    : tls_(std::move(tls)),
      instruments_(instruments),
      config_(std::move(config)),
      clock_(clock),
      durability_(durability),
      rest_(std::make_unique<CoinbaseRestClient>(config_, std::move(signer), clock, *tls_)),
      holdings_(std::make_unique<std::atomic<std::int64_t>[]>(instruments.size())) {}

CoinbaseExecutionVenue::~CoinbaseExecutionVenue() { stop(); }

InstrumentId CoinbaseExecutionVenue::instrument_of(std::string_view product_id) const {
  const Instrument* instrument = instruments_.find_by_symbol(product_id, InstrumentKind::kSpot);
  return instrument == nullptr ? kNoInstrument : instrument->id;
}

bool CoinbaseExecutionVenue::start(std::string& error) {
  if (!parse_url(config_.rest_url)) return (error = "[execution] rest_url is not a URL", false);
  for (const Instrument& instrument : instruments_.all()) {
    if (instrument.kind != InstrumentKind::kSpot || instrument.awaits_venue_rules()) {
      error = fmt::format("{}: Coinbase trades spot products with known rules only",
                          instrument.symbol.view());
      return false;
    }
  }
  if (!read_balances(error) || !read_history(error)) return false;
  next_cash_poll_ns_ = clock_.now_ns() + config_.balance_interval_ns;
  reconcile_open_orders();
  if (!config_.user_ws_url.empty()) {
    const auto url = parse_url(config_.user_ws_url);
    if (!url || (url->scheme != "ws" && url->scheme != "wss"))
      return (error = "[execution] user_ws_url is not a ws:// or wss:// URL", false);
    std::string products;
    for (const Instrument& instrument : instruments_.all())
      products += fmt::format("{}\"{}\"", products.empty() ? "" : ",", instrument.symbol.view());
    CoinbaseUserStreamCallbacks callbacks;
    callbacks.subscribe_messages = [this, products] {
      std::vector<std::string> messages;
      for (const char* channel : {"user", "heartbeats"}) {
        messages.push_back(
            fmt::format(R"({{"type":"subscribe","product_ids":[{}],"channel":"{}","jwt":"{}"}})",
                        products, channel, rest_->websocket_token()));
      }
      return messages;
    };
    callbacks.on_orders = [this](const std::vector<CoinbaseUserOrder>&) {
      poll_now_requested_ = true;  // read the orders (and fills) the channel says changed
      queues_.wake();
    };
    callbacks.on_liveness = [this](bool live) {
      if (live) reconcile_requested_ = true;  // what happened while it was down
      queues_.wake();
    };
    user_stream_ =
        std::make_unique<CoinbaseUserStream>(*url, *tls_, clock_, std::move(callbacks),
                                             config_.ws_timeouts, config_.user_stale_after_ns);
    user_stream_->start();
  }
  thread_ = std::thread([this] { run(); });
  return true;
}

void CoinbaseExecutionVenue::stop() {
  if (user_stream_) user_stream_->stop();
  if (!thread_.joinable()) return;
  stopping_ = true;
  queues_.wake();
  thread_.join();
}

std::optional<std::vector<CoinbaseBalance>> CoinbaseExecutionVenue::read_accounts(
    std::string& error) {
  std::vector<CoinbaseBalance> balances;
  std::string cursor;
  for (int page = 0; page < 100; ++page) {
    bool refused = false;
    const HttpResponse response = rest_->get(
        "/api/v3/brokerage/accounts?limit=250" + (cursor.empty() ? "" : "&cursor=" + cursor),
        refused);
    if (refused || response.transport_failed() || response.status != 200) {
      error = fmt::format("Coinbase accounts: {}",
                          refused ? std::string("rate limited")
                          : response.transport_failed()
                              ? response.error.message()
                              : fmt::format("HTTP {} {:.200}", response.status, response.body));
      return std::nullopt;
    }
    auto parsed = parse_accounts(response.body, cursor);
    if (!parsed) return (error = "Coinbase accounts: " + parsed.error(), std::nullopt);
    balances.insert(balances.end(), parsed->begin(), parsed->end());
    if (cursor.empty()) break;
  }
  return balances;
}

Money CoinbaseExecutionVenue::cash_of(const std::vector<CoinbaseBalance>& balances) const {
  // Every instrument is quoted in the one cash asset (checked at configuration time).
  Money cash{0};
  if (instruments_.all().empty()) return cash;
  for (const auto& balance : balances) {
    if (balance.currency != instruments_.all().front().quote_asset.view()) continue;
    cash += Money{truncated(balance.available, kMoneyScale) + truncated(balance.hold, kMoneyScale)};
  }
  return cash;
}

bool CoinbaseExecutionVenue::read_balances(std::string& error) {
  // The balances read now include every trade made before the request: a fill handed on
  // later (an order of the previous run resolved at reconciliation) must not move them again.
  // Coinbase has no clock offset to measure: its times are compared with ours (a JWT needs our
  // clock right within seconds anyway).
  holdings_as_of_ns_.store(clock_.now_ns());
  const auto balances = read_accounts(error);
  if (!balances) return false;
  start_held_.clear();
  for (const Instrument& instrument : instruments_.all()) {
    std::int64_t held = 0;
    for (const auto& balance : *balances) {
      if (balance.currency != instrument.base_asset.view()) continue;
      held += truncated(balance.available, instrument.quantity_scale) +
              truncated(balance.hold, instrument.quantity_scale);
    }
    holdings_[instrument.id].store(held);
    start_held_.push_back({instrument.id, Quantity{held}});
  }
  start_cash_.clear();
  if (!instruments_.all().empty())
    start_cash_.push_back({VenueName::from("coinbase"), cash_of(*balances)});
  return true;
}

void CoinbaseExecutionVenue::poll_cash() {
  next_cash_poll_ns_ = clock_.now_ns() + config_.balance_interval_ns;
  std::string error;
  const auto balances = read_accounts(error);
  if (!balances || instruments_.all().empty()) return;
  // Handed to the engine, which limits buys to what the account holds.
  ExecutionEvent event{};
  event.kind = ExecutionKind::kAccountCash;
  event.instrument = instruments_.all().front().id;
  event.cash = cash_of(*balances);
  event.receive_time_ns = clock_.now_ns();
  event.venue_time_ns = event.receive_time_ns;
  queues_.answer(event);
}

std::optional<std::vector<CoinbaseOrder>> CoinbaseExecutionVenue::list_orders(
    const std::string& query) {
  std::vector<CoinbaseOrder> orders;
  std::string cursor;
  for (int page = 0; page < 1000; ++page) {
    bool refused = false;
    const HttpResponse response = rest_->get(std::string(kOrders) + "/historical/batch?" + query +
                                                 (cursor.empty() ? "" : "&cursor=" + cursor),
                                             refused);
    note_failure(response);
    if (refused || response.transport_failed() || response.status != 200) return std::nullopt;
    auto parsed = parse_order_list(response.body, cursor);
    if (!parsed) {
      log_warn("Coinbase order list unreadable: {}", parsed.error());
      return std::nullopt;
    }
    orders.insert(orders.end(), parsed->begin(), parsed->end());
    if (cursor.empty()) break;
  }
  return orders;
}

std::optional<std::vector<CoinbaseFill>> CoinbaseExecutionVenue::list_fills(
    const std::string& query) {
  std::vector<CoinbaseFill> fills;
  std::string cursor;
  for (int page = 0; page < 1000; ++page) {
    bool refused = false;
    const HttpResponse response = rest_->get(std::string(kOrders) + "/historical/fills?" + query +
                                                 (cursor.empty() ? "" : "&cursor=" + cursor),
                                             refused);
    note_failure(response);
    if (refused || response.transport_failed() || response.status != 200) return std::nullopt;
    auto parsed = parse_fills(response.body, cursor);
    if (!parsed) {
      log_warn("Coinbase fills unreadable: {}", parsed.error());
      return std::nullopt;
    }
    fills.insert(fills.end(), parsed->begin(), parsed->end());
    if (cursor.empty() || parsed->empty()) break;
  }
  return fills;
}

bool CoinbaseExecutionVenue::read_history(std::string& error) {
  if (config_.history_lookback_ns <= 0) return true;
  const std::string since = rfc3339(clock_.now_ns() - config_.history_lookback_ns);
  for (const Instrument& instrument : instruments_.all()) {
    const auto orders = list_orders(
        fmt::format("product_ids={}&start_date={}&limit=1000", instrument.symbol.view(), since));
    if (!orders) {
      error =
          fmt::format("Coinbase order history of {} could not be read", instrument.symbol.view());
      return false;
    }
    for (const CoinbaseOrder& order : *orders) {
      AccountOrder account;
      if (!account.client_order_id.assign(order.client_order_id)) continue;  // not an engine id
      account.instrument = instrument.id;
      account.venue_order_id = id_hash(order.order_id);
      account.side = order.side == "SELL" ? Side::kSell : Side::kBuy;
      account.price = Price{truncated(order.limit_price, instrument.price_scale)};
      account.quantity = Quantity{truncated(order.base_size, instrument.quantity_scale)};
      account.executed = Quantity{truncated(order.filled_size, instrument.quantity_scale)};
      account.status = order.status;
      account.time_ns = parse_utc_timestamp(order.created_time).value_or(0);
      history_order_ids_[account.venue_order_id] = order.order_id;
      history_orders_.push_back(account);
    }
  }
  return true;
}

std::vector<ExecutionEvent> CoinbaseExecutionVenue::history_fills(const AccountOrder& order) {
  std::vector<ExecutionEvent> events;
  const auto found = history_order_ids_.find(order.venue_order_id);
  if (found == history_order_ids_.end()) return events;
  const auto fills = list_fills("order_ids=" + found->second);
  if (!fills) return events;
  for (const CoinbaseFill& fill : *fills) {
    if (fill.order_id != found->second) continue;
    events.push_back(fill_event(fill, order.instrument, order.client_order_id));
  }
  return events;
}

void CoinbaseExecutionVenue::send(const OrderCommand& command) { queues_.send(command); }

void CoinbaseExecutionVenue::poll(TimeNs /*now_ns*/, std::vector<ExecutionEvent>& out) {
  queues_.poll(out);
}

bool CoinbaseExecutionVenue::wait_for_answers(DurationNs timeout_ns) {
  return queues_.wait_for_answers(timeout_ns);
}

bool CoinbaseExecutionVenue::normalize(Side side, OrderType type, Price& price, Quantity& quantity,
                                       Price reference, InstrumentId instrument_id,
                                       std::string& why) const {
  const Instrument& instrument = instruments_.get(instrument_id);
  const std::int64_t tick = std::max<std::int64_t>(instrument.tick_size.raw, 1);
  const std::int64_t step = std::max<std::int64_t>(instrument.step_size.raw, 1);
  if (type == OrderType::kLimit) {
    // In the safe direction: a buy never pays more, a sell never takes less.
    price = Price{
        round_to_multiple(price.raw, tick, side == Side::kBuy ? Rounding::kDown : Rounding::kUp)};
    if (price.raw <= 0) return (why = "price below one increment (quote_increment)", false);
  }
  quantity = Quantity{quantity.raw / step * step};
  if (side == Side::kSell) {
    const std::int64_t held = holdings_[instrument_id].load() / step * step;
    if (quantity.raw > held) {
      if (held <= 0) {
        why = "the account holds no " + std::string(instrument.base_asset.view()) + " to sell";
        return false;
      }
      quantity = Quantity{held};
    }
  }
  if (quantity.raw <= 0 || quantity < instrument.min_quantity)
    return (why = "size below base_min_size", false);
  const Price at = type == OrderType::kLimit ? price : reference;
  const auto value =
      notional(at, instrument.price_scale, quantity, instrument.quantity_scale, Rounding::kDown);
  if (value && *value < instrument.min_notional)
    return (why = "order value below quote_min_size / min_market_funds", false);
  return true;
}

void CoinbaseExecutionVenue::run() {
  while (!stopping_) {
    const TimeNs now = clock_.now_ns();
    TimeNs next = rehearsal_.wake_by(std::min(next_poll_ns_, next_cash_poll_ns_));
    if (!deferred_.empty()) next = std::min(next, now + 200 * kNsPerMs);
    queues_.serve_one(next - now, [this](const OrderCommand& command) { handle(command); });
    if (stopping_) break;
    if (reconcile_requested_.exchange(false)) {
      reconcile_open_orders();
      next_poll_ns_ = 0;
    }
    if (poll_now_requested_.exchange(false)) next_poll_ns_ = 0;
    send_deferred();
    if (clock_.now_ns() >= next_poll_ns_) poll_open_orders();
    if (clock_.now_ns() >= next_cash_poll_ns_) poll_cash();
    rehearsal_.run_if_due(clock_.now_ns(), [this](const OrderCommand& command) {
      order_body(command);  // built and dropped, as the token below
      rest_->sign_only(HttpSession::Method::kPost, std::string(kOrders));
    });
  }
}

void CoinbaseExecutionVenue::handle(const OrderCommand& command) {
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

void CoinbaseExecutionVenue::note_failure(const HttpResponse& response) {
  const bool failed = response.transport_failed() || response.status >= 500;
  if (failed) {
    connection_failed_ = true;
  } else if (connection_failed_ && response.status != 0) {
    connection_failed_ = false;
    reconcile_open_orders();  // what happened while the venue did not answer
  }
}

void CoinbaseExecutionVenue::place(const OrderCommand& command) {
  for (;;) {
    const auto wait = durability_.wait_for(command.journal_sequence, 100 * kNsPerMs);
    if (wait == DurabilityWatermark::Wait::kDurable) break;
    if (wait == DurabilityWatermark::Wait::kFailed || stopping_) {
      log_error("order {} not sent: its intent never became durable in the journal",
                command.client_order_id.view());
      emit(ExecutionKind::kRejected, command.instrument, command.client_order_id, {},
           RejectionKind::kLocal);
      return;
    }
  }
  SIGEX_FAILPOINT("venue.intent_durable");
  if (!deferred_.empty() || create(command) == Sent::kRefused) {
    deferred_.push_back(Deferred{command, clock_.now_ns()});
    counters_.orders_waiting = deferred_.size();
    log_warn("order {} waits: Coinbase's rate limit is spent; it goes out when it resets",
             command.client_order_id.view());
  }
}

std::string CoinbaseExecutionVenue::order_body(const OrderCommand& command) const {
  const Instrument& instrument = instruments_.get(command.instrument);
  const std::string size = decimal_text(command.quantity.raw, instrument.quantity_scale);
  std::string shape;
  if (command.type == OrderType::kMarket) {
    shape = fmt::format(R"("market_market_ioc":{{"base_size":"{}"}})", size);
  } else if (command.time_in_force == TimeInForce::kImmediateOrCancel) {
    shape = fmt::format(R"("sor_limit_ioc":{{"base_size":"{}","limit_price":"{}"}})", size,
                        decimal_text(command.price.raw, instrument.price_scale));
  } else {
    shape = fmt::format(
        R"("limit_limit_gtc":{{"base_size":"{}","limit_price":"{}","post_only":false}})", size,
        decimal_text(command.price.raw, instrument.price_scale));
  }
  return fmt::format(
      R"({{"client_order_id":"{}","product_id":"{}","side":"{}","order_configuration":{{{}}}}})",
      command.client_order_id.view(), instrument.symbol.view(),
      command.side == Side::kBuy ? "BUY" : "SELL", shape);
}

CoinbaseExecutionVenue::Sent CoinbaseExecutionVenue::create(const OrderCommand& command) {
  rehearsal_.order_sent(command, clock_.now_ns());
  const std::string body = order_body(command);
  const TimeNs began_ns = clock_.now_ns();
  for (int attempt = 0; attempt <= config_.create_retries && !stopping_; ++attempt) {
    if (attempt > 0) {
      // The same client_order_id again: Coinbase answers with the order if the lost request
      // made one, and makes it if not. Never a second order.
      ++counters_.create_retries;
      std::this_thread::sleep_for(std::chrono::nanoseconds(config_.create_retry_wait_ns));
    }
    bool refused = false;
    if (wire_latency_ != nullptr && attempt == 0)
      wire_latency_->record(clock_.now_ns() - command.created_time_ns);
    const HttpResponse response = rest_->post(std::string(kOrders), body, refused);
    const bool limited = refused || response.status == 429;
    if (limited && attempt == 0) return Sent::kRefused;  // nothing was made: the order waits
    if (limited) {
      // An earlier attempt's fate is unknown: the same id goes again once the limit resets
      // (the attempt is not used up), unless that takes longer than an order may wait.
      if (clock_.now_ns() - began_ns > config_.max_order_wait_ns) break;
      const TimeNs until = rest_->blocked_until_ns();
      std::this_thread::sleep_for(std::chrono::nanoseconds(
          std::clamp<DurationNs>(until - clock_.now_ns(), kNsPerMs, kNsPerSecond)));
      --attempt;
      --counters_.create_retries;
      continue;
    }
    if (attempt == 0) ++counters_.orders_sent;
    SIGEX_FAILPOINT("venue.reply_received");
    note_failure(response);
    if (response.transport_failed() || response.status >= 500) {
      log_warn("order {}: no answer from Coinbase ({}); sending it again with the same id",
               command.client_order_id.view(),
               response.transport_failed() ? response.error.message()
                                           : "HTTP " + std::to_string(response.status));
      continue;
    }
    auto answer = parse_create_answer(response.body);
    if (!answer) {
      if (response.status == 200) continue;  // a mangled success: ask again, same id
      log_warn("order {} rejected by Coinbase: HTTP {} {:.200}", command.client_order_id.view(),
               response.status, response.body);
      emit(ExecutionKind::kRejected, command.instrument, command.client_order_id, {},
           response.status == 401 || response.status == 403 ? RejectionKind::kRetryable
                                                            : RejectionKind::kFinal);
      return Sent::kAnswered;
    }
    if (!answer->success) {
      // HTTP 200 with success false is a rejection like any other.
      log_warn("order {} rejected by Coinbase: {} {}", command.client_order_id.view(),
               answer->error, answer->message);
      emit(ExecutionKind::kRejected, command.instrument, command.client_order_id, {},
           final_failure(answer->error) || final_failure(answer->message)
               ? RejectionKind::kFinal
               : RejectionKind::kRetryable);
      return Sent::kAnswered;
    }
    Tracked& tracked = tracked_[std::string(command.client_order_id.view())];
    tracked.instrument = command.instrument;
    tracked.order_id = answer->order_id;
    tracked.side = command.side;
    if (!tracked.accepted) {
      tracked.accepted = true;
      emit(ExecutionKind::kAccepted, command.instrument, command.client_order_id, answer->order_id);
    }
    next_poll_ns_ = 0;  // the create answer has no fills: read them at once
    return Sent::kAnswered;
  }
  ++counters_.unknown_outcomes;
  log_warn("order {}: outcome unknown after {} attempts with the same id; it will be looked up",
           command.client_order_id.view(), config_.create_retries + 1);
  emit(ExecutionKind::kUnknown, command.instrument, command.client_order_id);
  return Sent::kLost;
}

void CoinbaseExecutionVenue::send_deferred() {
  while (!deferred_.empty() && !stopping_) {
    const Deferred& front = deferred_.front();
    if (clock_.now_ns() - front.since_ns > config_.max_order_wait_ns) {
      ++counters_.orders_given_up;
      log_error("order {} was never sent: Coinbase's rate limit held it {} s; given up",
                front.command.client_order_id.view(), config_.max_order_wait_ns / kNsPerSecond);
      emit(ExecutionKind::kRejected, front.command.instrument, front.command.client_order_id, {},
           RejectionKind::kLocal);
      deferred_.pop_front();
      continue;
    }
    if (create(front.command) == Sent::kRefused) break;
    deferred_.pop_front();
  }
  counters_.orders_waiting = deferred_.size();
}

void CoinbaseExecutionVenue::look_up(const OrderCommand& command) {
  ++counters_.lookups;
  const std::string client_id(command.client_order_id.view());
  const auto found = tracked_.find(client_id);
  if (found != tracked_.end() && !found->second.order_id.empty()) {
    bool refused = false;
    const HttpResponse response =
        rest_->get(std::string(kOrders) + "/historical/" + found->second.order_id, refused);
    note_failure(response);
    if (!refused && !response.transport_failed() && response.status == 200) {
      if (auto order = parse_order(response.body)) {
        emit_order(*order, command.instrument, command.client_order_id);
        return;
      }
    }
    emit(ExecutionKind::kUnknown, command.instrument, command.client_order_id);
    return;
  }
  // By client order id: the account's orders of the product since just before the order was
  // made, every status, matched here.
  const TimeNs since =
      (command.created_time_ns > 0 ? command.created_time_ns : clock_.now_ns()) - kNsPerDay;
  const auto orders =
      list_orders(fmt::format("product_ids={}&start_date={}&limit=1000",
                              instruments_.get(command.instrument).symbol.view(), rfc3339(since)));
  if (!orders) {
    emit(ExecutionKind::kUnknown, command.instrument, command.client_order_id);
    return;
  }
  for (const CoinbaseOrder& order : *orders) {
    if (order.client_order_id != client_id) continue;
    Tracked& tracked = tracked_[client_id];
    tracked.instrument = command.instrument;
    tracked.order_id = order.order_id;
    tracked.side = order.side == "SELL" ? Side::kSell : Side::kBuy;
    emit_order(order, command.instrument, command.client_order_id);
    return;
  }
  // Not listed. A create signed within the window may still be accepted, and lists may lag
  // the matching engine: until then "not found" proves nothing. The order is resolved the way
  // Coinbase's idempotency allows: its create is sent again with the same client_order_id,
  // which returns the order if it exists and makes it once if it does not.
  const TimeNs window_ns = kJwtLifetimeNs + config_.max_order_wait_ns + kListLagNs;
  const bool recent =
      command.created_time_ns > 0 && clock_.now_ns() - command.created_time_ns < window_ns;
  if (recent && command.kind == OrderCommandKind::kQuery && command.quantity.raw > 0) {
    log_info("order {} is not listed yet; its create goes again with the same id",
             command.client_order_id.view());
    if (create(command) == Sent::kRefused)
      emit(ExecutionKind::kUnknown, command.instrument, command.client_order_id);
    return;
  }
  if (recent) {
    emit(ExecutionKind::kUnknown, command.instrument, command.client_order_id);
    return;
  }
  ExecutionEvent event{};
  event.kind = ExecutionKind::kNotFound;
  event.instrument = command.instrument;
  event.client_order_id = command.client_order_id;
  // Coinbase's order list holds every status: absent there, past the window, is absent.
  event.absence = command.prove_absence ? AbsenceEvidence::kProven : AbsenceEvidence::kNone;
  event.receive_time_ns = clock_.now_ns();
  event.venue_time_ns = event.receive_time_ns;
  queues_.answer(event);
}

void CoinbaseExecutionVenue::cancel(const OrderCommand& command) {
  const std::string client_id(command.client_order_id.view());
  auto found = tracked_.find(client_id);
  if (found == tracked_.end() || found->second.order_id.empty()) {
    look_up(command);  // finds the order id (and its state) first
    found = tracked_.find(client_id);
    if (found == tracked_.end() || found->second.order_id.empty()) return;
  }
  bool refused = false;
  const HttpResponse response =
      rest_->post(std::string(kOrders) + "/batch_cancel",
                  fmt::format(R"({{"order_ids":["{}"]}})", found->second.order_id), refused);
  note_failure(response);
  if (!refused && !response.transport_failed() && response.status == 200) {
    const auto results = parse_cancel_results(response.body);
    if (results && !results->empty() && !results->front().success) {
      log_warn("cancel of {} refused by Coinbase: {}", client_id, results->front().failure_reason);
      emit(ExecutionKind::kCancelRejected, command.instrument, command.client_order_id,
           found->second.order_id);
    }
  }
  // Whatever the answer, the order's state is read back (cancelled, or filled meanwhile).
  look_up(command);
}

bool CoinbaseExecutionVenue::emit_order(const CoinbaseOrder& order, InstrumentId instrument,
                                        const ClientOrderId& id) {
  const std::string client_id(id.view());
  Tracked& tracked = tracked_[client_id];
  tracked.instrument = instrument;
  tracked.order_id = order.order_id;
  tracked.side = order.side == "SELL" ? Side::kSell : Side::kBuy;
  if (order.status == "FAILED" || order.status == "REJECTED") {
    emit(ExecutionKind::kRejected, instrument, id, order.order_id, RejectionKind::kFinal);
    tracked_.erase(client_id);
    return true;
  }
  if (!tracked.accepted) {
    tracked.accepted = true;
    emit(ExecutionKind::kAccepted, instrument, id, order.order_id);
  }
  const Instrument& spec = instruments_.get(instrument);
  if (truncated(order.filled_size, spec.quantity_scale) >
          truncated(tracked.filled_size, spec.quantity_scale) &&
      !emit_fills(tracked, id)) {
    return false;  // the fills lag the order: the next poll reads them
  }
  tracked.filled_size = order.filled_size;
  if (!order.final()) return true;
  if (order.status == "CANCELLED") {
    emit(ExecutionKind::kCanceled, instrument, id, order.order_id);
  } else if (order.status == "EXPIRED") {
    emit(ExecutionKind::kExpired, instrument, id, order.order_id);
  }
  tracked_.erase(client_id);
  return true;
}

bool CoinbaseExecutionVenue::emit_fills(Tracked& tracked, const ClientOrderId& id) {
  const auto fills = list_fills("order_ids=" + tracked.order_id);
  if (!fills) return false;
  for (const CoinbaseFill& fill : *fills) {
    if (fill.order_id != tracked.order_id || !tracked.trades.insert(id_hash(fill.trade_id)).second)
      continue;
    const ExecutionEvent event = fill_event(fill, tracked.instrument, id);
    const std::int64_t change = event.quantity.raw;
    if (event.venue_time_ns == 0 || event.venue_time_ns >= holdings_as_of_ns_.load())
      holdings_[tracked.instrument].fetch_add(tracked.side == Side::kBuy ? change : -change);
    queues_.answer(event);
  }
  return true;
}

ExecutionEvent CoinbaseExecutionVenue::fill_event(const CoinbaseFill& fill,
                                                  InstrumentId instrument_id,
                                                  const ClientOrderId& id) const {
  const Instrument& instrument = instruments_.get(instrument_id);
  ExecutionEvent event{};
  event.kind = ExecutionKind::kFill;
  event.liquidity = fill.maker ? Liquidity::kMaker : Liquidity::kTaker;
  event.instrument = instrument_id;
  event.client_order_id = id;
  event.venue_order_id = id_hash(fill.order_id);
  event.trade_id = id_hash(fill.trade_id);
  event.price = Price{truncated(fill.price, instrument.price_scale)};
  event.quantity = Quantity{truncated(fill.size, instrument.quantity_scale)};
  // Coinbase charges fees in the quote currency.
  event.fee_asset = FeeAsset::kQuote;
  event.fee = Money{truncated(fill.commission, kMoneyScale)};
  event.receive_time_ns = clock_.now_ns();
  event.venue_time_ns = parse_utc_timestamp(fill.trade_time).value_or(event.receive_time_ns);
  return event;
}

void CoinbaseExecutionVenue::emit(ExecutionKind kind, InstrumentId instrument,
                                  const ClientOrderId& id, const std::string& order_id,
                                  RejectionKind rejection) {
  ExecutionEvent event{};
  event.kind = kind;
  event.rejection = kind == ExecutionKind::kRejected ? rejection : RejectionKind::kNone;
  event.instrument = instrument;
  event.client_order_id = id;
  event.venue_order_id = order_id.empty() ? 0 : id_hash(order_id);
  event.venue_error_code =
      kind == ExecutionKind::kRejected && rejection == RejectionKind::kLocal ? kNotSent : 0;
  event.receive_time_ns = clock_.now_ns();
  event.venue_time_ns = event.receive_time_ns;
  queues_.answer(event);
}

void CoinbaseExecutionVenue::poll_open_orders() {
  // Fast while no channel pushes order updates; slow, as a safety net, while one does.
  next_poll_ns_ = clock_.now_ns() +
                  (stream_live() ? config_.stream_poll_interval_ns : config_.poll_interval_ns);
  if (tracked_.empty()) return;
  ++counters_.polls;
  // What to ask, taken first: emit_order() changes tracked_ (final orders leave it). Only the
  // ids are copied, not each order's set of trades handed on.
  struct Open {
    std::string client_id;
    std::string order_id;
    InstrumentId instrument;
  };
  std::vector<Open> open;
  for (const auto& [client_id, tracked] : tracked_) {
    if (!tracked.order_id.empty())
      open.push_back({client_id, tracked.order_id, tracked.instrument});
  }
  for (const Open& entry : open) {
    bool refused = false;
    const HttpResponse response =
        rest_->get(std::string(kOrders) + "/historical/" + entry.order_id, refused);
    note_failure(response);
    if (refused || response.transport_failed() || response.status != 200) continue;
    const auto order = parse_order(response.body);
    ClientOrderId id;
    if (order && id.assign(entry.client_id)) emit_order(*order, entry.instrument, id);
  }
}

bool CoinbaseExecutionVenue::reconcile_open_orders() {
  ++counters_.reconciliations;
  std::string products;
  for (const Instrument& instrument : instruments_.all())
    products += fmt::format("&product_ids={}", instrument.symbol.view());
  const auto orders = list_orders("order_status=OPEN&limit=1000" + products);
  if (!orders) return false;
  // Orders this venue follows are brought up to date; any other is announced once: the OMS
  // looks up its own and reports the rest as not created by sigex.
  for (const CoinbaseOrder& order : *orders) {
    const InstrumentId instrument = instrument_of(order.product_id);
    ClientOrderId id;
    if (instrument == kNoInstrument || !id.assign(order.client_order_id)) continue;
    if (tracked_.contains(order.client_order_id)) {
      emit_order(order, instrument, id);
    } else {
      emit(ExecutionKind::kAccepted, instrument, id, order.order_id);
    }
  }
  return true;
}

bool CoinbaseExecutionVenue::rotate_keys(VenueKeys keys, std::string& error) {
  auto signer = CoinbaseSigner::make(std::move(keys.api_key), keys.api_secret, error);
  if (!signer) return false;
  const std::string before = rest_->fingerprint();
  rest_->rotate(std::move(signer));
  key_rotations_.fetch_add(1);
  log_info("Coinbase keys rotated: key {} replaces {}; a request under way finishes with the old{}",
           rest_->fingerprint(), before,
           user_stream_ ? "; the user channel subscribes again with the new key" : "");
  if (user_stream_) user_stream_->renew();
  return true;
}

void CoinbaseExecutionVenue::write_metrics(MetricsExposition& out, TimeNs) const {
  out.single("sigex_venue_key_rotations_total", "counter",
             "Key pairs replaced at a reload without a restart.",
             static_cast<double>(key_rotations_.load()));
  out.family("sigex_venue_api_key_info", "gauge",
             "The exchange API key in use, by fingerprint (never the key).");
  out.sample("sigex_venue_api_key_info", label("fingerprint", key_fingerprint()), 1);
  out.single("sigex_venue_orders_sent_total", "counter", "Order requests sent to the exchange.",
             static_cast<double>(counters_.orders_sent.load()));
  rehearsal_.write_metrics(out);
  out.single("sigex_venue_create_retries_total", "counter",
             "Creates sent again with the same client_order_id after a lost answer (Coinbase).",
             static_cast<double>(counters_.create_retries.load()));
  out.single("sigex_venue_unknown_outcomes_total", "counter",
             "Requests whose outcome was unknown (timeouts, 5xx).",
             static_cast<double>(counters_.unknown_outcomes.load()));
  out.single("sigex_venue_rate_limited_total", "counter",
             "Answers that said the request budget is spent (HTTP 429).",
             static_cast<double>(rest_->rate_limited()));
  out.single("sigex_venue_orders_waiting", "gauge",
             "Orders refused here (rate limit) waiting to be sent once.",
             static_cast<double>(counters_.orders_waiting.load()));
  out.single("sigex_venue_orders_given_up_total", "counter",
             "Orders that waited too long and were never sent.",
             static_cast<double>(counters_.orders_given_up.load()));
  out.single("sigex_venue_user_stream_live", "gauge", "1 while the user data stream is subscribed.",
             stream_live() ? 1 : 0);
  write_hand_over_metrics(out, "venue", queues_.command_hand_overs().polled(),
                          queues_.command_hand_overs().woken());
}

void CoinbaseExecutionVenue::write_status(DaemonStatus& status, TimeNs) const {
  status.orders_waiting = counters_.orders_waiting.load();
  if (status.orders_waiting > 0) status.waiting_reason = "Coinbase's rate limit is spent";
  status.max_order_wait_s = config_.max_order_wait_ns / kNsPerSecond;
}

}  // namespace sigex
