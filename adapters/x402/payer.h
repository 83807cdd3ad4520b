#pragma once

// Pays for API calls over x402 within limits, durably: a payment is counted in
// <state_dir>/x402_payments.db (synchronous = FULL) before its signature leaves, so a crash
// never lets sigex spend past its daily or monthly budget; the server's receipt
// (X-PAYMENT-RESPONSE: amount, asset, network, transaction) is journaled with it. A payment
// counts against the budgets whatever its outcome (a signed authorization can be settled
// until it expires). Caller's thread (the Token Metrics client's).

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "adapters/x402/config.h"
#include "adapters/x402/payment.h"
#include "adapters/x402/wallet.h"
#include "engine/core/result.h"
#include "engine/core/secret.h"

struct sqlite3;

namespace sigex {

struct PaymentRefusal {
  bool over_budget = false;  // true: pause until the budget resets; false: refused for good
  std::string message;
};

struct X402Totals {
  std::int64_t payments = 0;  // this process
  std::int64_t spent = 0;     // this process, atomic units
  std::int64_t spent_today = 0, spent_this_month = 0;
  std::int64_t settled = 0, failed = 0;  // receipts
};

class X402Payer {
 public:
  static tl::expected<std::unique_ptr<X402Payer>, std::string> open(
      const X402Config& config, const Secret& wallet_key, const std::filesystem::path& state_dir);
  ~X402Payer();
  X402Payer(const X402Payer&) = delete;
  X402Payer& operator=(const X402Payer&) = delete;

  // A 402 answer's body -> the X-PAYMENT header for one payment of `resource`, counted first.
  tl::expected<std::string, PaymentRefusal> pay(std::string_view body, std::string_view resource,
                                                TimeNs now_ns);
  // The answer to the paid request: its X-PAYMENT-RESPONSE (absent: no receipt) and status.
  void answered(std::optional<std::string_view> payment_response, int status,
                std::string_view body);

  const std::string& address() const { return wallet_->address(); }
  X402Totals totals(TimeNs now_ns) const;

 private:
  X402Payer(const X402Config& config, std::unique_ptr<EvmWallet> wallet, sqlite3* database);
  std::int64_t spent_since(TimeNs from_ns) const;

  X402Config config_;
  std::unique_ptr<EvmWallet> wallet_;
  sqlite3* database_;
  std::int64_t last_payment_ = 0;  // row id of the payment awaiting its answer
  std::int64_t payments_ = 0, spent_ = 0;
};

}  // namespace sigex
