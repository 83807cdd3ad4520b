#include "engine/console/service_metrics.h"

#include <array>

#include <fmt/format.h>

#include "engine/metrics/exposition.h"

namespace sigex {
namespace {

double money_value(Money value) { return static_cast<double>(value.raw) / 1e8; }  // reports only

// Accounts with perpetuals: margin, funding and each position's estimated liquidation price.
void write_perpetual_metrics(MetricsExposition& out, const Engine& engine) {
  const Portfolio& portfolio = engine.portfolio();
  bool any = false;
  for (const Instrument& instrument : engine.instruments().all()) {
    any = any || instrument.is_perpetual();
  }
  if (!any) return;
  const AccountMargin margin = portfolio.account_margin(engine.quotes());
  out.single("sigex_margin_balance", "gauge", "Wallet plus unrealised PnL of perpetuals.",
             money_value(margin.margin_balance));
  out.single("sigex_initial_margin", "gauge", "Initial margin of the perpetual positions.",
             money_value(margin.initial_margin));
  out.single("sigex_maintenance_margin", "gauge", "Maintenance margin of the perpetual positions.",
             money_value(margin.maintenance_margin));
  out.single("sigex_margin_ratio", "gauge",
             "Maintenance margin over margin balance (1 = liquidation).",
             static_cast<double>(margin.margin_ratio_bps) / 10'000.0);
  out.single("sigex_funding_paid", "gauge", "Funding paid by the account.",
             money_value(portfolio.funding_paid()));
  out.single("sigex_funding_received", "gauge", "Funding received by the account.",
             money_value(portfolio.funding_received()));
  out.family("sigex_liquidation_price", "gauge",
             "Estimated liquidation price per perpetual position (0: none).");
  for (const Instrument& instrument : engine.instruments().all()) {
    if (!instrument.is_perpetual()) continue;
    const auto estimate = portfolio.margin(instrument.id, engine.quotes()).liquidation_price;
    out.sample("sigex_liquidation_price", label("instrument", instrument.symbol.view()),
               estimate ? static_cast<double>(estimate->raw) /
                              static_cast<double>(pow10(instrument.price_scale))
                        : 0.0);
  }
}

}  // namespace

void write_identity_metrics(MetricsExposition& out, std::string_view mode,
                            const MetricsComponents& components) {
  out.family("sigex_info", "gauge", "Mode of this sigex process.");
  out.sample("sigex_info", label("mode", mode), 1);
  if (!components.market_data_venue.empty() || !components.order_venue.empty()) {
    out.family("sigex_venue_info", "gauge",
               "The venue of each role: market data, and orders (\"simulated\" in paper mode).");
    // One sample per venue of each role ("binance, coinbase" when a daemon trades two).
    const auto each_venue = [&](std::string_view role, std::string_view venues) {
      while (!venues.empty()) {
        const auto comma = venues.find(", ");
        const std::string_view venue = venues.substr(0, comma);
        out.sample("sigex_venue_info", label("role", role) + "," + label("venue", venue), 1);
        venues = comma == std::string_view::npos ? std::string_view() : venues.substr(comma + 2);
      }
    };
    each_venue("market_data", components.market_data_venue);
    each_venue("orders", components.order_venue);
  }
}

std::string render_metrics(const ServiceMetrics& metrics, const Engine& engine,
                           std::string_view mode, const MetricsComponents& components,
                           std::size_t queue_depth, bool ready, TimeNs now_ns,
                           TimeNs last_market_event_ns) {
  MetricsExposition out;
  write_identity_metrics(out, mode, components);
  out.single("sigex_ready", "gauge", "1 once start-up finished (READY=1 was sent).", ready ? 1 : 0);
  out.single("sigex_start_to_ready_seconds", "gauge", "Time from process start to ready.",
             static_cast<double>(metrics.start_to_ready_ns) / 1e9);
  out.single("sigex_start_feed_wait_seconds", "gauge",
             "Of the start-up time, waiting for market data (network).",
             static_cast<double>(metrics.feed_wait_ns) / 1e9);
  out.single("sigex_watchdog_pings_total", "counter", "WATCHDOG=1 pings sent to systemd.",
             static_cast<double>(metrics.watchdog_pings.load()));

  // Trading state.
  out.family("sigex_trading_state", "gauge",
             "Trading state per scope: 0 ACTIVE, 1 REDUCING, 2 HALTED.");
  out.sample("sigex_trading_state", label("scope", "global"),
             static_cast<double>(engine.trading_states().get(kGlobalScope).state));
  for (const auto& [scope, status] : engine.trading_states().all()) {
    if (scope != kGlobalScope)
      out.sample("sigex_trading_state", label("scope", scope), static_cast<double>(status.state));
  }
  out.single("sigex_oms_halted", "gauge",
             "1 when the OMS halted itself (e.g. a journal write failed).",
             engine.halted() ? 1 : 0);

  // Feeds.
  out.single(
      "sigex_market_data_last_event_age_seconds", "gauge",
      "Age of the newest market data event the core saw.",
      last_market_event_ns == 0 ? -1 : static_cast<double>(now_ns - last_market_event_ns) / 1e9);
  if (components.market_data != nullptr) components.market_data->write_metrics(out, now_ns);
  out.single("sigex_inbound_queue_depth", "gauge", "Records waiting for the core thread.",
             static_cast<double>(queue_depth));
  out.family("sigex_book_gaps_total", "counter",
             "Depth update sequence gaps per instrument (each forces a resync).");
  for (const Instrument& instrument : engine.instruments().all()) {
    out.sample("sigex_book_gaps_total", label("instrument", instrument.symbol.view()),
               static_cast<double>(engine.book(instrument.id).counters().gaps));
  }
  out.single("sigex_book_resyncs_total", "counter", "Order book resyncs requested.",
             static_cast<double>(engine.counters().resync_requests));

  if (components.signals != nullptr) components.signals->write_metrics(out, now_ns);
  if (components.webhook != nullptr) components.webhook->write_metrics(out, now_ns);

  // Orders.
  std::array<std::uint64_t, 10> by_state{};
  for (const Order& order : engine.orders().orders())
    ++by_state[static_cast<std::size_t>(order.state)];
  out.family("sigex_orders", "gauge",
             "Journaled orders by current state (final states are outcomes).");
  for (std::size_t i = 0; i < by_state.size(); ++i) {
    out.sample("sigex_orders", label("state", to_string(static_cast<OrderState>(i))),
               static_cast<double>(by_state[i]));
  }
  out.single("sigex_orders_unknown_outcome", "gauge",
             "Orders whose outcome is not definite (unknown, or being looked up with the venue).",
             static_cast<double>(engine.orders().unresolved_orders()));
  out.single("sigex_unproven_absences_total", "counter",
             "Unknown orders the venue showed a trace of (never resent; the operator is alerted).",
             static_cast<double>(engine.orders().counters().unproven_absences));
  out.single("sigex_venue_rejections_total", "counter",
             "Orders the venue refused (each one backs off or stops the instrument).",
             static_cast<double>(engine.counters().venue_rejections));
  out.single(
      "sigex_alerts_total", "counter", "Conditions an operator must see (logged with ALERT).",
      static_cast<double>(engine.counters().alerts + engine.orders().counters().unproven_absences +
                          components.alerts()));
  out.single("sigex_orders_submitted_total", "counter",
             "Orders approved by risk and handed to the OMS this run.",
             static_cast<double>(engine.counters().orders_submitted));
  out.single("sigex_order_path_rehearsals_total", "counter",
             "Times the idle core thread went through the order path without making an order "
             "([service] warm_order_path_us).",
             static_cast<double>(engine.rehearsals().total));
  out.single("sigex_fills_total", "counter", "Fills applied this run (each trade id once).",
             static_cast<double>(engine.counters().fills));
  out.single("sigex_duplicate_fills_total", "counter",
             "Fills seen again and ignored (trade id already applied).",
             static_cast<double>(engine.orders().duplicate_fills()));
  out.single("sigex_lookups_total", "counter", "Order lookups sent to resolve or reconcile.",
             static_cast<double>(engine.orders().counters().lookups));
  out.single("sigex_reconciliation_differences_total", "counter",
             "Journal and venue disagreements found (logged).",
             static_cast<double>(engine.orders().counters().reconciliation_differences +
                                 metrics.balance_differences));
  out.family("sigex_account_cash_shortfall", "gauge",
             "How much less cash a venue account holds than sigex may spend there, as its venue "
             "last reported it (a sample only for such an account).");
  const auto& accounts = engine.portfolio().accounts();
  const auto venue_label = [&](std::size_t account) {
    const std::string_view venue = accounts[account].venue.view();
    return label("venue", venue.empty() ? components.order_venue : venue);
  };
  for (std::size_t account = 0; account < accounts.size(); ++account) {
    const Money shortfall = engine.announced_cash_shortfall(account);
    if (shortfall > Money{0})
      out.sample("sigex_account_cash_shortfall", venue_label(account), money_value(shortfall));
  }
  out.family("sigex_account_cash_reported", "gauge",
             "What each venue account holds of the cash asset, as its venue last reported it "
             "(free and locked; a futures account: its wallet).");
  for (std::size_t account = 0; account < accounts.size(); ++account) {
    if (const auto held = engine.reported_account_cash(account))
      out.sample("sigex_account_cash_reported", venue_label(account), money_value(*held));
  }
  out.single("sigex_foreign_orders_total", "counter", "Venue orders not created by this journal.",
             static_cast<double>(engine.orders().counters().foreign_orders));
  out.family("sigex_risk_denials_total", "counter", "Orders denied by the risk engine, by reason.");
  for (std::size_t i = 1; i < static_cast<std::size_t>(RiskDenial::kCount); ++i) {
    const auto reason = static_cast<RiskDenial>(i);
    out.sample("sigex_risk_denials_total", label("reason", to_string(reason)),
               static_cast<double>(engine.risk().denials(reason)));
  }
  if (components.journal_hand_overs != nullptr) {
    write_hand_over_metrics(out, "journal", components.journal_hand_overs->polled(),
                            components.journal_hand_overs->woken());
  }
  if (components.venue != nullptr) components.venue->write_metrics(out, now_ns);
  if (components.events != nullptr) components.events->write_metrics(out, now_ns);

  // Positions and PnL, in the quote (cash) asset; doubles for the report only.
  const Portfolio& portfolio = engine.portfolio();
  out.family("sigex_position_quantity", "gauge", "Base asset held per instrument.");
  for (const Instrument& instrument : engine.instruments().all()) {
    out.sample("sigex_position_quantity", label("instrument", instrument.symbol.view()),
               static_cast<double>(portfolio.position(instrument.id).quantity.raw) /
                   static_cast<double>(pow10(instrument.quantity_scale)));
  }
  out.family("sigex_position_value", "gauge", "Market value per instrument in the cash asset.");
  for (const Instrument& instrument : engine.instruments().all()) {
    out.sample("sigex_position_value", label("instrument", instrument.symbol.view()),
               money_value(portfolio.market_value(instrument.id, engine.quotes())));
  }
  out.single("sigex_cash", "gauge", "Cash asset held.", money_value(portfolio.cash()));
  out.family("sigex_account_cash", "gauge",
             "Cash asset held per venue account (instruments on several venues only).");
  if (portfolio.accounts().size() > 1) {
    for (std::size_t account = 0; account < portfolio.accounts().size(); ++account) {
      out.sample("sigex_account_cash", label("venue", portfolio.accounts()[account].venue.view()),
                 money_value(portfolio.cash(account)));
    }
  }
  out.single("sigex_equity", "gauge", "Cash plus the market value of every position.",
             money_value(portfolio.equity(engine.quotes())));
  out.single("sigex_realised_pnl", "gauge", "Realised profit and loss (excluding fees).",
             money_value(portfolio.total_realised_pnl()));
  Money unrealised{0};
  for (const Instrument& instrument : engine.instruments().all())
    unrealised = unrealised + portfolio.unrealised_pnl(instrument.id, engine.quotes());
  out.single("sigex_unrealised_pnl", "gauge", "Unrealised profit and loss at current prices.",
             money_value(unrealised));
  out.single("sigex_fees", "gauge", "Fees paid.", money_value(portfolio.total_fees()));
  write_perpetual_metrics(out, engine);

  out.histogram("sigex_market_to_decision_seconds", "Market event received to order decided.",
                metrics.market_to_decision);
  out.histogram("sigex_signal_to_decision_seconds", "Signal or grade received to order decided.",
                metrics.signal_to_decision);
  out.histogram("sigex_decision_to_wire_seconds",
                "Order decided to request on the wire (live mode).", metrics.decision_to_wire);
  out.single("sigex_core_events_total", "counter", "Events processed by the core thread.",
             static_cast<double>(engine.counters().events));
  return out.take();
}

}  // namespace sigex
