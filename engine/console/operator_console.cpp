#include "engine/console/operator_console.h"

#include <fmt/format.h>

#include "engine/core/calendar.h"
#include "engine/core/decimal.h"
#include "engine/core/money.h"

namespace sigex {

std::string OperatorConsole::handle(const std::string& request) {
  const auto space = request.find(' ');
  const std::string verb = request.substr(0, space);
  const std::string arguments = space == std::string::npos ? "" : request.substr(space + 1);
  if (verb == "status" && arguments == "json") return "ok\n" + render_status_json(host_.status());
  if (verb == "status") return "ok\n" + render_status_text(host_.status());
  if (verb == "metrics") return host_.metrics();
  if (verb == "halt") return set_state(TradingState::kHalted, arguments);
  if (verb == "resume") return set_state(TradingState::kActive, arguments);
  if (verb == "reduce") return set_state(TradingState::kReducing, arguments);
  if (verb == "flatten") return flatten(arguments);
  if (verb == "reload") return host_.reload();
  return "error: unknown request \"" + verb +
         "\" (expected status, halt, resume, reduce, flatten or reload)\n";
}

// "<scope> <reason...>" from `sigex ctl`.
std::string OperatorConsole::set_state(TradingState state, const std::string& arguments) {
  const auto space = arguments.find(' ');
  const std::string scope = arguments.substr(0, space);
  const std::string reason = space == std::string::npos ? "" : arguments.substr(space + 1);
  if (const std::string why = host_.check_scope(scope); !why.empty()) {
    return "error: scope \"" + scope + "\": " + why + "\n";
  }
  if (reason.empty()) return "error: a reason is required (it is journaled with the change)\n";
  host_.control(
      {ControlKind::kSetTradingState, scope, std::string(to_string(state)), "operator: " + reason});
  host_.state_changed();
  return fmt::format("ok\n{} is {}\n", scope, to_string(state));
}

std::string OperatorConsole::flatten(const std::string& reason) {
  if (reason.empty()) return "error: a reason is required (it is journaled with the change)\n";
  const std::size_t canceled = host_.control({ControlKind::kFlatten, "", "", reason});
  return fmt::format(
      "ok\nglobal is REDUCING; {} resting order(s) being canceled; positions are being sold "
      "(watch `sigex ctl status`)\n",
      canceled);
}

void describe_core(DaemonStatus& s, const Engine& engine, const SignalGate* signal_gate,
                   std::string_view cash_asset) {
  const TradingStatus& global = engine.trading_states().get(kGlobalScope);
  s.trading_states.push_back({std::string(kGlobalScope), std::string(to_string(global.state)),
                              global.reason.empty() ? "" : format_utc_timestamp(global.since_ns),
                              global.reason});
  for (const auto& [scope, state] : engine.trading_states().all()) {
    if (scope == kGlobalScope) continue;
    s.trading_states.push_back({scope, std::string(to_string(state.state)),
                                format_utc_timestamp(state.since_ns), state.reason});
  }
  if (engine.halted()) s.oms_halted_reason = engine.halt_reason();
  if (signal_gate != nullptr) {
    const SignalGateCounters& gate = signal_gate->counters();
    s.signal_gate = DaemonStatus::Gate{gate.delivered, gate.duplicates, gate.outdated, gate.stale};
  }
  if (s.token_metrics && signal_gate != nullptr) {
    const SignalGateCounters& gate = signal_gate->counters();
    s.token_metrics->delivered = gate.delivered;
    s.token_metrics->duplicates = gate.duplicates;
    s.token_metrics->outdated = gate.outdated;
    s.token_metrics->stale = gate.stale;
  }
  const InstrumentRegistry& instruments = engine.instruments();
  const Portfolio& portfolio = engine.portfolio();
  bool perpetuals = false;
  for (const Instrument& instrument : instruments.all()) {
    perpetuals = perpetuals || instrument.is_perpetual();
    const Position& position = portfolio.position(instrument.id);
    if (position.quantity.raw == 0 && position.realised_pnl.raw == 0) continue;
    std::string liquidation;
    if (instrument.is_perpetual()) {
      const auto estimate = portfolio.margin(instrument.id, engine.quotes()).liquidation_price;
      liquidation =
          estimate ? format_decimal(estimate->raw, instrument.price_scale) : std::string("none");
    }
    s.positions.push_back({std::string(instrument.symbol.view()),
                           format_decimal(position.quantity.raw, instrument.quantity_scale),
                           format_decimal(position.entry_price.raw, instrument.price_scale),
                           money_text(position.realised_pnl),
                           money_text(portfolio.unrealised_pnl(instrument.id, engine.quotes())),
                           liquidation});
  }
  if (perpetuals) {
    const AccountMargin margin = portfolio.account_margin(engine.quotes());
    s.margin = DaemonStatus::Margin{money_text(margin.margin_balance),
                                    money_text(margin.initial_margin),
                                    money_text(margin.maintenance_margin),
                                    money_text(portfolio.funding_paid()),
                                    money_text(portfolio.funding_received()),
                                    static_cast<double>(margin.margin_ratio_bps) / 10'000.0};
  }
  s.cash_asset = std::string(cash_asset);
  s.cash = money_text(portfolio.cash());
  if (portfolio.accounts().size() > 1) {
    for (std::size_t account = 0; account < portfolio.accounts().size(); ++account) {
      s.account_cash.emplace_back(std::string(portfolio.accounts()[account].venue.view()),
                                  money_text(portfolio.cash(account)));
    }
  }
  for (std::size_t account = 0; account < portfolio.accounts().size(); ++account) {
    const Money shortfall = engine.announced_cash_shortfall(account);
    if (shortfall <= Money{0}) continue;
    const std::string_view venue = portfolio.accounts()[account].venue.view();
    s.cash_shortfalls.emplace_back(venue.empty() ? s.order_venue : std::string(venue),
                                   money_text(shortfall));
  }
  s.equity = money_text(portfolio.equity(engine.quotes()));
  s.starting_cash = money_text(portfolio.starting_cash());
  s.fees = money_text(portfolio.total_fees());
  for (const Order& order : engine.orders().orders()) {
    if (!is_open(order.state)) continue;
    const Instrument& instrument = instruments.get(order.instrument);
    s.open_orders.push_back({std::string(order.client_order_id.view()),
                             std::string(instrument.symbol.view()),
                             order.side == Side::kBuy ? "BUY" : "SELL",
                             order.type == OrderType::kMarket ? "MARKET" : "LIMIT",
                             format_decimal(order.quantity.raw, instrument.quantity_scale),
                             format_decimal(order.price.raw, instrument.price_scale),
                             format_decimal(order.filled_quantity.raw, instrument.quantity_scale),
                             std::string(to_string(order.state))});
  }
  const OrderManager& oms = engine.orders();
  s.unresolved_orders = oms.unresolved_orders();
  s.unproven_absences = oms.counters().unproven_absences;
  for (std::size_t i = 1; i < static_cast<std::size_t>(RiskDenial::kCount); ++i) {
    const auto reason = static_cast<RiskDenial>(i);
    if (engine.risk().denials(reason) > 0) {
      s.risk_denials.emplace_back(std::string(to_string(reason)), engine.risk().denials(reason));
    }
  }
  const auto& counters = engine.counters();
  s.events = counters.events;
  s.orders = counters.orders_submitted;
  s.fills = counters.fills;
  s.venue_rejections = counters.venue_rejections;
  s.alerts = counters.alerts;
}

}  // namespace sigex
