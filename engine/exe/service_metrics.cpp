#include "engine/exe/service_metrics.h"

#include <array>

#include <fmt/format.h>

#include "adapters/binance/binance_execution_venue.h"
#include "adapters/binance/market_data_feed.h"
#include "adapters/token_metrics/signal_poller.h"

namespace sigex {
namespace {

// Prometheus text format, one family at a time.
class Exposition {
 public:
  void family(std::string_view name, std::string_view type, std::string_view help) {
    out_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  }
  void sample(std::string_view name, std::string_view labels, double value) {
    if (labels.empty()) {
      out_ += fmt::format("{} {}\n", name, value);
    } else {
      out_ += fmt::format("{}{{{}}} {}\n", name, labels, value);
    }
  }
  void single(std::string_view name, std::string_view type, std::string_view help, double value) {
    family(name, type, help);
    sample(name, "", value);
  }
  void histogram(std::string_view name, std::string_view help, const LatencyHistogram& histogram) {
    family(name, "histogram", help);
    for (std::size_t i = 0; i < LatencyHistogram::kBoundsNs.size(); ++i) {
      out_ += fmt::format("{}_bucket{{le=\"{}\"}} {}\n", name,
                          static_cast<double>(LatencyHistogram::kBoundsNs[i]) / 1e9, histogram.cumulative(i));
    }
    const std::uint64_t count = histogram.count();
    out_ += fmt::format("{}_bucket{{le=\"+Inf\"}} {}\n{}_sum {}\n{}_count {}\n", name, count, name,
                        histogram.sum_seconds(), name, count);
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

double money_value(Money value) { return static_cast<double>(value.raw) / 1e8; }  // reports only

std::string label(std::string_view key, std::string_view value) {
  std::string escaped;
  for (const char c : value) {
    if (c == '"' || c == '\\') escaped += '\\';
    if (c == '\n') {
      escaped += "\\n";
      continue;
    }
    escaped += c;
  }
  return fmt::format("{}=\"{}\"", key, escaped);
}

}  // namespace

std::string render_metrics(const ServiceMetrics& metrics, const Engine& engine, const AppConfig& config,
                           const BinanceMarketDataFeed* feed, const SignalPoller* poller,
                           const BinanceExecutionVenue* venue, std::size_t queue_depth, bool ready,
                           TimeNs now_ns, TimeNs last_market_event_ns) {
  Exposition out;
  out.family("sigex_info", "gauge", "Mode of this sigex process.");
  out.sample("sigex_info", label("mode", config.service.mode == RunMode::kLive ? "live" : "paper"), 1);
  out.single("sigex_ready", "gauge", "1 once start-up finished (READY=1 was sent).", ready ? 1 : 0);
  out.single("sigex_start_to_ready_seconds", "gauge", "Time from process start to ready.",
             static_cast<double>(metrics.start_to_ready_ns) / 1e9);
  out.single("sigex_start_feed_wait_seconds", "gauge", "Of the start-up time, waiting for market data (network).",
             static_cast<double>(metrics.feed_wait_ns) / 1e9);
  out.single("sigex_watchdog_pings_total", "counter", "WATCHDOG=1 pings sent to systemd.",
             static_cast<double>(metrics.watchdog_pings.load()));

  // Trading state.
  out.family("sigex_trading_state", "gauge", "Trading state per scope: 0 ACTIVE, 1 REDUCING, 2 HALTED.");
  out.sample("sigex_trading_state", label("scope", "global"),
             static_cast<double>(engine.trading_states().get(kGlobalScope).state));
  for (const auto& [scope, status] : engine.trading_states().all()) {
    if (scope != kGlobalScope) out.sample("sigex_trading_state", label("scope", scope), static_cast<double>(status.state));
  }
  out.single("sigex_oms_halted", "gauge", "1 when the OMS halted itself (e.g. a journal write failed).",
             engine.halted() ? 1 : 0);

  // Feeds.
  out.single("sigex_market_data_last_event_age_seconds", "gauge", "Age of the newest market data event the core saw.",
             last_market_event_ns == 0 ? -1 : static_cast<double>(now_ns - last_market_event_ns) / 1e9);
  if (feed != nullptr) {
    const FeedMetrics feed_metrics = feed->metrics();
    out.single("sigex_feed_connected", "gauge", "1 while the market data websocket is streaming.",
               feed_metrics.state == FeedState::kStreaming ? 1 : 0);
    out.single("sigex_feed_connects_total", "counter", "Market data connections made.", static_cast<double>(feed_metrics.connects));
    out.single("sigex_feed_reconnects_total", "counter", "Market data reconnections (any cause).",
               static_cast<double>(feed_metrics.reconnects));
    out.single("sigex_feed_stale_reconnects_total", "counter", "Reconnections because a stream went silent.",
               static_cast<double>(feed_metrics.stale_reconnects));
    out.single("sigex_feed_snapshot_failures_total", "counter", "Depth snapshots that could not be fetched.",
               static_cast<double>(feed_metrics.snapshot_failures));
    struct Column {
      const char* name;
      const char* type;
      const char* help;
      double (*value)(const StreamMetrics&);
    };
    static constexpr std::array<Column, 5> kColumns = {{
        {"sigex_feed_messages_total", "counter", "Messages received per stream (rate() gives messages/s).",
         [](const StreamMetrics& s) { return static_cast<double>(s.messages); }},
        {"sigex_feed_bytes_total", "counter", "Bytes received per stream.",
         [](const StreamMetrics& s) { return static_cast<double>(s.bytes); }},
        {"sigex_feed_parse_errors_total", "counter", "Frames that failed to parse per stream.",
         [](const StreamMetrics& s) { return static_cast<double>(s.parse_errors); }},
        {"sigex_feed_records_dropped_total", "counter", "Records dropped because the inbound queue was full.",
         [](const StreamMetrics& s) { return static_cast<double>(s.records_dropped); }},
        {"sigex_feed_last_message_age_seconds", "gauge", "Age of the newest message per stream (-1: none yet).",
         [](const StreamMetrics& s) { return s.last_message_age_ns < 0 ? -1.0 : static_cast<double>(s.last_message_age_ns) / 1e9; }},
    }};
    for (const Column& column : kColumns) {
      out.family(column.name, column.type, column.help);
      for (const StreamMetrics& stream : feed_metrics.streams) out.sample(column.name, label("stream", stream.name), column.value(stream));
    }
  }
  out.single("sigex_inbound_queue_depth", "gauge", "Records waiting for the core thread.", static_cast<double>(queue_depth));
  out.family("sigex_book_gaps_total", "counter", "Depth update sequence gaps per instrument (each forces a resync).");
  for (const Instrument& instrument : engine.instruments().all()) {
    out.sample("sigex_book_gaps_total", label("instrument", instrument.symbol.view()),
               static_cast<double>(engine.book(instrument.id).counters().gaps));
  }
  out.single("sigex_book_resyncs_total", "counter", "Order book resyncs requested.", static_cast<double>(engine.counters().resync_requests));

  if (poller != nullptr) {
    const TmPollerMetrics tm = poller->metrics();
    out.single("sigex_tm_calls_total", "counter", "Token Metrics API calls made.", static_cast<double>(tm.client.calls));
    out.single("sigex_tm_calls_left", "gauge", "Token Metrics calls left in this month's budget.",
               static_cast<double>(std::max<std::int64_t>(tm.budget_limit - static_cast<std::int64_t>(tm.budget_used), 0)));
    out.single("sigex_tm_records_total", "counter", "Signals and grades received (new ones).", static_cast<double>(tm.records_emitted));
    out.single("sigex_tm_parse_failures_total", "counter", "Token Metrics pages that failed to parse.",
               static_cast<double>(tm.parse_failures + tm.client.malformed));
    out.single("sigex_tm_errors_total", "counter",
               "Token Metrics calls that failed (HTTP errors, timeouts, transport, malformed or success:false pages).",
               static_cast<double>(tm.client.rate_limited + tm.client.server_errors + tm.client.auth_failures +
                                   tm.client.payment_required + tm.client.timeouts + tm.client.transport_errors +
                                   tm.client.bad_requests + tm.client.other_http_errors + tm.client.malformed +
                                   tm.client.success_false));
    out.single("sigex_tm_halted", "gauge", "1 when polling stopped (budget exhausted, key refused).", tm.halted ? 1 : 0);
    out.family("sigex_tm_last_success_age_seconds", "gauge", "Age of the last successful poll per endpoint (-1: never).");
    for (const auto& endpoint : tm.endpoints) {
      if (!endpoint.enabled) continue;
      out.sample("sigex_tm_last_success_age_seconds", label("endpoint", endpoint.name),
                 endpoint.last_success_ns == 0 ? -1 : static_cast<double>(now_ns - endpoint.last_success_ns) / 1e9);
    }
  }

  // Orders.
  std::array<std::uint64_t, 10> by_state{};
  for (const Order& order : engine.orders().orders()) ++by_state[static_cast<std::size_t>(order.state)];
  out.family("sigex_orders", "gauge", "Journaled orders by current state (final states are outcomes).");
  for (std::size_t i = 0; i < by_state.size(); ++i) {
    out.sample("sigex_orders", label("state", to_string(static_cast<OrderState>(i))), static_cast<double>(by_state[i]));
  }
  out.single("sigex_orders_unknown_outcome", "gauge",
             "Orders whose outcome is not definite (unknown, or being looked up with the venue).",
             static_cast<double>(engine.orders().unresolved_orders()));
  out.single("sigex_unproven_absences_total", "counter",
             "Unknown orders the venue showed a trace of (never resent; the operator is alerted).",
             static_cast<double>(engine.orders().counters().unproven_absences));
  out.single("sigex_venue_rejections_total", "counter", "Orders the venue refused (each one backs off or stops the instrument).",
             static_cast<double>(engine.counters().venue_rejections));
  out.single("sigex_alerts_total", "counter", "Conditions an operator must see (logged with ALERT).",
             static_cast<double>(engine.counters().alerts + engine.orders().counters().unproven_absences +
                                 (venue != nullptr ? venue->counters().alerts.load() : 0)));
  out.single("sigex_orders_submitted_total", "counter", "Orders approved by risk and handed to the OMS this run.",
             static_cast<double>(engine.counters().orders_submitted));
  out.single("sigex_fills_total", "counter", "Fills applied this run (each trade id once).", static_cast<double>(engine.counters().fills));
  out.single("sigex_duplicate_fills_total", "counter", "Fills seen again and ignored (trade id already applied).",
             static_cast<double>(engine.orders().duplicate_fills()));
  out.single("sigex_lookups_total", "counter", "Order lookups sent to resolve or reconcile.",
             static_cast<double>(engine.orders().counters().lookups));
  out.single("sigex_reconciliation_differences_total", "counter", "Journal and venue disagreements found (logged).",
             static_cast<double>(engine.orders().counters().reconciliation_differences +
                                 (venue != nullptr ? venue->counters().balance_differences.load() : 0)));
  out.single("sigex_foreign_orders_total", "counter", "Venue orders not created by this journal.",
             static_cast<double>(engine.orders().counters().foreign_orders));
  out.family("sigex_risk_denials_total", "counter", "Orders denied by the risk engine, by reason.");
  for (std::size_t i = 1; i < static_cast<std::size_t>(RiskDenial::kCount); ++i) {
    const auto reason = static_cast<RiskDenial>(i);
    out.sample("sigex_risk_denials_total", label("reason", to_string(reason)), static_cast<double>(engine.risk().denials(reason)));
  }
  if (venue != nullptr) {
    const VenueCounters& counters = venue->counters();
    out.single("sigex_venue_orders_sent_total", "counter", "Order requests sent to the exchange.",
               static_cast<double>(counters.orders_sent.load()));
    out.single("sigex_venue_unknown_outcomes_total", "counter", "Requests whose outcome was unknown (timeouts, 5xx).",
               static_cast<double>(counters.unknown_outcomes.load()));
    out.single("sigex_venue_alerts_total", "counter", "Conditions an operator must see (bans).", static_cast<double>(counters.alerts.load()));
    out.single("sigex_venue_banned", "gauge", "1 while the exchange bans our requests (HTTP 418).", venue->banned() ? 1 : 0);
    out.single("sigex_venue_orders_waiting", "gauge",
               "Orders refused here (ban, clock skew, request budget) waiting to be sent once.",
               static_cast<double>(counters.orders_waiting.load()));
    out.single("sigex_venue_orders_given_up_total", "counter", "Orders that waited too long and were never sent.",
               static_cast<double>(counters.orders_given_up.load()));
    out.single("sigex_venue_user_stream_live", "gauge", "1 while the user data stream is subscribed.", venue->stream_live() ? 1 : 0);
  }

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
  out.single("sigex_equity", "gauge", "Cash plus the market value of every position.", money_value(portfolio.equity(engine.quotes())));
  out.single("sigex_realised_pnl", "gauge", "Realised profit and loss (excluding fees).", money_value(portfolio.total_realised_pnl()));
  Money unrealised{0};
  for (const Instrument& instrument : engine.instruments().all()) unrealised = unrealised + portfolio.unrealised_pnl(instrument.id, engine.quotes());
  out.single("sigex_unrealised_pnl", "gauge", "Unrealised profit and loss at current prices.", money_value(unrealised));
  out.single("sigex_fees", "gauge", "Fees paid.", money_value(portfolio.total_fees()));

  out.histogram("sigex_market_to_decision_seconds", "Market event received to order decided.", metrics.market_to_decision);
  out.histogram("sigex_signal_to_decision_seconds", "Signal or grade received to order decided.", metrics.signal_to_decision);
  out.histogram("sigex_decision_to_wire_seconds", "Order decided to request on the wire (live mode).", metrics.decision_to_wire);
  out.single("sigex_core_events_total", "counter", "Events processed by the core thread.", static_cast<double>(engine.counters().events));
  return out.take();
}

}  // namespace sigex
