#include "adapters/x402/payer.h"

#include <openssl/rand.h>
#include <sqlite3.h>

#include "engine/journal/sqlite_file.h"

#include <fmt/format.h>

#include "engine/core/calendar.h"
#include "engine/logging/log.h"

namespace sigex {

tl::expected<std::unique_ptr<X402Payer>, std::string> X402Payer::open(
    const X402Config& config, const Secret& wallet_key, const std::filesystem::path& state_dir) {
  auto wallet = EvmWallet::from_private_key(wallet_key);
  if (!wallet) return tl::unexpected(config.wallet_key.what + ": " + wallet.error());
  std::string error;
  sqlite3* database = open_sqlite_file(
      state_dir, "x402_payments.db",
      "CREATE TABLE IF NOT EXISTS x402_payments (id INTEGER PRIMARY KEY, time_ns INTEGER NOT "
      "NULL, resource TEXT NOT NULL, amount INTEGER NOT NULL, asset TEXT NOT NULL, network TEXT "
      "NOT NULL, pay_to TEXT NOT NULL, payer TEXT NOT NULL, nonce TEXT NOT NULL UNIQUE, state "
      "TEXT NOT NULL, status INTEGER, transaction_hash TEXT, detail TEXT);"
      "CREATE INDEX IF NOT EXISTS x402_payments_by_time ON x402_payments (time_ns);",
      "the x402 payment journal", error);
  if (database == nullptr) return tl::unexpected(error);
  return std::unique_ptr<X402Payer>(new X402Payer(config, std::move(*wallet), database));
}

X402Payer::X402Payer(const X402Config& config, std::unique_ptr<EvmWallet> wallet, sqlite3* database)
    : config_(config), wallet_(std::move(wallet)), database_(database) {}

X402Payer::~X402Payer() { sqlite3_close(database_); }

std::int64_t X402Payer::spent_since(TimeNs from_ns) const {
  SqliteStatement sum(database_,
                      "SELECT COALESCE(SUM(amount), 0) FROM x402_payments WHERE time_ns >= ?");
  sum.integer(1, from_ns);
  return sum.step_row() ? sum.column_integer(0) : 0;
}

tl::expected<std::string, PaymentRefusal> X402Payer::pay(std::string_view body,
                                                         std::string_view resource, TimeNs now_ns) {
  const auto offered = parse_payment_required(body);
  if (!offered) return tl::unexpected(PaymentRefusal{false, "x402: not paid: " + offered.error()});
  const auto requirement = choose_requirement(*offered, config_);
  if (!requirement)
    return tl::unexpected(
        PaymentRefusal{false, "x402: no offered payment may be signed: " + requirement.error()});
  const std::int64_t today = spent_since(now_ns / kNsPerDay * kNsPerDay);
  const std::int64_t month = spent_since(month_start(now_ns));
  if (today + requirement->amount > config_.daily_budget ||
      month + requirement->amount > config_.monthly_budget) {
    const bool daily = today + requirement->amount > config_.daily_budget;
    return tl::unexpected(PaymentRefusal{
        true, fmt::format("x402: the {} budget of {} USDC is reached ({} spent); no payment until "
                          "{}",
                          daily ? "daily" : "monthly",
                          format_amount(daily ? config_.daily_budget : config_.monthly_budget),
                          format_amount(daily ? today : month),
                          format_utc_date(daily ? now_ns / kNsPerDay * kNsPerDay + kNsPerDay
                                                : next_month_start(now_ns)))});
  }
  unsigned char random[32];
  if (RAND_bytes(random, sizeof random) != 1)
    return tl::unexpected(PaymentRefusal{false, "x402: no random nonce could be drawn"});
  const std::string nonce = to_hex(random, sizeof random);
  auto payment = sign_payment(*requirement, *wallet_, now_ns, nonce);
  if (!payment) return tl::unexpected(PaymentRefusal{false, "x402: " + payment.error()});
  // Counted (durably) before the signature leaves.
  SqliteStatement insert(
      database_,
      "INSERT INTO x402_payments (time_ns, resource, amount, asset, network, pay_to, "
      "payer, nonce, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'sent')");
  insert.integer(1, now_ns);
  insert.text(2, resource);
  insert.integer(3, requirement->amount);
  insert.text(4, requirement->asset);
  insert.text(5, requirement->network);
  insert.text(6, requirement->pay_to);
  insert.text(7, wallet_->address());
  insert.text(8, nonce);
  if (!insert.step_done())
    return tl::unexpected(PaymentRefusal{
        false,
        std::string("x402: the payment journal cannot write: ") + sqlite3_errmsg(database_)});
  last_payment_ = sqlite3_last_insert_rowid(database_);
  ++payments_;
  spent_ += requirement->amount;
  log_info("x402: paying {} USDC to {} for {} (from {})", format_amount(requirement->amount),
           requirement->pay_to, resource, wallet_->address());
  return payment->header;
}

void X402Payer::answered(std::optional<std::string_view> payment_response, int status,
                         std::string_view body) {
  if (last_payment_ == 0) return;
  std::string state = status == 200 ? "settled" : "failed";
  std::string transaction, detail;
  if (payment_response) {
    const auto receipt = parse_payment_response(*payment_response);
    if (receipt) {
      transaction = receipt->transaction;
      if (!receipt->success) state = "failed";
      detail = receipt->error;
    } else {
      detail = receipt.error();
    }
  } else if (status == 200) {
    detail = "no X-PAYMENT-RESPONSE receipt";
  }
  if (status != 200) detail = std::string(body.substr(0, 300));
  SqliteStatement update(
      database_,
      "UPDATE x402_payments SET state = ?, status = ?, transaction_hash = ?, detail = ? "
      "WHERE id = ?");
  update.text(1, state);
  update.integer(2, status);
  update.text(3, transaction);
  update.text(4, detail);
  update.integer(5, last_payment_);
  update.step_done();
  if (state == "settled") {
    log_info("x402: settled, transaction {}", transaction.empty() ? "(none given)" : transaction);
  } else {
    log_error("x402: the payment was not settled (HTTP {}): {}", status, detail);
  }
  last_payment_ = 0;
}

X402Totals X402Payer::totals(TimeNs now_ns) const {
  X402Totals totals;
  totals.payments = payments_;
  totals.spent = spent_;
  totals.spent_today = spent_since(now_ns / kNsPerDay * kNsPerDay);
  totals.spent_this_month = spent_since(month_start(now_ns));
  SqliteStatement states(database_, "SELECT state, COUNT(*) FROM x402_payments GROUP BY state");
  while (states.step_row()) {
    const std::string state = states.column_text(0);
    if (state == "settled") totals.settled = states.column_integer(1);
    if (state == "failed") totals.failed = states.column_integer(1);
  }
  return totals;
}

}  // namespace sigex
