#include "engine/status/daemon_status.h"

#include <fmt/format.h>

#include "engine/core/json_text.h"

namespace sigex {
namespace {

std::string quoted(std::string_view text) { return "\"" + json_escape(text) + "\""; }

// `, "name": {"key": "value", ...}` for (key, value) pairs; nothing when there are none.
std::string text_map_field(std::string_view name,
                           const std::vector<std::pair<std::string, std::string>>& pairs) {
  if (pairs.empty()) return "";
  std::string out = fmt::format(", {}: {{", quoted(name));
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    out += fmt::format("{}{}: {}", i == 0 ? "" : ", ", quoted(pairs[i].first),
                       quoted(pairs[i].second));
  }
  return out + "}";
}
std::string or_null(std::string_view text) { return text.empty() ? "null" : quoted(text); }
std::string seconds(std::optional<double> value) {
  return value ? fmt::format("{:.1f}", *value) : "null";
}
const char* boolean(bool value) { return value ? "true" : "false"; }

}  // namespace

std::string render_status_text(const DaemonStatus& s) {
  std::string out;
  out += fmt::format("mode            {}\n", s.mode);
  if (!s.market_data_venue.empty()) {
    out += fmt::format("venues          market data {}, orders {}\n", s.market_data_venue,
                       s.order_venue);
  }
  if (!s.events_publisher.empty()) out += fmt::format("events          {}\n", s.events_publisher);
  if (!s.signals_source.empty()) out += fmt::format("signals         {}\n", s.signals_source);
  out += fmt::format("state dir       {}\n", s.state_dir);
  out += fmt::format("ready           {}\n", s.ready_since.empty() ? std::string("no (starting)")
                                                                   : "since " + s.ready_since);
  if (s.stopping) out += "stopping        yes\n";
  out += fmt::format("core dumps      {}\n", s.core_dumps_allowed
                                                 ? "ALLOWED ([service] allow_core_dumps)"
                                                 : "disabled (not dumpable)");
  if (!s.metrics_url.empty()) out += fmt::format("metrics         {}\n", s.metrics_url);
  out += "trading states\n";
  for (const DaemonStatus::Scope& scope : s.trading_states) {
    const bool global = scope.scope == "global";
    if (global) {
      out += fmt::format(
          "  global        {}{}\n", scope.state,
          scope.reason.empty() ? "" : fmt::format(" since {}: {}", scope.since, scope.reason));
    } else {
      out += fmt::format("  {:<13} {} since {}: {}\n", scope.scope, scope.state, scope.since,
                         scope.reason);
    }
  }
  if (!s.oms_halted_reason.empty()) out += fmt::format("  OMS HALTED: {}\n", s.oms_halted_reason);
  out += "feeds\n";
  out += fmt::format(
      "  market data   {}, last event {}, {} connects, {} reconnects\n", s.market_data_state,
      s.last_market_event_age_s ? fmt::format("{:.1f} s ago", *s.last_market_event_age_s)
                                : "none yet",
      s.feed_connects, s.feed_reconnects);
  if (s.token_metrics) {
    const DaemonStatus::TokenMetrics& tm = *s.token_metrics;
    for (const DaemonStatus::Endpoint& endpoint : tm.endpoints) {
      out += fmt::format("  {:<13} {} polls, {} failures, last success {}\n", endpoint.name,
                         endpoint.polls, endpoint.failures,
                         endpoint.last_success_age_s
                             ? fmt::format("{:.0f} s ago", *endpoint.last_success_age_s)
                             : "never");
    }
    out += fmt::format(
        "  signals       {} records received; {} delivered, {} already seen, {} outdated, {} "
        "stale\n",
        tm.records_received, tm.delivered, tm.duplicates, tm.outdated, tm.stale);
    out += fmt::format(
        "  Token Metrics budget: {} of {} calls used this month, {} left{}\n", tm.budget_used,
        tm.budget_limit,
        std::max<std::int64_t>(tm.budget_limit - static_cast<std::int64_t>(tm.budget_used), 0),
        tm.halted_reason.empty() ? "" : "; polling HALTED: " + tm.halted_reason);
  } else {
    out += "  Token Metrics not configured\n";
  }
  if (s.signal_gate && !s.token_metrics) {
    out += fmt::format("  signals       {} delivered, {} already seen, {} outdated, {} stale\n",
                       s.signal_gate->delivered, s.signal_gate->duplicates, s.signal_gate->outdated,
                       s.signal_gate->stale);
  }
  if (s.webhook) {
    out += fmt::format("  webhook       {}: {} accepted, {} refused, {} redelivered at start\n",
                       s.webhook->url, s.webhook->accepted, s.webhook->refused,
                       s.webhook->redelivered);
  }
  if (!s.keys.empty()) out += "keys\n";
  for (const DaemonStatus::Key& key : s.keys) {
    out += fmt::format("  {:<24} {:<8} {} from {}{}\n", key.what, key.slot, key.fingerprint,
                       key.origin, key.in_use ? " (in use)" : "");
  }
  if (s.keys_retiring > 0) {
    out += fmt::format("  {} request(s) in flight with replaced keys: do not revoke them yet\n",
                       s.keys_retiring);
  }
  if (s.relay) {
    const DaemonStatus::Relay& r = *s.relay;
    out += fmt::format("relay           epoch {}, {} instrument(s)\n", r.epoch, r.instruments);
    out += fmt::format("  NATS          {} {} ({} disconnect(s))\n", r.nats_url,
                       r.nats_connected ? "connected" : "NOT CONNECTED", r.nats_disconnects);
    out += fmt::format("  market        {} messages published, {} dropped (NATS away)\n",
                       r.market_messages, r.market_dropped);
    out += fmt::format(
        "  signals       {} published ({} repeats JetStream dropped), {} waiting for NATS\n",
        r.signal_messages, r.signal_duplicates, r.signals_pending);
    out += fmt::format("  snapshots     {} published, {} requested; {} publish failure(s)\n",
                       r.snapshots, r.snapshot_requests, r.failures);
    return out;  // a relay trades nothing
  }
  out += "positions\n";
  for (const DaemonStatus::Position& p : s.positions) {
    out += fmt::format("  {:<13} {} at {} (realised {}, unrealised {}{})\n", p.symbol, p.quantity,
                       p.entry_price, p.realised_pnl, p.unrealised_pnl,
                       p.liquidation_price.empty() ? "" : ", liquidation " + p.liquidation_price);
  }
  if (s.positions.empty()) out += "  none\n";
  out += fmt::format("cash            {} {}", s.cash, s.cash_asset);
  for (std::size_t i = 0; i < s.account_cash.size(); ++i) {
    out += fmt::format("{}{} {}", i == 0 ? " (" : ", ", s.account_cash[i].first,
                       s.account_cash[i].second);
  }
  out += s.account_cash.empty() ? "\n" : ")\n";
  for (const auto& [venue, shortfall] : s.cash_shortfalls) {
    out += fmt::format(
        "cash short      the {} account holds {} {} less than sigex may spend "
        "there: its buys are limited to what it holds\n",
        venue, shortfall, s.cash_asset);
  }
  out += fmt::format("equity          {} {} (started with {}; fees {})\n", s.equity, s.cash_asset,
                     s.starting_cash, s.fees);
  if (s.margin) {
    out += fmt::format(
        "margin          balance {}, initial {}, maintenance {}, ratio {:.2f} % (100 % = "
        "liquidation); funding paid {}, received {}\n",
        s.margin->balance, s.margin->initial, s.margin->maintenance, s.margin->ratio * 100,
        s.margin->funding_paid, s.margin->funding_received);
  }
  out += "open orders\n";
  for (const DaemonStatus::OpenOrder& o : s.open_orders) {
    out += fmt::format("  {} {} {} {} {} @ {} filled {} {}\n", o.client_order_id, o.symbol, o.side,
                       o.type, o.quantity, o.price, o.filled, o.state);
  }
  if (s.open_orders.empty()) out += "  none\n";
  if (s.unresolved_orders > 0) {
    out += fmt::format(
        "  UNRESOLVED    {} order(s) whose outcome is not definite (looked up; instrument "
        "blocked){}\n",
        s.unresolved_orders,
        s.unproven_absences > 0 ? fmt::format("; ALERT: {} lookup(s) found a trace the venue "
                                              "cannot attribute: check the account",
                                              s.unproven_absences)
                                : std::string());
  }
  if (s.orders_waiting > 0) {
    out += fmt::format(
        "  WAITING       {} order(s) not sent yet: {} (each goes out once when that clears, or is "
        "given "
        "up after {} s)\n",
        s.orders_waiting, s.waiting_reason, s.max_order_wait_s);
  }
  if (s.banned) out += "  BANNED        the exchange bans this IP (HTTP 418): no request is sent\n";
  std::string denials;
  for (const auto& [reason, count] : s.risk_denials)
    denials += fmt::format(" {}={}", reason, count);
  out += fmt::format(
      "this run        {} events, {} orders, {} fills, {} venue refusal(s), {} alert(s), risk "
      "denials{}\n",
      s.events, s.orders, s.fills, s.venue_rejections, s.alerts,
      denials.empty() ? " none" : denials);
  return out;
}

std::string render_status_json(const DaemonStatus& s) {
  std::string out = "{";
  out += fmt::format(
      "\"mode\": {}, \"state_dir\": {}, \"ready\": {}, \"ready_since\": {}, \"stopping\": {}, "
      "\"core_dumps_allowed\": {}, \"metrics\": {}, \"venues\": {{\"market_data\": {}, "
      "\"orders\": {}}}, \"events\": {}, \"signals_source\": {}",
      quoted(s.mode), quoted(s.state_dir), boolean(!s.ready_since.empty()), or_null(s.ready_since),
      boolean(s.stopping), boolean(s.core_dumps_allowed), or_null(s.metrics_url),
      or_null(s.market_data_venue), or_null(s.order_venue), or_null(s.events_publisher),
      or_null(s.signals_source));
  out += ", \"trading_states\": [";
  for (std::size_t i = 0; i < s.trading_states.size(); ++i) {
    const DaemonStatus::Scope& scope = s.trading_states[i];
    out += fmt::format("{}{{\"scope\": {}, \"state\": {}, \"since\": {}, \"reason\": {}}}",
                       i == 0 ? "" : ", ", quoted(scope.scope), quoted(scope.state),
                       or_null(scope.since), or_null(scope.reason));
  }
  out += fmt::format("], \"oms_halted\": {}", or_null(s.oms_halted_reason));
  out += fmt::format(
      ", \"market_data\": {{\"state\": {}, \"last_event_age_s\": {}, \"connects\": {}, "
      "\"reconnects\": {}}}",
      quoted(s.market_data_state), seconds(s.last_market_event_age_s), s.feed_connects,
      s.feed_reconnects);
  out += ", \"token_metrics\": ";
  if (s.token_metrics) {
    const DaemonStatus::TokenMetrics& tm = *s.token_metrics;
    out += "{\"endpoints\": [";
    for (std::size_t i = 0; i < tm.endpoints.size(); ++i) {
      const DaemonStatus::Endpoint& e = tm.endpoints[i];
      out += fmt::format(
          "{}{{\"name\": {}, \"polls\": {}, \"failures\": {}, \"last_success_age_s\": {}}}",
          i == 0 ? "" : ", ", quoted(e.name), e.polls, e.failures, seconds(e.last_success_age_s));
    }
    out += fmt::format(
        "], \"records_received\": {}, \"delivered\": {}, \"duplicates\": {}, \"outdated\": {}, "
        "\"stale\": {}, "
        "\"budget_used\": {}, \"budget_limit\": {}, \"halted\": {}}}",
        tm.records_received, tm.delivered, tm.duplicates, tm.outdated, tm.stale, tm.budget_used,
        tm.budget_limit, or_null(tm.halted_reason));
  } else {
    out += "null";
  }
  out += ", \"webhook\": ";
  out += s.webhook ? fmt::format(
                         "{{\"url\": {}, \"accepted\": {}, \"refused\": {}, "
                         "\"redelivered\": {}}}",
                         quoted(s.webhook->url), s.webhook->accepted, s.webhook->refused,
                         s.webhook->redelivered)
                   : std::string("null");
  out += ", \"signal_gate\": ";
  out += s.signal_gate ? fmt::format(
                             "{{\"delivered\": {}, \"duplicates\": {}, \"outdated\": {}, "
                             "\"stale\": {}}}",
                             s.signal_gate->delivered, s.signal_gate->duplicates,
                             s.signal_gate->outdated, s.signal_gate->stale)
                       : std::string("null");
  out += ", \"keys\": [";
  for (std::size_t i = 0; i < s.keys.size(); ++i) {
    const DaemonStatus::Key& key = s.keys[i];
    out += fmt::format(
        "{}{{\"what\": {}, \"slot\": {}, \"fingerprint\": {}, \"origin\": {}, \"in_use\": "
        "{}}}",
        i == 0 ? "" : ", ", quoted(key.what), quoted(key.slot), quoted(key.fingerprint),
        quoted(key.origin), key.in_use ? "true" : "false");
  }
  out += fmt::format("], \"keys_retiring\": {}", s.keys_retiring);
  out += ", \"positions\": [";
  for (std::size_t i = 0; i < s.positions.size(); ++i) {
    const DaemonStatus::Position& p = s.positions[i];
    out += fmt::format(
        "{}{{\"symbol\": {}, \"quantity\": {}, \"entry_price\": {}, \"realised_pnl\": {}, "
        "\"unrealised_pnl\": {}{}}}",
        i == 0 ? "" : ", ", quoted(p.symbol), quoted(p.quantity), quoted(p.entry_price),
        quoted(p.realised_pnl), quoted(p.unrealised_pnl),
        p.liquidation_price.empty() ? ""
                                    : ", \"liquidation_price\": " + quoted(p.liquidation_price));
  }
  out += fmt::format(
      "], \"cash_asset\": {}, \"cash\": {}, \"equity\": {}, \"starting_cash\": {}, \"fees\": {}",
      quoted(s.cash_asset), quoted(s.cash), quoted(s.equity), quoted(s.starting_cash),
      quoted(s.fees));
  out += text_map_field("account_cash", s.account_cash);
  out += text_map_field("cash_shortfalls", s.cash_shortfalls);
  if (s.margin) {
    out += fmt::format(
        ", \"margin\": {{\"balance\": {}, \"initial\": {}, \"maintenance\": {}, \"ratio\": {:.6f}, "
        "\"funding_paid\": {}, \"funding_received\": {}}}",
        quoted(s.margin->balance), quoted(s.margin->initial), quoted(s.margin->maintenance),
        s.margin->ratio, quoted(s.margin->funding_paid), quoted(s.margin->funding_received));
  }
  out += ", \"open_orders\": [";
  for (std::size_t i = 0; i < s.open_orders.size(); ++i) {
    const DaemonStatus::OpenOrder& o = s.open_orders[i];
    out += fmt::format(
        "{}{{\"client_order_id\": {}, \"symbol\": {}, \"side\": {}, \"type\": {}, \"quantity\": "
        "{}, "
        "\"price\": {}, \"filled\": {}, \"state\": {}}}",
        i == 0 ? "" : ", ", quoted(o.client_order_id), quoted(o.symbol), quoted(o.side),
        quoted(o.type), quoted(o.quantity), quoted(o.price), quoted(o.filled), quoted(o.state));
  }
  out += fmt::format(
      "], \"unresolved_orders\": {}, \"unproven_absences\": {}, \"orders_waiting\": {}, "
      "\"waiting_reason\": {}, \"banned\": {}",
      s.unresolved_orders, s.unproven_absences, s.orders_waiting, or_null(s.waiting_reason),
      boolean(s.banned));
  out += fmt::format(
      ", \"this_run\": {{\"events\": {}, \"orders\": {}, \"fills\": {}, \"venue_rejections\": {}, "
      "\"alerts\": {}, \"risk_denials\": {{",
      s.events, s.orders, s.fills, s.venue_rejections, s.alerts);
  for (std::size_t i = 0; i < s.risk_denials.size(); ++i) {
    out += fmt::format("{}{}: {}", i == 0 ? "" : ", ", quoted(s.risk_denials[i].first),
                       s.risk_denials[i].second);
  }
  out += "}}";
  out += ", \"relay\": ";
  if (s.relay) {
    const DaemonStatus::Relay& r = *s.relay;
    out += fmt::format(
        "{{\"nats_url\": {}, \"nats_connected\": {}, \"nats_disconnects\": {}, \"epoch\": {}, "
        "\"instruments\": {}, \"market_messages\": {}, \"market_dropped\": {}, "
        "\"signal_messages\": {}, \"signal_duplicates\": {}, \"signals_pending\": {}, "
        "\"snapshots\": {}, \"snapshot_requests\": {}, \"failures\": {}}}",
        quoted(r.nats_url), boolean(r.nats_connected), r.nats_disconnects, r.epoch, r.instruments,
        r.market_messages, r.market_dropped, r.signal_messages, r.signal_duplicates,
        r.signals_pending, r.snapshots, r.snapshot_requests, r.failures);
  } else {
    out += "null";
  }
  out += "}\n";
  return out;
}

}  // namespace sigex
